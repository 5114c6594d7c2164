/**
 * Where the CLI connects and as whom: options first, then the environment, then the dev-stack
 * file that `npm start` writes (read only when something is still missing).
 */
import fs from 'node:fs';
import type { DevStack } from './devStack';
import { locateDevStack, readDevStack } from './devStack';
import { CliError, ExitCode } from './exitCodes';

export interface ConnectionOptions {
  api?: string;
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  scope?: string;
  authorityHost?: string;
  caFile?: string;
}

export interface Connection {
  api: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  authorityHost: string;
  /** PEM of an extra CA to trust (the dev CA), when one is named. */
  caPem?: string;
  /** The dev-stack file the defaults came from, if any. */
  devStackFile?: string;
}

export interface ConnectionEnvironment {
  env: Record<string, string | undefined>;
  cwd: string;
  /** For tests: the dev-stack file's location and reading. */
  locate?: () => string | undefined;
  read?: (file: string) => DevStack;
  readCa?: (file: string) => string;
}

const PUBLIC_AUTHORITY = 'https://login.microsoftonline.com';

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.trim() !== '' ? value : undefined;
}

function checkUrl(value: string, what: string, protocols: string[]): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(`${what} "${value}" is not a URL.`, ExitCode.usage);
  }
  if (!protocols.includes(url.protocol)) {
    throw new CliError(`${what} "${value}" must use ${protocols.join(' or ').replace(/:/g, '')}.`, ExitCode.usage);
  }
  return value.replace(/\/+$/, '');
}

export function resolveConnection(options: ConnectionOptions, where: ConnectionEnvironment): Connection {
  const env = where.env;
  let api = nonEmpty(options.api) ?? nonEmpty(env.RETRACT_API);
  let tenantId = nonEmpty(options.tenantId);
  let clientId = nonEmpty(options.clientId);
  let clientSecret = nonEmpty(options.clientSecret) ?? (clientId ? nonEmpty(env.RETRACT_CLI_CLIENT_SECRET) : undefined);
  let scope = nonEmpty(options.scope) ?? nonEmpty(env.RETRACT_API_SCOPE);
  let authorityHost = nonEmpty(options.authorityHost) ?? nonEmpty(env.RETRACT_AUTHORITY_HOST);
  let caFile = nonEmpty(options.caFile) ?? nonEmpty(env.RETRACT_CA_FILE);

  if (clientId && !clientSecret) {
    throw new CliError(
      '--client-id needs its secret: pass --client-secret, or set RETRACT_CLI_CLIENT_SECRET.',
      ExitCode.usage,
    );
  }
  if (clientSecret && !clientId) {
    throw new CliError('--client-secret was given without --client-id.', ExitCode.usage);
  }

  let devStackFile: string | undefined;
  if (!api || !tenantId || !clientId || !scope) {
    devStackFile = (where.locate ?? (() => locateDevStack({ env, cwd: where.cwd })))();
    if (!devStackFile) {
      const missing = [
        !api && '--api (or RETRACT_API)',
        !tenantId && '--tenant-id',
        !clientId && '--client-id and --client-secret',
        !scope && '--scope (or RETRACT_API_SCOPE)',
      ].filter(Boolean);
      throw new CliError(
        `No local stack found (.retract/dev-stack.json), and these were not given: ${missing.join('; ')}. Start the local stack with \`npm start\`, or pass them.`,
        ExitCode.usage,
      );
    }
    const stack = (where.read ?? readDevStack)(devStackFile);
    api ??= stack.api;
    tenantId ??= stack.tenantId;
    if (!clientId) {
      clientId = stack.cli.clientId;
      clientSecret = stack.cli.clientSecret;
    }
    scope ??= stack.apiScope;
    authorityHost ??= stack.authorityHost;
    caFile ??= stack.caFile;
    if (!scope) {
      throw new CliError(
        `The API's scope is not known: ${devStackFile} names no apiScope. Pass --scope api://…/.default (the API's identifier URI), or set RETRACT_API_SCOPE.`,
        ExitCode.usage,
      );
    }
  }

  // Narrowed above: every value is set, either given or from the dev-stack file.
  if (!api || !tenantId || !clientId || !clientSecret || !scope) {
    throw new CliError('The connection settings are incomplete.', ExitCode.usage);
  }

  let caPem: string | undefined;
  if (caFile) {
    try {
      caPem = (where.readCa ?? ((file: string) => fs.readFileSync(file, 'utf8')))(caFile);
    } catch {
      throw new CliError(
        `Cannot read the CA certificate ${caFile}. Run \`npx tsx src/dev/certs.ts\` or restart \`npm start\`.`,
        ExitCode.usage,
      );
    }
  }

  return {
    api: checkUrl(api, 'The API address', ['https:', 'http:']),
    tenantId,
    clientId,
    clientSecret,
    scope,
    authorityHost: checkUrl(authorityHost ?? PUBLIC_AUTHORITY, 'The authority', ['https:']),
    caPem,
    devStackFile,
  };
}
