// Poll a job until it ends; the view shows each answer as it arrives.
import { useEffect, useState } from 'react';
import type { Job } from '../../contracts';
import type { RetractApi } from '../api-client';

export const TERMINAL = new Set(['completed', 'partial', 'failed', 'cancelled']);

export function useJob(api: RetractApi, jobId: string | undefined, pollMs: number): { job?: Job; error?: unknown } {
  const [state, setState] = useState<{ job?: Job; error?: unknown }>({});
  useEffect(() => {
    setState({});
    if (!jobId) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const job = await api.job(jobId);
        if (stopped) return;
        setState({ job });
        if (!TERMINAL.has(job.status)) timer = setTimeout(tick, pollMs);
      } catch (error) {
        if (!stopped) setState((s) => ({ ...s, error }));
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
