/**
 * Exchange limits message trace to 100 queries in 5 minutes per tenant and then asks for minutes
 * of patience. A lookup must not sit out that wait (it goes on without the trace: the item's
 * recipients, the copies found, or the sweep), and a trace search must tell its caller when to
 * come back instead of hanging. Real API host, Azurite and the simulated tenant.
 */
import { startStack, type Stack } from './stack';

let stack: Stack;
let admin: string;
let phishId: string;

interface SimMessage { ref: string | null; internetMessageId: string }

beforeAll(async () => {
  stack = await startStack();
  admin = await stack.appToken('retract-cli');
  const res = await fetch(`${stack.sim.origin}/_sim/mailboxes/megan%40contoso.com/messages`);
  phishId = ((await res.json()) as SimMessage[]).find((m) => m.ref === 'phish')!.internetMessageId;
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

const targetsOf = (body: { targets: Array<{ mailbox: string; messageId: string }> }): string[] => body.targets.map((t) => `${t.mailbox} ${t.messageId}`).sort();

it('keeps answering lookups in seconds once the tenant has spent its message-trace queries, and finds the same copies', async () => {
  const before = await stack.call('POST', 'lookups', { token: admin, body: { internetMessageId: phishId, depth: 1 } });
  expect(before.status).toBe(200);
  expect(before.body.targets.length).toBeGreaterThan(3);

  // A message the trace does not know costs nine queries (90 days in 10-day windows): twelve of
  // them spend the tenant's 100, and the simulator then answers 429 with a wait of minutes.
  const times: number[] = [];
  for (let i = 0; i < 13; i++) {
    const started = Date.now();
    const r = await stack.call('POST', 'lookups', { token: admin, body: { internetMessageId: `<not-here-${i}@fabrikam.example>`, depth: 1 } });
    times.push(Date.now() - started);
    expect(r.status).toBe(200);
    expect(r.body.targets).toEqual([]);
  }
  expect(Math.max(...times)).toBeLessThan(15_000);

  const trace = await stack.call('GET', `trace?internetMessageId=${encodeURIComponent(phishId)}`, { token: admin });
  expect(trace.status).toBe(503);
  expect(trace.headers.get('content-type')).toMatch(/application\/problem\+json/);
  expect(trace.body.detail).toMatch(/throttling Retract while searching the message trace\. Try again in \d+ minutes\./);
  const retryAfter = Number(trace.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(60);
  expect(retryAfter).toBeLessThanOrEqual(300);

  // Without the trace the lookup still finds every copy: the sweep of the managed domains.
  const started = Date.now();
  const after = await stack.call('POST', 'lookups', { token: admin, body: { internetMessageId: phishId, depth: 1 } });
  expect(Date.now() - started).toBeLessThan(15_000);
  expect(after.status).toBe(200);
  expect(targetsOf(after.body)).toEqual(targetsOf(before.body));

  // Even when the item names only an address that reaches no mailbox: the trace would have named
  // the real recipients, so without it the lookup sweeps rather than trusting the item alone.
  const named = await stack.call('POST', 'lookups', { token: admin, body: { internetMessageId: phishId, depth: 1, recipients: ['\uff41dele@contoso.com'] } });
  expect(named.status).toBe(200);
  expect(targetsOf(named.body)).toEqual(targetsOf(before.body));
}, 120_000);
