/**
 * The retraction engine against the simulated tenant over HTTPS: for each scenario fixture, the
 * exact targets, skipped addresses and ambiguous forwards of its lookups, then every mailbox's
 * state after the job acts, after it acts again, and after undo.
 */
import { startScenario, type Scenario } from './scenario-harness';
import { SCENARIOS } from './scenario-cases';
import { runAction, runLookup, type Seen } from './scenario-run';

// The machine is shared: give each step room beyond jest's 5 s default (the integration project's own timeout is not applied per project).
jest.setTimeout(60_000);

describe.each(SCENARIOS)('scenario $name', (c) => {
  let s: Scenario;
  let first: Seen | undefined;
  beforeAll(async () => {
    s = await startScenario(c.name);
  });
  afterAll(async () => {
    await s?.close();
  });

  it.each(c.lookups.map((l, i) => [l.title, i] as const))('lookup: %s', async (_title, i) => {
    const l = c.lookups[i]!;
    const seen = await runLookup(s, l);
    expect(seen.targets).toEqual([...l.targets].sort());
    expect(seen.skipped).toEqual([...l.skipped].sort());
    expect(seen.ambiguous).toEqual([...l.ambiguous].sort());
    expect(seen.result.stats.graphRequests).toBeGreaterThan(0);
    if (l.minMailboxesSearched) expect(seen.result.stats.mailboxesSearched).toBeGreaterThanOrEqual(l.minMailboxesSearched);
    if (i === 0) first = seen;
  });

  it(`${c.action} moves exactly the targets, is idempotent, and undo restores every mailbox`, async () => {
    const seen = first ?? (await runLookup(s, c.lookups[0]!));
    const o = await runAction(s, c, seen);
    expect(o.outcomes.every((x) => x === 'done')).toBe(true);
    expect(o.after).toEqual(o.expectedAfter);
    expect(o.after).not.toEqual(o.before);
    // A second run finds every item already where the action put it (or gone, after a hard delete).
    expect(o.again.every((x) => x === (c.action === 'hard-delete' ? 'already-gone' : 'done'))).toBe(true);
    if (o.afterUndo) {
      expect(o.undoOutcomes!.every((x) => x === 'done')).toBe(true);
      expect(o.afterUndo).toEqual(o.before);
    }
  });
});
