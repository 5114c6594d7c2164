/**
 * Exchange keeps message trace for 90 days and `Get-MessageTraceV2` searches at most 10 days at
 * a time, so a search by id walks back through windows, newest first.
 */
export const TRACE_LOOKBACK_DAYS = 90;
export const TRACE_WINDOW_DAYS = 10;

const DAY_MS = 24 * 60 * 60 * 1000;

export interface TraceWindow {
  /** ISO start (inclusive). */
  start: string;
  /** ISO end (exclusive). */
  end: string;
}

/** The windows covering `[now − lookbackDays, now)`, newest first, none longer than `windowDays`. */
export function traceWindows(
  now: Date | number,
  options: { lookbackDays?: number; windowDays?: number } = {},
): TraceWindow[] {
  const lookbackDays = options.lookbackDays ?? TRACE_LOOKBACK_DAYS;
  const windowDays = options.windowDays ?? TRACE_WINDOW_DAYS;
  if (!(windowDays > 0) || !(lookbackDays >= 0)) throw new Error('Trace windows need a positive window and a lookback of zero or more days.');
  const end = typeof now === 'number' ? now : now.getTime();
  const earliest = end - lookbackDays * DAY_MS;
  const windows: TraceWindow[] = [];
  for (let hi = end; hi > earliest; hi -= windowDays * DAY_MS) {
    const lo = Math.max(earliest, hi - windowDays * DAY_MS);
    windows.push({ start: new Date(lo).toISOString(), end: new Date(hi).toISOString() });
  }
  return windows;
}
