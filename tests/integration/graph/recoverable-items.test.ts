/**
 * A copy the user already deleted (it sits in Recoverable Items, where the user can still
 * recover it) is a copy too: the lookup finds it there, and a hard delete purges it.
 */
import { act, lookup } from '../../../src/graph';
import { startScenario, type Scenario } from './scenario-harness';

// The machine is shared: give each step room beyond jest's 5 s default (the integration project's own timeout is not applied per project).
jest.setTimeout(60_000);

let s: Scenario;
beforeAll(async () => {
  s = await startScenario('nested-group-cycle');
});
afterAll(async () => {
  await s?.close();
});

it('finds a copy in Recoverable Items and purges it with the others', async () => {
  const lee = (await s.messages('lee@contoso.com')).find((m) => m.ref === 'phish')!;
  // Lee deletes it and empties Deleted Items: Graph's DELETE puts it in Recoverable Items.
  const [userId] = [...(await s.graph.userIds(['lee@contoso.com'])).values()];
  expect(userId?.ok).toBe(true);
  const [deleted] = await s.graph.deleteMessages([{ userId: userId!.ok ? userId!.value : '', messageId: lee.id }], 'delete');
  expect(deleted?.ok).toBe(true);
  expect((await s.messages('lee@contoso.com')).find((m) => m.ref === 'phish')?.folder).toBe('recoverableitemsdeletions');

  const result = await lookup(s.graph, { internetMessageId: '<grp-1@evil.example>', depth: 0, recipients: ['team@contoso.com'] }, { managedDomains: s.managedDomains });
  expect(result.targets.map((t) => `${t.mailbox} ${t.folder}`).sort()).toEqual(['alex@contoso.com inbox', 'lee@contoso.com recoverableitemsdeletions']);

  const outcomes = await act(
    s.graph,
    result.targets.map((t) => ({ mailbox: t.mailbox, messageId: t.messageId, internetMessageId: t.internetMessageId })),
    'hard-delete',
  );
  expect(outcomes.map((o) => o.outcome)).toEqual(['done', 'done']);
  expect(outcomes.map((o) => o.fromFolder).sort()).toEqual(['inbox', 'recoverableitemsdeletions']);
  for (const a of ['alex@contoso.com', 'lee@contoso.com']) {
    expect((await s.messages(a)).find((m) => m.ref === 'phish')?.folder).toBe('recoverableitemspurges');
  }
});
