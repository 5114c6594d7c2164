/**
 * A lookup is a person waiting, and Azure ends an HTTP request after 230 s without a word. The
 * engine sits out a Graph outage for minutes, which suits a job's worker but not a lookup: the
 * API stops a lookup at its time limit (RETRACT_LOOKUP_TIMEOUT_MS, 200 s unless set; 3 s here)
 * and answers 503 with Retry-After and a sentence, keeping no preview. Real API host, Azurite and
 * the simulated tenant with every Graph request answered 503.
 */
import { startStack, type Stack } from './stack';

let stack: Stack;
let admin: string;
let phishId: string;

const LIMIT_MS = 3000;

const setFaults = async (faults: unknown): Promise<void> => {
  const res = await fetch(`${stack.sim.origin}/_sim/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
  expect(res.status).toBe(200);
};

beforeAll(async () => {
  stack = await startStack({ env: { RETRACT_LOOKUP_TIMEOUT_MS: String(LIMIT_MS) } });
  admin = await stack.appToken('retract-cli');
  const res = await fetch(`${stack.sim.origin}/_sim/mailboxes/megan%40contoso.com/messages`);
  phishId = ((await res.json()) as Array<{ ref: string | null; internetMessageId: string }>).find((m) => m.ref === 'phish')!.internetMessageId;
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

it('answers 503 with Retry-After at the time limit while Graph is down, keeps no preview, and looks up again once Graph is back', async () => {
  const lookupsAudited = async (): Promise<number> => {
    const res = await stack.call('GET', `audit?internetMessageId=${encodeURIComponent(phishId)}&limit=500`, { token: admin });
    expect(res.status).toBe(200);
    return (res.body.records as Array<{ event: string }>).filter((r) => r.event === 'lookup').length;
  };
  const first = await stack.call('POST', 'lookups', { token: admin, body: { internetMessageId: phishId, depth: 1 } });
  expect(first.status).toBe(200);
  const auditedBefore = await lookupsAudited();
  expect(auditedBefore).toBe(1);
  await setFaults({ latencyMs: 0, errorRate: { '503': 1 } });
  const started = Date.now();
  let down: Awaited<ReturnType<Stack['call']>>;
  try {
    down = await stack.call('POST', 'lookups', { token: admin, body: { internetMessageId: phishId, depth: 1 } });
  } finally {
    await setFaults({ latencyMs: 0, errorRate: {} });
  }
  const took = Date.now() - started;
  expect(down.status).toBe(503);
  expect(down.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(down.headers.get('retry-after')).toBe('60');
  expect(down.body.detail).toBe(
    'The lookup did not finish within 3 seconds: Microsoft Graph is answering slowly or not at all just now. Nothing was changed and no preview was kept. Try again in a few minutes.',
  );
  // At the limit, not after the engine's minutes of patience (nor at once).
  expect(took).toBeGreaterThanOrEqual(LIMIT_MS - 100);
  expect(took).toBeLessThan(LIMIT_MS + 5000);
  // No lookup was recorded for it.
  expect(await lookupsAudited()).toBe(auditedBefore);

  const up = await stack.call('POST', 'lookups', { token: admin, body: { internetMessageId: phishId, depth: 1 } });
  expect(up.status).toBe(200);
  expect(up.body.targets).toEqual(first.body.targets);
  expect(await lookupsAudited()).toBe(auditedBefore + 1);
});
