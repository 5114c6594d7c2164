/**
 * The engine on a tenant of a few hundred mailboxes: a phish sent to everyone is found in every
 * mailbox with a few HTTP requests per twenty mailboxes (batching), a sweep finds the same,
 * the job acts on all of them, and a cancelled lookup stops at once.
 */
import { ensureDevCerts } from '../../../src/dev/certs';
import { parseTenantFixture } from '../../../src/sim/fixture';
import { startSimServer, type SimServer } from '../../../src/sim/server';
import { act, createGraphGateway, lookup } from '../../../src/graph';

// The machine is shared: give each step room beyond jest's 5 s default (the integration project's own timeout is not applied per project).
jest.setTimeout(60_000);

const N = 200;
const TENANT = '6b1d2c3e-4f50-4a61-8b72-93a4b5c6d7e9';
const API = '7c2e3d4f-5a61-4b72-8c83-a4b5c6d7e8fa';
const uid = (i: number) => `c0000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

let sim: SimServer;
const gatewayFor = () =>
  createGraphGateway({ graphBase: `${sim.origin}/v1.0`, authorityHost: sim.origin, tenantId: TENANT, clientId: API, clientSecret: 'scale-s3cret', maxConcurrency: 16 });

beforeAll(async () => {
  const certs = ensureDevCerts();
  const users = Array.from({ length: N }, (_, i) => ({ id: uid(i + 1), displayName: `User ${i + 1}`, userPrincipalName: `user${i + 1}@contoso.com`, mail: `user${i + 1}@contoso.com` }));
  const fixture = parseTenantFixture({
    tenant: { id: TENANT, displayName: 'Contoso', initialDomain: 'contoso.onmicrosoft.com' },
    domains: [{ id: 'contoso.com', isVerified: true, isDefault: true }],
    users,
    groups: [{ id: 'd0000000-0000-4000-8000-000000000001', displayName: 'Everyone', mail: 'everyone@contoso.com', members: users.map((u) => u.id) }],
    apps: [
      {
        name: 'retract-api',
        clientId: API,
        secret: 'scale-s3cret',
        applicationPermissions: ['Mail.ReadWrite', 'User.Read.All', 'GroupMember.Read.All', 'Domain.Read.All'],
        adminConsent: true,
      },
    ],
    mail: [
      { op: 'deliver', ref: 'phish', from: 'hr@evil.example', to: ['everyone@contoso.com'], subject: 'Benefits enrolment', internetMessageId: '<scale-1@evil.example>' },
      { op: 'forward', ref: 'fwd', as: 'user7@contoso.com', of: 'phish', to: ['user8@contoso.com'] },
    ],
  });
  sim = await startSimServer({ fixture, cert: certs.cert, key: certs.key, port: 0, faults: { latencyMs: 2 } });
});
afterAll(async () => {
  await sim?.close();
});

it(`finds the copy in each of ${N} mailboxes at depth 1 with batched requests, and acts on all of them`, async () => {
  const gateway = gatewayFor();
  const result = await lookup(gateway, { internetMessageId: '<scale-1@evil.example>', depth: 1, recipients: ['everyone@contoso.com'] }, { managedDomains: ['contoso.com'] });
  expect(result.targets.filter((t) => t.depth === 0 && t.folder === 'inbox')).toHaveLength(N);
  expect(result.targets.filter((t) => t.depth === 1).map((t) => `${t.mailbox} ${t.folder}`).sort()).toEqual(['user7@contoso.com sentitems', 'user8@contoso.com inbox']);
  expect(result.skipped).toEqual([]);
  expect(result.stats.mailboxesSearched).toBe(N);
  // Per mailbox: the copy search, two folder ids, the conversation — packed twenty to a $batch.
  expect(result.stats.graphRequests).toBeLessThanOrEqual(Math.ceil((4 * N) / 20) + 20);

  const items = result.targets.map((t) => ({ mailbox: t.mailbox, messageId: t.messageId, internetMessageId: t.internetMessageId }));
  const outcomes = await act(gateway, items, 'soft-delete');
  expect(outcomes.filter((o) => o.outcome === 'done')).toHaveLength(N + 2);
  const res = await fetch(`${sim.origin}/_sim/mailboxes/user123@contoso.com/messages`);
  const rows = (await res.json()) as Array<{ ref: string; folder: string }>;
  expect(rows.map((r) => `${r.ref} ${r.folder}`)).toEqual(['phish recoverableitemsdeletions']);
}, 60_000);

it('resolves hundreds of named recipients from one directory listing, not two queries each', async () => {
  const gateway = gatewayFor();
  const recipients = Array.from({ length: N }, (_, i) => `USER${i + 1}@contoso.com`);
  const result = await lookup(gateway, { internetMessageId: '<scale-1@evil.example>', depth: 0, recipients }, { managedDomains: ['contoso.com'] });
  expect(result.targets).toHaveLength(N);
  expect(result.skipped).toEqual([]);
  // Directory: a few pages; mailboxes: the two searches and the Inbox id, twenty to a batch.
  expect(result.stats.graphRequests).toBeLessThanOrEqual(Math.ceil((3 * N) / 20) + 10);
}, 60_000);

it('stops a cancelled sweep at once and sends nothing more', async () => {
  await fetch(`${sim.origin}/_sim/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: 400 }) });
  const gateway = gatewayFor();
  const controller = new AbortController();
  const pending = lookup(gateway, { internetMessageId: '<scale-1@evil.example>', depth: 0 }, { managedDomains: ['contoso.com'], signal: controller.signal });
  await new Promise((r) => setTimeout(r, 1000));
  const abortedAt = Date.now();
  controller.abort();
  await expect(pending).rejects.toThrow();
  // The sweep had seconds of work left (each batch item holds 400 ms); the cancel ends it within a fraction of that.
  expect(Date.now() - abortedAt).toBeLessThan(500);
  await new Promise((r) => setTimeout(r, 1200));
  type Row = { path: string; startedAt: number };
  const graphLog = async () =>
    ((await (await fetch(`${sim.origin}/_sim/requests?since=0`)).json()) as { requests: Row[] }).requests.filter((r) => r.path.startsWith('/v1.0/'));
  const settled = await graphLog();
  // What was already on the wire may still be served (at most one wave: 16 batches of 20 and the
  // batches themselves); the cancelled sweep sends nothing after it.
  expect(settled.filter((r) => r.startedAt > abortedAt).length).toBeLessThanOrEqual(16 * 21);
  await new Promise((r) => setTimeout(r, 800));
  expect((await graphLog()).length).toBe(settled.length);
  await fetch(`${sim.origin}/_sim/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: 0 }) });
}, 30_000);
