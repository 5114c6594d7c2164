/**
 * Every route × every role over HTTPS: allowed, 401 without a token, 403 without the role, and
 * the audit showing the refusals (section Access).
 */
import { runWorker, type RunningWorker } from '../../../src/dev/worker';
import { startStack, type Stack } from './stack';

let stack: Stack;
let worker: RunningWorker;
const t: Record<'adminApp' | 'auditorApp' | 'adminUser' | 'auditorUser' | 'plainUser', string> = {} as never;
let phishId: string;
let enc1Id: string;

async function simMessages(address: string): Promise<Array<{ ref: string | null; internetMessageId: string; folder: string }>> {
  const res = await fetch(`${stack.sim.origin}/_sim/mailboxes/${encodeURIComponent(address)}/messages`);
  return (await res.json()) as Array<{ ref: string | null; internetMessageId: string; folder: string }>;
}

async function waitForJob(jobId: string, token: string): Promise<{ status: string; counts: Record<string, number> }> {
  for (let i = 0; i < 200; i++) {
    const r = await stack.call('GET', `jobs/${jobId}`, { token });
    if (!['queued', 'running'].includes(r.body.status)) return r.body;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('job did not end');
}

beforeAll(async () => {
  stack = await startStack();
  worker = runWorker({ services: stack.api.services, idlePollMs: 50 });
  [t.adminApp, t.auditorApp, t.adminUser, t.auditorUser, t.plainUser] = await Promise.all([
    stack.appToken('retract-cli'),
    stack.appToken('soc-reader'),
    stack.userToken('alex@contoso.com'),
    stack.userToken('isaiah@contoso.com'),
    stack.userToken('lidia@contoso.com'),
  ]);
  phishId = (await simMessages('megan@contoso.com')).find((m) => m.ref === 'phish')!.internetMessageId;
  enc1Id = (await simMessages('lidia@contoso.com')).find((m) => m.ref === 'enc1')!.internetMessageId;
}, 60000);

afterAll(async () => {
  await worker?.stop();
  await stack?.close();
});

type Who = keyof typeof t;
const ADMIN_ONLY: Who[] = ['adminApp', 'adminUser'];
const READERS: Who[] = ['adminApp', 'adminUser', 'auditorApp', 'auditorUser'];
const EVERYONE: Who[] = ['adminApp', 'adminUser', 'auditorApp', 'auditorUser', 'plainUser'];

it('serves health and openapi without a token', async () => {
  expect((await stack.call('GET', 'health')).status).toBe(200);
  const doc = await stack.call('GET', 'openapi.json');
  expect(doc.status).toBe(200);
  expect(Object.keys(doc.body.paths)).toEqual(
    expect.arrayContaining(['/lookups', '/jobs', '/jobs/{jobId}', '/jobs/{jobId}/undo', '/jobs/{jobId}/cancel', '/ome', '/ome/revoke', '/trace', '/audit', '/audit/verify', '/setup', '/settings/domains', '/me']),
  );
  // Generated from the contracts' schemas: the lookup body names its fields.
  expect(doc.body.paths['/lookups'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('internetMessageId');
});

it('applies the role table of CONTRACTS §6 to every route', async () => {
  const lookup = await stack.call('POST', 'lookups', { token: t.adminApp, body: { internetMessageId: phishId, depth: 1 } });
  expect(lookup.status).toBe(200);
  expect(lookup.body.targets.length).toBeGreaterThan(0);
  const lookupId: string = lookup.body.lookupId;

  const job = await stack.call('POST', 'jobs', { token: t.adminUser, body: { lookupId, action: 'move-to-junk' } });
  expect(job.status).toBe(202);
  const jobId: string = job.body.jobId;
  const ended = await waitForJob(jobId, t.adminApp);
  expect(ended.status).toBe('completed');

  interface Case {
    name: string;
    method: string;
    route: string;
    body?: unknown;
    allowed: Who[];
    ok: number;
  }
  const cases: Case[] = [
    { name: 'me', method: 'GET', route: 'me', allowed: EVERYONE, ok: 200 },
    { name: 'lookups-create', method: 'POST', route: 'lookups', body: { internetMessageId: phishId, depth: 0 }, allowed: ADMIN_ONLY, ok: 200 },
    { name: 'jobs-list', method: 'GET', route: 'jobs', allowed: READERS, ok: 200 },
    { name: 'jobs-get', method: 'GET', route: `jobs/${jobId}`, allowed: READERS, ok: 200 },
    { name: 'trace', method: 'GET', route: `trace?sender=${encodeURIComponent('lidia@contoso.com')}`, allowed: READERS, ok: 200 },
    { name: 'audit-search', method: 'GET', route: 'audit?section=Retract', allowed: READERS, ok: 200 },
    { name: 'audit-verify', method: 'GET', route: 'audit/verify', allowed: READERS, ok: 200 },
    { name: 'setup', method: 'GET', route: 'setup', allowed: ADMIN_ONLY, ok: 200 },
    { name: 'settings-domains', method: 'PUT', route: 'settings/domains', body: { domains: ['contoso.com', 'contoso-legacy.com'] }, allowed: ADMIN_ONLY, ok: 200 },
    // The sender rule: lidia sent enc1 to one recipient; the auditor (isaiah) did not send it.
    { name: 'ome-status', method: 'GET', route: `ome?internetMessageId=${encodeURIComponent(enc1Id)}`, allowed: ['adminApp', 'adminUser', 'plainUser'], ok: 200 },
  ];
  for (const c of cases) {
    const anonymous = await stack.call(c.method, c.route, { body: c.body });
    expect({ route: c.name, status: anonymous.status }).toEqual({ route: c.name, status: 401 });
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
    for (const who of EVERYONE) {
      const res = await stack.call(c.method, c.route, { token: t[who], body: c.body });
      const expected = c.allowed.includes(who) ? c.ok : 403;
      expect({ route: c.name, who, status: res.status }).toEqual({ route: c.name, who, status: expected });
    }
  }

  // Writes, each by its last allowed caller, after every refused one. The worker stops before
  // the job that is then cancelled, so that it is still queued when the cancel arrives.
  const undo = await stack.call('POST', `jobs/${jobId}/undo`, { token: t.adminApp });
  expect(undo.status).toBe(202);
  expect((await waitForJob(undo.body.jobId, t.adminApp)).status).toBe('completed');
  await worker.stop();
  const writes: Array<Omit<Case, 'allowed' | 'ok'> & { ok: number }> = [
    // Allowed, and answered: that job was undone already.
    { name: 'jobs-undo', method: 'POST', route: `jobs/${jobId}/undo`, ok: 409 },
    { name: 'jobs-create', method: 'POST', route: 'jobs', body: { lookupId, action: 'soft-delete' }, ok: 202 },
    { name: 'jobs-cancel', method: 'POST', route: 'jobs/JOBID/cancel', ok: 202 },
    { name: 'ome-revoke', method: 'POST', route: 'ome/revoke', body: { internetMessageId: enc1Id }, ok: 200 },
  ];
  let lastJob = '';
  for (const w of writes) {
    const route = w.route.replace('JOBID', lastJob);
    expect((await stack.call(w.method, route, { body: w.body })).status).toBe(401);
    const refused: Who[] = w.name === 'ome-revoke' ? ['auditorApp', 'auditorUser'] : ['auditorApp', 'auditorUser', 'plainUser'];
    for (const who of refused) {
      const res = await stack.call(w.method, route, { token: t[who], body: w.body });
      expect({ route: w.name, who, status: res.status }).toEqual({ route: w.name, who, status: 403 });
    }
    const okRes = await stack.call(w.method, route, { token: w.name === 'ome-revoke' ? t.plainUser : t.adminApp, body: w.body });
    expect({ route: w.name, status: okRes.status }).toEqual({ route: w.name, status: w.ok });
    if (okRes.body?.jobId) lastJob = okRes.body.jobId;
  }

  // The refusals are in the audit: one 403 record per caller and route, 401s folded per source.
  const access = await stack.call('GET', 'audit?section=Access&limit=500', { token: t.auditorApp });
  expect(access.status).toBe(200);
  const records: Array<{ outcome: string; options: { route: string }; actor: { oid?: string }; count?: number }> = access.body.records;
  for (const c of cases) {
    const refusedBy = EVERYONE.filter((w) => !c.allowed.includes(w));
    const forbidden = records.filter((r) => r.outcome === '403' && r.options.route === c.name);
    expect({ route: c.name, n: forbidden.length }).toEqual({ route: c.name, n: refusedBy.length });
  }
  const unauthenticated = records.filter((r) => r.outcome === '401');
  expect(unauthenticated.length).toBeGreaterThanOrEqual(1);
  // 14 requests without a token in this test: folded into one record per minute, counted.
  expect(unauthenticated.reduce((n, r) => n + (r.count ?? 1), 0)).toBe(cases.length + writes.length);
  expect(unauthenticated.length).toBeLessThanOrEqual(2);

  const verify = await stack.call('GET', 'audit/verify', { token: t.adminUser });
  expect(verify.body.ok).toBe(true);
});

it('answers a message trace search through the Exchange admin API', async () => {
  const trace = await stack.call('GET', `trace?sender=${encodeURIComponent('lidia@contoso.com')}`, { token: t.auditorApp });
  expect(trace.status).toBe(200);
  const row = trace.body.rows.find((r: { internetMessageId: string }) => r.internetMessageId === enc1Id);
  expect(row).toMatchObject({ senderAddress: 'lidia@contoso.com', recipientAddress: 'pat.kim@gmail.com' });
  const bad = await stack.call('GET', 'trace?since=yesterday', { token: t.auditorApp });
  expect(bad.status).toBe(400);
  expect(bad.body.errors[0].field).toBe('since');
});
