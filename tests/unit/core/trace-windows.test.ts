import { traceWindows } from '../../../src/core';

describe('traceWindows', () => {
  const now = Date.parse('2026-11-22T12:00:00.000Z');

  it('covers 90 days back in nine 10-day windows, newest first, with no gap or overlap', () => {
    const windows = traceWindows(now);
    expect(windows).toHaveLength(9);
    expect(windows[0]).toEqual({ start: '2026-11-12T12:00:00.000Z', end: '2026-11-22T12:00:00.000Z' });
    expect(windows[8]!.start).toBe('2026-08-24T12:00:00.000Z');
    for (let i = 1; i < windows.length; i++) expect(windows[i]!.end).toBe(windows[i - 1]!.start);
  });

  it('shortens the oldest window to the lookback', () => {
    const windows = traceWindows(new Date(now), { lookbackDays: 25, windowDays: 10 });
    expect(windows.map((w) => (Date.parse(w.end) - Date.parse(w.start)) / 86400000)).toEqual([10, 10, 5]);
    expect(traceWindows(now, { lookbackDays: 0 })).toEqual([]);
    expect(() => traceWindows(now, { windowDays: 0 })).toThrow();
  });
});
