// Poll a job until it ends; the view shows each answer as it arrives.
import { useEffect, useState } from 'react';
import type { Job } from '../../contracts';
import { ApiError, type RetractApi } from '../api-client';

export const TERMINAL = new Set(['completed', 'partial', 'failed', 'cancelled']);

/** The longest wait between polls while the service does not answer. */
export const MAX_RETRY_MS = 10_000;

/**
 * A failure worth polling through: no answer at all (the API restarting, a dropped network),
 * throttling, or the service briefly unavailable. The job runs on without the pane, so the pane
 * keeps asking. A refusal (401, 403, 404) will not change by asking again.
 */
export function isTransient(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false;
  return error.status === 0 || error.status === 429 || error.status === 502 || error.status === 503 || error.status === 504;
}

export interface JobPoll {
  job?: Job;
  /** A failure that ended polling. */
  error?: unknown;
  /** The last poll failed for a passing reason; the pane keeps trying. */
  reconnecting?: boolean;
}

export function useJob(api: RetractApi, jobId: string | undefined, pollMs: number): JobPoll {
  const [state, setState] = useState<JobPoll>({});
  useEffect(() => {
    setState({});
    if (!jobId) return;
    let stopped = false;
    let failures = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const job = await api.job(jobId);
        if (stopped) return;
        failures = 0;
        setState({ job });
        if (!TERMINAL.has(job.status)) timer = setTimeout(tick, pollMs);
      } catch (error) {
        if (stopped) return;
        if (isTransient(error)) {
          // Keep the last progress on screen and back off, up to MAX_RETRY_MS between tries.
          failures++;
          setState((s) => ({ job: s.job, reconnecting: true }));
          timer = setTimeout(tick, Math.min(MAX_RETRY_MS, pollMs * 2 ** failures));
          return;
        }
        setState((s) => ({ job: s.job, error }));
      }
    };
    void tick();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [api, jobId, pollMs]);
  return state;
}
