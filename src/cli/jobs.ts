/**
 * Jobs from the CLI's side: which messages a `run` hands to the API, waiting for a job to end
 * (with the progress bar and Ctrl-C), and the exit code a job's status gives.
 */
import { jobSchema, type Job, type JobStatus, type Lookup } from '../contracts';
import type { ApiClient } from './apiClient';
import { CliError, ExitCode, type ExitCodeValue } from './exitCodes';
import type { CliIo } from './io';
import { ProgressBar } from './progress';

export const FINAL_STATUSES: readonly JobStatus[] = ['completed', 'partial', 'failed', 'cancelled'];

export function isFinal(status: JobStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/**
 * CONTRACTS §5: completed 0, partial 3, failed 1. A cancelled job is what `cancel` asked for
 * (0); for run and undo it means the work was not done (1). queued/running: `status` only
 * reports them (0).
 */
export function exitCodeForJob(status: JobStatus, command: 'run' | 'undo' | 'cancel' | 'status'): ExitCodeValue {
  switch (status) {
    case 'completed':
      return ExitCode.done;
    case 'partial':
      return ExitCode.partial;
    case 'failed':
      return ExitCode.failed;
    case 'cancelled':
      return command === 'cancel' || command === 'status' ? ExitCode.done : ExitCode.failed;
    default:
      return ExitCode.done;
  }
}

export interface Selection {
  exclude: string[];
  include: string[];
  /** How many messages the job will act on. */
  count: number;
  mailboxes: number;
}

/**
 * Checks --exclude and --include against the lookup before any job is made: an exclude must
 * name one of its targets, an include one of its ambiguous forwards.
 */
export function selectTargets(lookup: Lookup, exclude: string[], include: string[]): Selection {
  const targetIds = new Set(lookup.targets.map((t) => t.messageId));
  const ambiguousIds = new Set(lookup.ambiguous.map((a) => a.messageId));
  const notTarget = exclude.filter((id) => !targetIds.has(id));
  if (notTarget.length > 0) {
    throw new CliError(
      `--exclude names ${notTarget.length === 1 ? 'a messageId that is' : `${notTarget.length} messageIds that are`} not among this lookup's targets (${notTarget[0]}). Nothing was changed; use the messageIds that \`retract lookup\` lists.`,
      ExitCode.usage,
    );
  }
  const notAmbiguous = include.filter((id) => !ambiguousIds.has(id));
  if (notAmbiguous.length > 0) {
    throw new CliError(
      `--include may name only the lookup's ambiguous forwards, and ${notAmbiguous[0]} is not one. Nothing was changed.`,
      ExitCode.usage,
    );
  }
  const excluded = new Set(exclude);
  const included = new Set(include);
  const chosen = [
    ...lookup.targets.filter((t) => !excluded.has(t.messageId)),
    ...lookup.ambiguous.filter((a) => included.has(a.messageId)),
  ];
  return { exclude, include, count: chosen.length, mailboxes: new Set(chosen.map((t) => t.mailbox.toLowerCase())).size };
}

export interface WaitOptions {
  quiet: boolean;
  /** First and longest pause between polls. */
  intervalMs?: number;
  maxIntervalMs?: number;
  /** Failed reads in a row (5xx, network) tolerated before giving up. */
  retries?: number;
}

export interface WaitResult {
  job: Job;
  /** True when Ctrl-C stopped the waiting (the job goes on). */
  interrupted: boolean;
}

/** Polls GET /api/jobs/{jobId} until the job ends or Ctrl-C; the bar shows on a terminal only. */
export async function waitForJob(api: ApiClient, io: CliIo, jobId: string, options: WaitOptions): Promise<WaitResult> {
  const bar = new ProgressBar(io.stderr, !options.quiet && io.stderr.isTTY === true);
  const stop = new AbortController();
  const unsubscribe = io.onInterrupt(() => stop.abort());
  let interval = options.intervalMs ?? 250;
  const maxInterval = options.maxIntervalMs ?? 2000;
  const retries = options.retries ?? 5;
  let failures = 0;
  let last: Job | undefined;
  try {
    for (;;) {
      let job: Job;
      try {
        job = await api.get(`/jobs/${encodeURIComponent(jobId)}`, jobSchema);
        failures = 0;
      } catch (err) {
        // A blip (5xx, network) while only reading must not lose the job: try again a few
        // times, then say where the job is. Refusals (2, 4) are not blips.
        if (!(err instanceof CliError) || err.exitCode !== ExitCode.failed) throw err;
        failures += 1;
        if (failures > retries) {
          throw new CliError(
            `Stopped waiting for job ${jobId}: ${err.message.replace(/\.$/, '')}. The job goes on; follow it with \`retract status ${jobId}\`.`,
            ExitCode.failed,
          );
        }
        await io.sleep(maxInterval, stop.signal);
        if (stop.signal.aborted && last) return { job: last, interrupted: true };
        continue;
      }
      last = job;
      bar.update(job.counts, job.status);
      if (isFinal(job.status)) return { job, interrupted: false };
      await io.sleep(interval, stop.signal);
      if (stop.signal.aborted) return { job, interrupted: true };
      interval = Math.min(maxInterval, Math.round(interval * 1.5));
    }
  } finally {
    unsubscribe();
    bar.finish();
  }
}
