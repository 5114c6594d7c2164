/** The flags of `npm run bench` (bench/README.md), validated before anything starts. */
import { parseArgs } from 'node:util';
import { z } from 'zod';

export interface BenchOptions {
  mailboxes: number;
  naiveRecipients: number;
  workers: number;
  quick: boolean;
  /** Measure the task pane's weight and time to interactive (production build, Chromium). */
  taskpane: boolean;
  out: string;
}

export class BenchUsageError extends Error {}

const FLAGS = 'Flags: --mailboxes N (default 10000), --quick (N = 1000), --naive N (default 300), --workers N (default 1), --no-taskpane, --out FILE.';

const schema = z.object({
  mailboxes: z.coerce.number().int().min(20, 'must be at least 20').max(100_000, 'must be at most 100,000').optional(),
  quick: z.boolean().default(false),
  naive: z.coerce.number().int().min(1).max(10_000).optional(),
  workers: z.coerce.number().int().min(1).max(8).default(1),
  'no-taskpane': z.boolean().default(false),
  out: z.string().min(1).optional(),
});

export function parseBenchOptions(argv: string[]): BenchOptions {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        mailboxes: { type: 'string' },
        quick: { type: 'boolean' },
        naive: { type: 'string' },
        workers: { type: 'string' },
        'no-taskpane': { type: 'boolean' },
        out: { type: 'string' },
      },
    }));
  } catch (err) {
    throw new BenchUsageError(`${(err as Error).message}. ${FLAGS}`);
  }
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new BenchUsageError(`--${issue.path.join('.')} ${issue.message}. ${FLAGS}`);
  }
  const v = parsed.data;
  const mailboxes = v.mailboxes ?? (v.quick ? 1000 : 10_000);
  return {
    mailboxes,
    // The quick run keeps the baseline short: it is a smoke test, not a measurement.
    naiveRecipients: Math.min(v.naive ?? (v.quick ? 50 : 300), mailboxes),
    workers: v.workers,
    quick: v.quick,
    // The quick run is the CI smoke test: the production build would add a minute for nothing it asserts.
    taskpane: !v['no-taskpane'] && !v.quick,
    out: v.out ?? 'bench/results/latest.json',
  };
}
