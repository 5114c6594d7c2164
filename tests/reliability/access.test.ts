/**
 * Access beyond the API's own token tests: a token issued by a second simulated tenant (its own
 * keys, its own tenant id) for the same API, a user's Graph token replayed to the API, and a
 * user removed from the Admin role after starting a job: the job runs to the end, and the undo
 * is refused whether asked with a token minted after the change or with the one he held before
 * it (still unexpired): the API re-reads his app role assignments in the directory.
 */
import { randomUUID } from 'node:crypto';
import { ensureDevCerts } from '../../src/dev/certs';
import { runWorker, type RunningWorker } from '../../src/dev/worker';
import { loadTenantFixture, parseTenantFixture } from '../../src/sim/fixture';
import { startSimServer, type SimServer } from '../../src/sim/server';
import { DEMO_FIXTURE, startStack, type Stack } from '../integration/api/stack';
import { report, waitForJobEnd } from './harness';

let stack: Stack;
let other: SimServer;
let worker: RunningWorker;

beforeAll(async () => {
  stack = await startStack(); // RETRACT_ROLE_CHECK defaults to directory
  worker = runWorker({ services: stack.api.services, idlePollMs: 100 });
  // Another tenant: the demo fixture under a new tenant id (so the same app ids and identifier URI).
  const demo = loadTenantFixture(DEMO_FIXTURE);
  const certs = ensureDevCerts();
  other = await startSimServer({ fixture: parseTenantFixture({ ...demo, tenant: { ...demo.tenant, id: randomUUID(), displayName: 'Fabrikam' } }), cert: certs.cert, key: certs.key, port: 0 });
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await other?.close();
  await stack?.close();
});

async function tokenFrom(origin: string, tenantId: string, form: Record<string, string>): Promise<string> {
  const res = await fetch(`${origin}/${tenantId}/oauth2/v2.0/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
  const body = (await res.json()) as { access_token?: string; error_description?: string };
  if (!body.access_token) throw new Error(`token request failed: ${res.status} ${body.error_description ?? ''}`);
  return body.access_token;
}

it('refuses a token that another tenant issued for the same API', async () => {
  const cli = stack.fixture.apps.find((a) => a.name === 'retract-cli')!;
  const foreign = await tokenFrom(other.origin, other.tenantId, { grant_type: 'client_credentials', client_id: cli.clientId, client_secret: cli.secret!, scope: `${stack.apiApp.identifierUri}/.default` });
  for (const route of ['me', 'jobs', 'audit/verify']) {
    const res = await stack.call('GET', route, { token: foreign });
    expect({ route, status: res.status }).toEqual({ route, status: 401 });
  }
  const lookup = await stack.call('POST', 'lookups', { token: foreign, body: { internetMessageId: '<x@evil.example>' } });
  expect(lookup.status).toBe(401);
});

it("refuses a user's Graph token replayed to the API", async () => {
  const user = stack.fixture.users.find((u) => u.userPrincipalName === 'alex@contoso.com')!;
  const graphToken = await tokenFrom(stack.sim.origin, stack.fixture.tenant.id, {
    grant_type: 'password',
    client_id: stack.apiApp.clientId,
    client_secret: stack.apiApp.secret,
    username: user.userPrincipalName,
    password: user.password!,
    scope: 'https://graph.microsoft.com/User.Read',
  });
  // The token is good at Graph...
  const me = await fetch(`${stack.sim.origin}/v1.0/me`, { headers: { authorization: `Bearer ${graphToken}` } });
  expect(me.status).toBe(200);
  // ...and worth nothing at the API.
  expect((await stack.call('GET', 'me', { token: graphToken })).status).toBe(401);
  expect((await stack.call('GET', 'jobs', { token: graphToken })).status).toBe(401);
});

it('lets a job started by an admin run to its end after the role is removed, and refuses a new job and the undo', async () => {
  const upn = 'alex@contoso.com';
  const adminToken = await stack.userToken(upn);
  const phish = ((await (await fetch(`${stack.sim.origin}/_sim/mailboxes/megan%40contoso.com/messages`)).json()) as Array<{ ref: string; internetMessageId: string }>).find((m) => m.ref === 'phish')!.internetMessageId;
  const lookup = await stack.call('POST', 'lookups', { token: adminToken, body: { internetMessageId: phish, depth: 0 } });
  expect(lookup.status).toBe(200);
  const accepted = await stack.call('POST', 'jobs', { token: adminToken, body: { lookupId: lookup.body.lookupId, action: 'move-to-junk' } });
  expect(accepted.status).toBe(202);

  // The directory changes: Alex is no longer an admin of Retract (the simulator's Entra issues
  // tokens from the fixture it was given, in this process).
  const simUser = stack.fixture.users.find((u) => u.userPrincipalName === upn)!;
  const rolesBefore = simUser.appRoles;
  (simUser as { appRoles?: string[] }).appRoles = [];
  try {
    const reader = await stack.appToken('soc-reader');
    const job = await waitForJobEnd(stack, accepted.body.jobId, reader, { timeoutMs: 60_000 });
    expect(job.status).toBe('completed');
    expect(job.counts.done).toBe(lookup.body.targets.length);

    // The token he got before the change still says Retract.Admin and has not expired...
    expect(JSON.parse(Buffer.from(adminToken.split('.')[1]!, 'base64url').toString()).roles).toContain('Retract.Admin');
    // ...and is refused all the same: the directory no longer assigns him the role.
    const oldUndo = await stack.call('POST', `jobs/${accepted.body.jobId}/undo`, { token: adminToken });
    expect(oldUndo.status).toBe(403);
    expect(oldUndo.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    // A new job with that old token is refused the same way, and the lookup it names stays unused.
    const oldJob = await stack.call('POST', 'jobs', { token: adminToken, body: { lookupId: lookup.body.lookupId, action: 'hard-delete' } });
    expect(oldJob.status).toBe(403);
    expect((await stack.call('GET', 'jobs', { token: reader })).body.jobs.filter((j: { action: string }) => j.action === 'hard-delete')).toEqual([]);
    const newToken = await stack.userToken(upn);
    const undo = await stack.call('POST', `jobs/${accepted.body.jobId}/undo`, { token: newToken });
    expect(undo.status).toBe(403);
    expect(undo.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    // Nothing was undone: the job has no undo and the copies stay in Junk.
    const after = await stack.call('GET', `jobs/${accepted.body.jobId}`, { token: reader });
    expect(after.body.undoneBy).toBeUndefined();
    const megan = (await (await fetch(`${stack.sim.origin}/_sim/mailboxes/megan%40contoso.com/messages`)).json()) as Array<{ internetMessageId: string; folder: string }>;
    expect(megan.find((m) => m.internetMessageId === phish)!.folder).toBe('junkemail');
    // The refusal is in the audit.
    const access = await stack.call('GET', 'audit?section=Access', { token: reader });
    const refusals = (access.body.records as Array<{ detail?: string; actor?: { upn?: string } }>).filter((r) => r.actor?.upn === upn && /directory/.test(r.detail ?? ''));
    expect(refusals.length).toBeGreaterThan(0);
  } finally {
    (simUser as { appRoles?: string[] }).appRoles = rolesBefore;
  }
  // With the role given back, the same old token may undo: the check reads the directory, it
  // does not refuse every undo.
  const undone = await stack.call('POST', `jobs/${accepted.body.jobId}/undo`, { token: adminToken });
  expect(undone.status).toBe(202);
  report(`access: foreign-tenant token 401 on 4 routes, Graph token replayed 401, role removed mid-job: job completed (${lookup.body.targets.length} targets), undo 403 with the token held before the change and with a fresh one, 202 once the role is back`);
});
