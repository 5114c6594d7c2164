/**
 * Entra ID, Graph or Exchange taking a request and never answering. MSAL's own HTTP client puts
 * no time limit on token requests, so a token endpoint that went silent held every Graph and
 * Exchange call of the process for good. The API gives MSAL a client with a time limit (30 s, or
 * RETRACT_GRAPH_TIMEOUT_MS when shorter: 1.5 s here), and the Exchange gateway limits each of its
 * own requests; then each call tries again and gets through. Real API services (as the Functions
 * host builds them), the simulated tenant leaving the next request hanging (/_sim/faults).
 */
import { createServices } from '../../../src/api/services';
import { startStack, type Stack } from './stack';

let stack: Stack;
let phishId: string;
const LIMIT_MS = 1500;

interface Logged { seq: number; method: string; path: string; status: number; fault?: string }

const setFaults = async (faults: unknown): Promise<void> => {
  const res = await fetch(`${stack.sim.origin}/_sim/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
  expect(res.status).toBe(200);
};
const seqNow = async (): Promise<number> => ((await (await fetch(`${stack.sim.origin}/_sim/requests?since=0`)).json()) as { next: number }).next;
const logSince = async (seq: number): Promise<Logged[]> => ((await (await fetch(`${stack.sim.origin}/_sim/requests?since=${seq}`)).json()) as { requests: Logged[] }).requests;

beforeAll(async () => {
  stack = await startStack({ env: { RETRACT_GRAPH_TIMEOUT_MS: String(LIMIT_MS) } });
  const res = await fetch(`${stack.sim.origin}/_sim/mailboxes/megan%40contoso.com/messages`);
  phishId = ((await res.json()) as Array<{ ref: string | null; internetMessageId: string }>).find((m) => m.ref === 'phish')!.internetMessageId;
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

afterEach(async () => {
  await setFaults({});
});

it("gets Graph's answer though Entra ID leaves the first token request of a new process hanging", async () => {
  // A new set of services: a cold MSAL cache, so its first request goes to Entra ID.
  const services = createServices(stack.env);
  const from = await seqNow();
  await setFaults({ connection: { hang: 0.0001 } });
  const started = Date.now();
  const domains = await services.graph().listDomains();
  const took = Date.now() - started;
  expect(domains.map((d) => d.id)).toContain('contoso.com');
  // The first request to Entra ID and the first to Graph were each left hanging.
  const hung = (await logSince(from)).filter((r) => r.fault === 'hang').map((r) => (r.path.startsWith('/v1.0/') ? 'graph' : 'entra'));
  expect(hung.sort()).toEqual(['entra', 'graph']);
  // It waited out the time limit twice, not for good.
  expect(took).toBeGreaterThanOrEqual(2 * LIMIT_MS - 100);
  expect(took).toBeLessThan(2 * LIMIT_MS + 15_000);
});

it("gets Exchange's answer though its token request, and then one of its own requests, hang", async () => {
  const services = createServices({ ...stack.env, RETRACT_GRAPH_TIMEOUT_MS: String(LIMIT_MS) });
  const exchange = services.exchange();
  const from = await seqNow();
  await setFaults({ connection: { hang: 0.0001 } });
  const first = await exchange.traceRecipients(phishId);
  expect(first.recipients.length).toBeGreaterThan(1);
  // Its first request to Entra ID and its first InvokeCommand were each left hanging.
  const firstHangs = (await logSince(from)).filter((r) => r.fault === 'hang').map((r) => r.path);
  expect(firstHangs).toHaveLength(2);
  expect(firstHangs.some((p) => /oauth2|well-known|discovery/.test(p))).toBe(true);
  expect(firstHangs.some((p) => /\/adminapi\/.*\/InvokeCommand$/.test(p))).toBe(true);

  // With a token in hand, only an InvokeCommand request meets the next hang.
  const again = await seqNow();
  await setFaults({ connection: { hang: 0.0001 } });
  const started = Date.now();
  const second = await exchange.traceRecipients(phishId);
  expect(second.recipients.sort()).toEqual([...first.recipients].sort());
  const commandHang = (await logSince(again)).filter((r) => r.fault === 'hang');
  expect(commandHang).toHaveLength(1);
  expect(commandHang[0]!.path).toMatch(/\/adminapi\/.*\/InvokeCommand$/);
  expect(Date.now() - started).toBeLessThan(30_000);
});
