/**
 * The same scenarios with the simulator throttling as `--throttle on` does (4 requests per
 * mailbox, a rate limit answering 429 with Retry-After) and failing 2% of Graph and Exchange
 * requests with 503: the
 * lookups give the same targets, the jobs the same final state, and the simulator's own log
 * shows no mailbox ever had more than 4 of our requests in flight.
 */
import { THROTTLE_ON } from '../../../src/sim/faults';
import { maxInFlightPerMailbox, startScenario } from './scenario-harness';
import { SCENARIOS } from './scenario-cases';
import { runAction, runLookup } from './scenario-run';

// The machine is shared: give each step room beyond jest's 5 s default (the integration project's own timeout is not applied per project).
jest.setTimeout(60_000);

// `--throttle on` (Outlook's 4 in flight per mailbox) with a rate limit below its 17 a second, so
// that these small scenarios do meet 429s, plus 2% of 503s.
const FAULTS = { latencyMs: 5, throttle: { ...THROTTLE_ON, ratePerSecond: 10 }, errorRate: { '503': 0.02 } };

it('gives the same targets and final state under 429s and 503s, never over 4 requests in flight per mailbox', async () => {
  const runs = await Promise.all(
    SCENARIOS.map(async (c) => {
      const s = await startScenario(c.name, { faults: FAULTS });
      try {
        const seen = [];
        for (const l of c.lookups) seen.push({ l, got: await runLookup(s, l) });
        const o = await runAction(s, c, seen[0]!.got);
        return { c, seen, o, requests: await s.requests() };
      } finally {
        await s.close();
      }
    }),
  );
  let throttled = 0;
  let unavailable = 0;
  for (const { c, seen, o, requests } of runs) {
    for (const { l, got } of seen) {
      expect({ scenario: c.name, lookup: l.title, targets: got.targets, skipped: got.skipped, ambiguous: got.ambiguous }).toEqual({
        scenario: c.name,
        lookup: l.title,
        targets: [...l.targets].sort(),
        skipped: [...l.skipped].sort(),
        ambiguous: [...l.ambiguous].sort(),
      });
    }
    expect({ scenario: c.name, outcomes: o.outcomes.every((x) => x === 'done'), after: o.after }).toEqual({ scenario: c.name, outcomes: true, after: o.expectedAfter });
    if (o.afterUndo) expect({ scenario: c.name, afterUndo: o.afterUndo }).toEqual({ scenario: c.name, afterUndo: o.before });
    const peak = maxInFlightPerMailbox(requests);
    expect({ scenario: c.name, over4: [...peak].filter(([, n]) => n > 4) }).toEqual({ scenario: c.name, over4: [] });
    throttled += requests.filter((r) => r.status === 429).length;
    unavailable += requests.filter((r) => r.status === 503).length;
  }
  // The faults really were there: the engine met both and still got every answer right.
  expect(throttled).toBeGreaterThan(0);
  expect(unavailable).toBeGreaterThan(0);
}, 60_000);
