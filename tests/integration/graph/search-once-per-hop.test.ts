/**
 * Each mailbox is searched once per hop, however many targets it holds: the reply-all scenario
 * puts the original and the reply-all in the same mailboxes, and a depth-2 lookup still reads
 * each mailbox's Sent Items once per hop.
 */
import { lookup } from '../../../src/graph';
import { startScenario, type Scenario } from './scenario-harness';

// The machine is shared: give each step room beyond jest's 5 s default (the integration project's own timeout is not applied per project).
jest.setTimeout(60_000);

let s: Scenario;
beforeAll(async () => {
  s = await startScenario('reply-all');
});
afterAll(async () => {
  await s?.close();
});

it('reads each mailbox once per hop', async () => {
  const spy = jest.spyOn(s.graph, 'sentItemsInConversations');
  const result = await lookup(
    s.graph,
    { internetMessageId: '<offsite-1@contoso.com>', depth: 2, sender: 'adele@contoso.com', recipients: ['megan@contoso.com', 'alex@contoso.com'] },
    { managedDomains: s.managedDomains },
  );
  expect(result.targets).toHaveLength(7);
  // One call per hop, each naming a mailbox once.
  expect(spy).toHaveBeenCalledTimes(2);
  for (const [requests] of spy.mock.calls) {
    const ids = requests.map((r) => r.userId);
    expect(new Set(ids).size).toBe(ids.length);
  }
  // Hop 2 reads alex and megan (holding depth-1 targets) and adele (ra1 in her Inbox).
  expect(spy.mock.calls[1]![0]).toHaveLength(3);
});
