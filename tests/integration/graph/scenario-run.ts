/** Runs one scenario case against a started simulator and returns what a user would see. */
import { destinationFolder, isUndoable, type LookupResult } from '../../../src/core';
import { act, lookup, undo } from '../../../src/graph';
import type { Scenario } from './scenario-harness';
import type { LookupCase, ScenarioCase } from './scenario-cases';

export interface Seen {
  targets: string[];
  skipped: string[];
  ambiguous: string[];
  result: LookupResult;
}

export async function runLookup(s: Scenario, c: LookupCase): Promise<Seen> {
  const env = {
    managedDomains: s.managedDomains,
    ...(c.withTrace ? { trace: { recipientsOf: (id: string) => s.exchange.traceRecipients(id) } } : {}),
  };
  const result = await lookup(s.graph, c.input, env);
  const refs = new Map<string, string>();
  for (const a of s.mailboxes) for (const m of await s.messages(a)) refs.set(`${a} ${m.id}`, m.ref ?? m.internetMessageId);
  const ref = (mailbox: string, id: string) => refs.get(`${mailbox} ${id}`) ?? `?${id}`;
  return {
    targets: result.targets.map((t) => `${t.mailbox} ${ref(t.mailbox, t.messageId)} ${t.folder} ${t.depth}`).sort(),
    skipped: result.skipped.map((x) => `${x.address} ${x.reason}`).sort(),
    ambiguous: result.ambiguous.map((a) => `${a.mailbox} ${ref(a.mailbox, a.messageId)}`).sort(),
    result,
  };
}

export interface ActOutcome {
  before: string[];
  expectedAfter: string[];
  after: string[];
  outcomes: string[];
  afterUndo?: string[];
  undoOutcomes?: string[];
  again: string[];
}

/** Acts on the lookup's targets, checks every mailbox, acts again (idempotent), then undoes. */
export async function runAction(s: Scenario, c: ScenarioCase, seen: Seen): Promise<ActOutcome> {
  const before = await s.state();
  const dest = destinationFolder(c.action);
  const targetKeys = new Set(seen.result.targets.map((t) => t.messageId));
  const rows = new Map<string, string>();
  for (const a of s.mailboxes) for (const m of await s.messages(a)) rows.set(`${a} ${m.ref ?? m.internetMessageId} ${m.folder}`, targetKeys.has(m.id) ? `${a} ${m.ref ?? m.internetMessageId} ${dest}` : `${a} ${m.ref ?? m.internetMessageId} ${m.folder}`);
  const expectedAfter = [...rows.values()].sort();

  const items = seen.result.targets.map((t) => ({ mailbox: t.mailbox, messageId: t.messageId, internetMessageId: t.internetMessageId }));
  const results = await act(s.graph, items, c.action);
  const after = await s.state();
  const again = (await act(s.graph, items, c.action)).map((r) => r.outcome);
  const out: ActOutcome = { before, expectedAfter, after, outcomes: results.map((r) => r.outcome), again };
  if (isUndoable(c.action)) {
    const undone = await undo(
      s.graph,
      results.map((r, i) => ({ ...items[i]!, messageId: r.newMessageId ?? r.messageId, restoreTo: r.fromFolder ?? 'inbox' })),
    );
    out.undoOutcomes = undone.map((r) => r.outcome);
    out.afterUndo = await s.state();
  }
  return out;
}
