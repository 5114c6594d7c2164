/**
 * act() on a cold process, as a worker runs it, against the simulated tenant: what a first
 * delivery costs (one re-read per item, one move per item, and — unless the caller says no
 * earlier attempt can have acted — one folder read per mailbox), and a redelivered work item,
 * run by a new process after its first worker moved everything, moves nothing again and
 * counts every item done.
 */
import { ensureDevCerts } from '../../../src/dev/certs';
import { parseTenantFixture } from '../../../src/sim/fixture';
import { startSimServer, type SimServer } from '../../../src/sim/server';
import { act, createGraphGateway } from '../../../src/graph';

jest.setTimeout(60_000);

const N = 60;
const TENANT = '6b1d2c3e-4f50-4a61-8b72-93a4b5c6d7ea';
const API = '7c2e3d4f-5a61-4b72-8c83-a4b5c6d7e8fb';
const uid = (i: number) => `c1000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

let sim: SimServer;
const coldGateway = () => createGraphGateway({ graphBase: `${sim.origin}/v1.0`, authorityHost: sim.origin, tenantId: TENANT, clientId: API, clientSecret: 'redeliver-s3cret' });

type Row = { method: string; path: string; status: number };
async function log(since: number): Promise<{ rows: Row[]; next: number }> {
  const body = (await (await fetch(`${sim.origin}/_sim/requests?since=${since}`)).json()) as { requests: Row[]; next: number };
  return { rows: body.requests.filter((r) => r.path.startsWith('/v1.0/') && r.path !== '/v1.0/$batch'), next: body.next };
}
const kinds = (rows: Row[]) => ({
  folderReads: rows.filter((r) => r.method === 'GET' && /\/mailFolders\/[^/]+$/.test(r.path)).length,
  reads: rows.filter((r) => r.method === 'GET' && /\/messages\/[^/]+$/.test(r.path)).length,
  moves: rows.filter((r) => r.method === 'POST' && r.path.endsWith('/move') && r.status < 300).length,
});

beforeAll(async () => {
  const certs = ensureDevCerts();
  const users = Array.from({ length: N }, (_, i) => ({ id: uid(i + 1), displayName: `User ${i + 1}`, userPrincipalName: `user${i + 1}@contoso.com`, mail: `user${i + 1}@contoso.com` }));
  const fixture = parseTenantFixture({
    tenant: { id: TENANT, displayName: 'Contoso', initialDomain: 'contoso.onmicrosoft.com' },
    domains: [{ id: 'contoso.com', isVerified: true, isDefault: true }],
    users,
    groups: [{ id: 'd1000000-0000-4000-8000-000000000001', displayName: 'Everyone', mail: 'everyone@contoso.com', members: users.map((u) => u.id) }],
    apps: [{ name: 'retract-api', clientId: API, secret: 'redeliver-s3cret', applicationPermissions: ['Mail.ReadWrite', 'User.Read.All', 'GroupMember.Read.All', 'Domain.Read.All'], adminConsent: true }],
    mail: [
      { op: 'deliver', ref: 'first', from: 'hr@evil.example', to: ['everyone@contoso.com'], subject: 'Benefits', internetMessageId: '<redeliver-1@evil.example>' },
      { op: 'deliver', ref: 'second', from: 'hr@evil.example', to: ['everyone@contoso.com'], subject: 'Benefits again', internetMessageId: '<redeliver-2@evil.example>' },
    ],
  });
  sim = await startSimServer({ fixture, cert: certs.cert, key: certs.key, port: 0 });
});
afterAll(async () => {
  await sim?.close();
});

async function itemsOf(internetMessageId: string): Promise<Array<{ mailbox: string; messageId: string; internetMessageId: string }>> {
  return Promise.all(
    Array.from({ length: N }, async (_, i) => {
      const mailbox = `user${i + 1}@contoso.com`;
      const rows = (await (await fetch(`${sim.origin}/_sim/mailboxes/${encodeURIComponent(mailbox)}/messages`)).json()) as Array<{ id: string; internetMessageId: string }>;
      return { mailbox, messageId: rows.find((m) => m.internetMessageId === internetMessageId)!.id, internetMessageId };
    }),
  );
}

it('a redelivered work item, run by a new process after the first moved everything, moves nothing again', async () => {
  const items = await itemsOf('<redeliver-1@evil.example>');
  const start = (await log(0)).next;
  const first = await act(coldGateway(), items, 'soft-delete');
  expect(first.every((r) => r.outcome === 'done')).toBe(true);
  const afterFirst = await log(start);
  // One folder read per mailbox (read with the re-reads), one re-read and one move per item.
  expect(kinds(afterFirst.rows)).toEqual({ folderReads: N, reads: N, moves: N });

  const again = await act(coldGateway(), items, 'soft-delete');
  expect(again.map((r) => r.outcome)).toEqual(Array(N).fill('done'));
  expect(kinds((await log(afterFirst.next)).rows)).toEqual({ folderReads: N, reads: N, moves: 0 });
});

it('a first attempt reads no folder: one re-read and one move per item', async () => {
  const items = await itemsOf('<redeliver-2@evil.example>');
  const start = (await log(0)).next;
  const results = await act(coldGateway(), items, 'move-to-deleted-items', { firstAttempt: true });
  expect(results.every((r) => r.outcome === 'done')).toBe(true);
  expect(kinds((await log(start)).rows)).toEqual({ folderReads: 0, reads: N, moves: N });
});
