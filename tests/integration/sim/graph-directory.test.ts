/**
 * Graph v1.0 directory endpoints and authorization at the door, with the real graph client.
 */
import type { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { startGraphHarness, type GraphHarness } from './graph-harness';

let h: GraphHarness;
let client: Client;

beforeAll(async () => {
  h = await startGraphHarness();
  client = h.client();
});
afterAll(async () => {
  await h.close();
});

async function graphError(p: Promise<unknown>): Promise<GraphError> {
  try {
    await p;
  } catch (e) {
    return e as GraphError;
  }
  throw new Error('the call succeeded');
}

interface User {
  id: string;
  mail: string | null;
  userPrincipalName: string;
  proxyAddresses: string[];
  displayName: string;
}

describe('users', () => {
  it('filters on mail, userPrincipalName and proxyAddresses/any, case-insensitively', async () => {
    const byMail = (await client.api('/users').filter("mail eq 'ADELE@contoso.com'").get()) as { value: User[] };
    expect(byMail.value.map((u) => u.userPrincipalName)).toEqual(['adele@contoso.com']);
    const byUpn = (await client.api('/users').filter("userPrincipalName eq 'megan@contoso.com'").get()) as { value: User[] };
    expect(byUpn.value.map((u) => u.mail)).toEqual(['megan@contoso.com']);
    const byProxy = (await client.api('/users').filter("proxyAddresses/any(p:p eq 'smtp:a.vance@contoso.com')").select('id,displayName').get()) as { value: User[] };
    expect(byProxy.value.map((u) => u.displayName)).toEqual(['Adele Vance']);
    expect(Object.keys(byProxy.value[0]!).filter((k) => !k.startsWith('@odata.')).sort()).toEqual(['displayName', 'id']);
    const both = (await client.api('/users').filter("mail eq 'adele@contoso.com' or proxyAddresses/any(x: x eq 'SMTP:megan@contoso.com')").get()) as { value: User[] };
    expect(both.value).toHaveLength(2);
  });

  it('shows no mail or proxyAddresses for a user without a mailbox, so their address finds no one', async () => {
    const nora = (await client.api('/users/nora@contoso.com').get()) as User;
    expect(nora.mail).toBeNull();
    expect(nora.proxyAddresses).toEqual([]);
    const none = (await client.api('/users').filter("mail eq 'nora@contoso.com'").get()) as { value: User[] };
    expect(none.value).toEqual([]);
    // The on-premises user keeps both.
    const otto = (await client.api('/users/otto@contoso.com').get()) as User;
    expect(otto.mail).toBe('otto@contoso.com');
  });

  it('gets a user by id or UPN, and answers Request_ResourceNotFound for neither', async () => {
    const byUpn = (await client.api('/users/alex@contoso.com').get()) as User;
    const byId = (await client.api(`/users/${byUpn.id}`).select('displayName').get()) as User;
    expect(byId.displayName).toBe('Alex Wilber');
    const e = await graphError(client.api('/users/ghost@contoso.com').get());
    expect(e.statusCode).toBe(404);
    expect(e.code).toBe('Request_ResourceNotFound');
  });

  it('pages with $top and a $skiptoken nextLink', async () => {
    const seen: string[] = [];
    let res = (await client.api('/users').top(7).select('id').get()) as { value: User[]; '@odata.nextLink'?: string };
    seen.push(...res.value.map((u) => u.id));
    while (res['@odata.nextLink']) {
      expect(res['@odata.nextLink']).toContain('$skiptoken=');
      res = (await client.api(res['@odata.nextLink']).get()) as { value: User[]; '@odata.nextLink'?: string };
      seen.push(...res.value.map((u) => u.id));
    }
    expect(new Set(seen).size).toBe(h.fixture.users.length);
  });

  it('sorts with $orderby, and refuses query options it does not support instead of ignoring them', async () => {
    const sorted = (await client.api('/users').orderby('displayName desc').select('displayName').top(999).get()) as { value: User[] };
    const names = sorted.value.map((u) => u.displayName);
    expect(names).toEqual([...names].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? 1 : -1)));
    const search = await h.raw('GET', `/v1.0/users?$search=${encodeURIComponent('"displayName:adele"')}`, { headers: { ConsistencyLevel: 'eventual' } });
    expect(search.status).toBe(400);
    const msgSearch = await h.raw('GET', `/v1.0/users/adele@contoso.com/messages?$search=${encodeURIComponent('"phish"')}`);
    expect(msgSearch.status).toBe(400);
    const counted = await h.raw('GET', '/v1.0/users/adele@contoso.com/messages?$count=true&$top=1');
    const body = counted.json as { '@odata.count': number; value: unknown[] };
    expect(body.value).toHaveLength(1);
    expect(body['@odata.count']).toBeGreaterThan(1);
  });

  it('answers 400 for a malformed filter, never a wider list', async () => {
    const r = await h.raw('GET', `/v1.0/users?$filter=${encodeURIComponent("mail eq 'a'b@contoso.com'")}`);
    expect(r.status).toBe(400);
    const r2 = await h.raw('GET', `/v1.0/users?$filter=${encodeURIComponent("city eq 'x'")}`);
    expect(r2.status).toBe(400);
    expect((r2.json as { error: { code: string } }).error.code).toBe('Request_UnsupportedQuery');
  });
});

describe('groups', () => {
  it('finds a group by mail and lists its transitive members through nested groups and a cycle, each once', async () => {
    const groups = (await client.api('/groups').filter("mail eq 'sales@contoso.com'").get()) as { value: { id: string; displayName: string }[] };
    expect(groups.value.map((g) => g.displayName)).toEqual(['Sales']);
    const members = (await client.api(`/groups/${groups.value[0]!.id}/transitiveMembers`).get()) as { value: { '@odata.type': string; mail: string }[] };
    const users = members.value.filter((m) => m['@odata.type'] === '#microsoft.graph.user').map((m) => m.mail);
    expect(users.sort()).toEqual(['diego@contoso.com', 'grady@contoso.com', 'henrietta@contoso.com', 'irvin@contoso.com', 'megan@contoso.com']);
    const nested = members.value.filter((m) => m['@odata.type'] === '#microsoft.graph.group').map((m) => m.mail);
    expect(nested).toEqual(['sales-east@contoso.com']);
  });

  it('needs ConsistencyLevel: eventual for $count, $filter and type casts on transitiveMembers', async () => {
    const all = (await client.api('/groups').filter("mail eq 'all@contoso.com'").get()) as { value: { id: string }[] };
    const id = all.value[0]!.id;
    const e = await graphError(client.api(`/groups/${id}/transitiveMembers`).query({ $count: 'true' }).get());
    expect(e.statusCode).toBe(400);
    const e2 = await graphError(client.api(`/groups/${id}/transitiveMembers/microsoft.graph.user`).get());
    expect(e2.statusCode).toBe(400);
    const counted = (await client.api(`/groups/${id}/transitiveMembers/microsoft.graph.user`).header('ConsistencyLevel', 'eventual').query({ $count: 'true' }).get()) as { '@odata.count': number; value: unknown[] };
    // All Staff: 6 direct users, Sales (2 + Sales East's 3, whose cycle back to Sales adds no one)
    // and Finance (5, Megan already counted): 15 users, Nora (no mailbox) included as Entra does.
    expect(counted['@odata.count']).toBe(counted.value.length);
    expect(counted.value.length).toBe(15);
    const filtered = (await client.api(`/groups/${id}/transitiveMembers`).header('ConsistencyLevel', 'eventual').filter("mail eq 'otto@contoso.com'").get()) as { value: unknown[] };
    expect(filtered.value).toHaveLength(1);
  });
});

describe('domains', () => {
  it('lists the tenant domains with their verification', async () => {
    const res = (await client.api('/domains').get()) as { value: { id: string; isVerified: boolean; isDefault: boolean; isInitial: boolean }[] };
    const byId = new Map(res.value.map((d) => [d.id, d]));
    expect(byId.get('contoso.com')).toMatchObject({ isVerified: true, isDefault: true });
    expect(byId.get('contoso-legacy.com')).toMatchObject({ isVerified: false });
    expect(byId.get('contoso.onmicrosoft.com')).toMatchObject({ isInitial: true });
  });
});

describe('authorization at the door', () => {
  it('answers 401 InvalidAuthenticationToken without a token or with a forged one', async () => {
    const r = await h.raw('GET', '/v1.0/users', { token: null });
    expect(r.status).toBe(401);
    expect((r.json as { error: { code: string } }).error.code).toBe('InvalidAuthenticationToken');
    const good = await h.token();
    const [head, payload] = good.split('.');
    const forged = `${head}.${payload}.${Buffer.from('not the signature').toString('base64url')}`;
    const r2 = await h.raw('GET', '/v1.0/users', { token: forged });
    expect(r2.status).toBe(401);
  });

  it('answers 403 when the token lacks the permission the call needs', async () => {
    const dirOnly = h.client({ app: 'dir-only' });
    const users = (await dirOnly.api('/users').top(1).get()) as { value: unknown[] };
    expect(users.value).toHaveLength(1);
    const e = await graphError(dirOnly.api('/users/adele@contoso.com/messages').get());
    expect(e.statusCode).toBe(403);
    const e2 = await graphError(dirOnly.api('/domains').get());
    expect(e2.statusCode).toBe(403);
    // retract-api has Mail.ReadWrite but the demo grants it no Mail.Send: only the test fixture adds it.
    expect(h.fixture.apps.find((a) => a.name === 'retract-api')!.applicationPermissions).toContain('Mail.Send');
  });

  it('serves /me to a delegated token, within its scopes', async () => {
    const api = h.fixture.apps.find((a) => a.name === 'retract-api')!;
    const res = await fetch(`${h.sim.origin}/${h.sim.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'password', client_id: api.clientId, client_secret: api.secret, username: 'adele@contoso.com', password: 'demo', scope: 'https://graph.microsoft.com/.default' }),
    });
    const token = ((await res.json()) as { access_token: string }).access_token;
    const me = await h.raw('GET', '/v1.0/me', { token });
    expect(me.status).toBe(200);
    expect((me.json as User).userPrincipalName).toBe('adele@contoso.com');
    // The delegated token holds User.Read only: no mail.
    const mail = await h.raw('GET', '/v1.0/me/messages', { token });
    expect(mail.status).toBe(403);
  });

  it('refuses /me for an app-only token', async () => {
    const e = await graphError(client.api('/me/messages').get());
    expect(e.statusCode).toBe(400);
  });

  it('adds request-id and echoes client-request-id, and puts them in the error body', async () => {
    const r = await h.raw('GET', '/v1.0/users/ghost@contoso.com', { headers: { 'client-request-id': 'abc-123' } });
    expect(r.headers.get('client-request-id')).toBe('abc-123');
    const inner = (r.json as { error: { innerError: Record<string, string> } }).error.innerError;
    expect(inner['client-request-id']).toBe('abc-123');
    expect(inner['request-id']).toBe(r.headers.get('request-id'));
    expect(inner.date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
  });
});
