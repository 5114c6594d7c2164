/**
 * The flags of `npm start` (CONTRACTS §1), parsed and validated before anything starts, so a
 * typo stops at once with a sentence instead of half a stack.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';

export interface StartOptions {
  tenantFile?: string;
  latencyMs: number;
  throttle: boolean;
  dataDir?: string;
  portsAuto: boolean;
  ports: { taskpane: number; api: number; sim: number; storage: number };
}

export const DEFAULT_PORTS = { taskpane: 3000, api: 7071, sim: 4010, storage: 10000 } as const;

const portSchema = z.coerce.number().int().min(1).max(65535);

const optionsSchema = z.object({
  tenant: z.string().min(1).optional(),
  'latency-ms': z.coerce.number().int().min(0).max(60_000).default(0),
  throttle: z.enum(['on', 'off']).default('off'),
  data: z.string().min(1).optional(),
  'ports-auto': z.boolean().default(false),
  'taskpane-port': portSchema.default(DEFAULT_PORTS.taskpane),
  'api-port': portSchema.default(DEFAULT_PORTS.api),
  'sim-port': portSchema.default(DEFAULT_PORTS.sim),
  'storage-port': portSchema.default(DEFAULT_PORTS.storage),
});

export class UsageError extends Error {}

export function parseStartOptions(argv: string[], cwd = process.cwd()): StartOptions {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        tenant: { type: 'string' },
        'latency-ms': { type: 'string' },
        throttle: { type: 'string' },
        data: { type: 'string' },
        'ports-auto': { type: 'boolean' },
        'taskpane-port': { type: 'string' },
        'api-port': { type: 'string' },
        'sim-port': { type: 'string' },
        'storage-port': { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError(`${(err as Error).message.replace(/\.$/, '')}. Flags: --tenant FILE, --latency-ms N, --throttle on|off, --data DIR, --ports-auto.`);
  }
  const parsed = optionsSchema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`--${issue.path.join('.')}: ${issue.message}.`);
  }
  const v = parsed.data;
  return {
    tenantFile: v.tenant ? path.resolve(cwd, v.tenant) : undefined,
    latencyMs: v['latency-ms'],
    throttle: v.throttle === 'on',
    dataDir: v.data ? path.resolve(cwd, v.data) : undefined,
    portsAuto: v['ports-auto'],
    ports: v['ports-auto']
      ? { taskpane: 0, api: 0, sim: 0, storage: 0 }
      : { taskpane: v['taskpane-port'], api: v['api-port'], sim: v['sim-port'], storage: v['storage-port'] },
  };
}
