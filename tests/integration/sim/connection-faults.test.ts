/**
 * What a network does to Graph requests, as PUT /_sim/faults can make the simulated tenant do it:
 * 429 among the error rates (Graph's own throttling answer), and the connection faults — a reset
 * before anything is done, a request never answered, and a request done whose answer never
 * comes. Each is marked in /_sim/requests, and each time the faults are set the next request to
 * each service surely meets reset and hang, and the next change its lost answer.
 */
import { copyOf, requestsSince, setFaults, startGraphHarness, type GraphHarness } from './graph-harness';

let h: GraphHarness;

beforeAll(async () => {
  h = await startGraphHarness();
});
afterAll(async () => {
  await h.close();
});
afterEach(async () => {
  await setFaults(h, {});
});


/** A Graph call with a client time limit: its answer, or how it failed. */
async function call(method: string, path: string, body?: unknown, limitMs = 1500): Promise<{ status: number; json: unknown } | { failed: string }> {
  try {
    const res = await fetch(`${h.sim.origin}/v1.0${path}`, {
      method,
      headers: { authorization: `Bearer ${await h.token()}`, 'content-type': 'application/json', prefer: 'IdType="ImmutableId"' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(limitMs),
    });
    return { status: res.status, json: await res.json() };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    return { failed: err.name === 'TimeoutError' ? 'timeout' : (err.cause?.code ?? err.name) };
  }
}

async function folderOf(mailbox: string, id: string): Promise<string | undefined> {
  const r = await h.raw('GET', `/_sim/mailboxes/${encodeURIComponent(mailbox)}/messages`, { token: null });
  return (r.json as Array<{ id: string; folder: string }>).find((m) => m.id === id)?.folder;
}

it('answers a share of requests and $batch items 429 TooManyRequests with Retry-After, as Graph throttles', async () => {
  await setFaults(h, { errorRate: { '429': 1 } });
  const one = (await call('GET', '/users/adele@contoso.com/messages?$top=1')) as { status: number; json: { error: { code: string } } };
  expect(one.status).toBe(429);
  expect(one.json.error.code).toBe('TooManyRequests');
  const batch = (await call('POST', '/$batch', { requests: [{ id: '1', method: 'GET', url: '/users/adele@contoso.com/messages?$top=1' }] })) as {
    status: number;
    json: { responses: Array<{ status: number; headers: Record<string, string> }> };
  };
  expect(batch.status).toBe(200);
  expect(batch.json.responses[0]).toMatchObject({ status: 429, headers: { 'Retry-After': '1' } });
});

it('resets the next request after the faults are set before doing anything, and marks it', async () => {
  const c = await copyOf(h, 'henrietta@contoso.com', 'phish');
  const from = (await requestsSince(h, 0)).next;
  await setFaults(h, { connection: { reset: 0.01 } });
  const cut = await call('POST', `/users/henrietta@contoso.com/messages/${c.id}/move`, { destinationId: 'junkemail' });
  expect(cut).toEqual({ failed: expect.stringMatching(/ECONNRESET|UND_ERR_SOCKET|SocketError/) });
  expect(await folderOf('henrietta@contoso.com', c.id)).toBe(c.folder);
  const log = (await requestsSince(h, from)).requests.filter((r) => r.path.startsWith('/v1.0'));
  expect(log[0]).toMatchObject({ method: 'POST', status: 0, fault: 'reset' });
});

it('leaves the next request after the faults are set unanswered and undone until the client gives up', async () => {
  const c = await copyOf(h, 'henrietta@contoso.com', 'phish');
  const from = (await requestsSince(h, 0)).next;
  await setFaults(h, { connection: { hang: 0.01 } });
  const started = Date.now();
  const held = await call('POST', `/users/henrietta@contoso.com/messages/${c.id}/move`, { destinationId: 'junkemail' }, 1000);
  expect(held).toEqual({ failed: 'timeout' });
  expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  expect(await folderOf('henrietta@contoso.com', c.id)).toBe(c.folder);
  const log = (await requestsSince(h, from)).requests.filter((r) => r.path.startsWith('/v1.0'));
  expect(log[0]).toMatchObject({ method: 'POST', status: 0, fault: 'hang' });
});

it('does the next change after the faults are set and never sends its answer (reads pass until then)', async () => {
  const c = await copyOf(h, 'henrietta@contoso.com', 'phish');
  const from = (await requestsSince(h, 0)).next;
  // A tiny rate: the read before the change is almost surely answered; the change surely is not.
  await setFaults(h, { connection: { lostAnswer: 0.0001 } });
  const read = (await call('GET', `/users/henrietta@contoso.com/messages/${c.id}?$select=id`)) as { status: number };
  expect(read.status).toBe(200);
  const lost = await call('POST', '/$batch', { requests: [{ id: '1', method: 'POST', url: `/users/henrietta@contoso.com/messages/${c.id}/move`, body: { destinationId: 'junkemail' }, headers: { 'content-type': 'application/json' } }] });
  expect(lost).toEqual({ failed: 'timeout' });
  // The move was made.
  expect(await folderOf('henrietta@contoso.com', c.id)).toBe('junkemail');
  const log = (await requestsSince(h, from)).requests;
  const envelope = log.find((r) => r.path === '/v1.0/$batch')!;
  expect(envelope).toMatchObject({ status: 200, fault: 'lost-answer' });
  expect(log.find((r) => r.path.endsWith('/move'))).toMatchObject({ method: 'POST', status: 201 });
  expect(log.filter((r) => r.fault).length).toBe(1);
  // Put it back for the other tests.
  const back = (await call('POST', `/users/henrietta@contoso.com/messages/${c.id}/move`, { destinationId: c.folder })) as { status: number };
  expect(back.status).toBe(201);
});

it('refuses connection rates outside 0–1 and unknown connection faults, changing nothing', async () => {
  for (const body of [{ connection: { reset: 2 } }, { connection: { drop: 0.1 } }, { errorRate: { '418': 0.5 } }]) {
    const r = await h.raw('PUT', '/_sim/faults', { token: null, body });
    expect({ body, status: r.status }).toEqual({ body, status: 400 });
  }
  const now = (await h.raw('GET', '/_sim/faults', { token: null })).json as { connection: unknown };
  expect(now.connection).toEqual({ reset: 0, hang: 0, lostAnswer: 0 });
});

it("cuts connections to Entra ID's token endpoint too, and never the simulator's own /_sim", async () => {
  const from = (await requestsSince(h, 0)).next;
  await setFaults(h, { connection: { reset: 0.01 } });
  // /_sim is not a service under test: it is never cut, and the reset stays armed.
  expect((await h.raw('GET', '/_sim/health', { token: null })).status).toBe(200);
  const app = h.fixture.apps.find((a) => a.name === 'retract-api')!;
  const tokenRequest = fetch(`${h.sim.origin}/${h.sim.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.secret!, scope: 'https://graph.microsoft.com/.default' }),
  });
  await expect(tokenRequest).rejects.toThrow();
  const log = (await requestsSince(h, from)).requests.filter((r) => r.fault);
  expect(log).toEqual([expect.objectContaining({ method: 'POST', path: `/${h.sim.tenantId}/oauth2/v2.0/token`, status: 0, fault: 'reset' })]);
});
