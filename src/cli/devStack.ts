/**
 * `.retract/dev-stack.json`, written by `npm start` (CONTRACTS §1): where the local API, the
 * simulated tenant's authority and the dev CA are, and the `retract-cli` app's credentials, so
 * that `npx retract …` works beside `npm start` with no options.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CliError, ExitCode } from './exitCodes';

export const devStackSchema = z.object({
  api: z.url({ protocol: /^https?$/ }),
  sim: z.string().optional(),
  taskpane: z.string().optional(),
  tenantId: z.string().min(1),
  authorityHost: z.url({ protocol: /^https$/ }),
  caFile: z.string().min(1).optional(),
  /**
   * The scope the CLI asks for: the API's identifier URI with `/.default` (or the identifier URI
   * alone). Not in CONTRACTS §1's example; the CLI never guesses it.
   */
  apiScope: z.string().min(1).optional(),
  cli: z.object({ clientId: z.string().min(1), clientSecret: z.string().min(1) }),
});

export type DevStack = z.infer<typeof devStackSchema>;

export const DEV_STACK_ENV = 'RETRACT_DEV_STACK';
const RELATIVE_PATH = path.join('.retract', 'dev-stack.json');

/** The project root of this checkout (src/cli is two levels below it). */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

export interface DevStackLocation {
  env: Record<string, string | undefined>;
  cwd: string;
  projectRoot?: string;
  exists?: (file: string) => boolean;
}

/**
 * The dev-stack file to read: the one RETRACT_DEV_STACK names (even if missing, so that the
 * error names it), else `.retract/dev-stack.json` in the working directory, else in the project
 * root. Undefined when there is none.
 */
export function locateDevStack(where: DevStackLocation): string | undefined {
  const named = where.env[DEV_STACK_ENV];
  if (named) return path.resolve(where.cwd, named);
  const exists = where.exists ?? ((file: string) => fs.existsSync(file));
  const candidates = [path.join(where.cwd, RELATIVE_PATH)];
  const root = where.projectRoot ?? PROJECT_ROOT;
  if (path.resolve(root) !== path.resolve(where.cwd)) candidates.push(path.join(root, RELATIVE_PATH));
  return candidates.find((file) => exists(file));
}

/** Parses the file's text; `file` only names it in errors. Relative caFile is relative to the file. */
export function parseDevStack(text: string, file: string): DevStack {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new CliError(`${file} is not JSON. Restart \`npm start\` to write it again.`, ExitCode.usage);
  }
  const parsed = devStackSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(the document)';
    throw new CliError(
      `${file} is not a dev-stack file: ${where} is missing or wrong (${issue?.message ?? 'invalid'}). Restart \`npm start\` to write it again.`,
      ExitCode.usage,
    );
  }
  const stack = parsed.data;
  if (stack.caFile && !path.isAbsolute(stack.caFile)) {
    stack.caFile = path.resolve(path.dirname(file), stack.caFile);
  }
  return stack;
}

export function readDevStack(file: string): DevStack {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(
      code === 'ENOENT'
        ? `${file} does not exist. Start the local stack with \`npm start\`, or pass --api, --tenant-id, --client-id and --client-secret.`
        : `Cannot read ${file} (${code ?? 'error'}).`,
      ExitCode.usage,
    );
  }
  return parseDevStack(text, file);
}
