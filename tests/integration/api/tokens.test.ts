/**
 * Token checks over HTTPS. v1 and v2 tokens from the simulated tenant are accepted; refused:
 * expired, not yet valid (the simulator's clock moved), wrong audience (a Graph token), another
 * tenant, alg none, a key the tenant does not publish, roles edited after signing — and, against
 * a small OpenID issuer of this test's own (the simulator issues neither), a wrong issuer and a
 * delegated token without access_as_user.
 */
import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK } from 'jose';
import { ensureDevCerts } from '../../../src/dev/certs';
import { startApiHost, type ApiHost } from '../../../src/dev/api-host';
import { loadTenantFixture } from '../../../src/sim/fixture';
import { DEMO_FIXTURE, startStack, type Stack } from './stack';

let offsetMs = 0;
let v2: Stack;
let v1: Stack;

beforeAll(async () => {
  v2 = await startStack({ now: () => new Date(Date.now() + offsetMs) });
  const fixture = loadTenantFixture(DEMO_FIXTURE);
  const api = fixture.apps.find((a) => a.name === 'retract-api')!;
  api.accessTokenVersion = 1;
  v1 = await startStack({ fixture });
}, 60000);

afterAll(async () => {
  await v2?.close();
  await v1?.close();
});

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

function withPayload(token: string, edit: (c: Record<string, unknown>) => void): string {
  const [h, , s] = token.split('.');
  const claims = claimsOf(token);
  edit(claims);
  return `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
}

it('accepts v2 tokens (app-only and delegated)', async () => {
  const app = await v2.appToken('retract-cli');
  expect(claimsOf(app).ver).toBe('2.0');
  expect(claimsOf(app).aud).toBe(v2.apiApp.clientId);
  expect((await v2.call('GET', 'me', { token: app })).body.roles).toEqual(['Retract.Admin']);
  const user = await v2.userToken('isaiah@contoso.com');
  const me = await v2.call('GET', 'me', { token: user });
  expect(me.status).toBe(200);
  expect(me.body.roles).toEqual(['Retract.Auditor']);
});

it('accepts v1 tokens (iss sts.windows.net, aud the identifier URI)', async () => {
  const user = await v1.userToken('alex@contoso.com');
  const c = claimsOf(user);
  expect(c.ver).toBe('1.0');
  expect(c.iss).toBe(`https://sts.windows.net/${v1.fixture.tenant.id}/`);
  expect(c.aud).toBe(v1.apiApp.identifierUri);
  const me = await v1.call('GET', 'me', { token: user });
  expect(me.status).toBe(200);
  expect(me.body.roles).toEqual(['Retract.Admin']);
  const app = await v1.appToken('soc-reader');
  expect((await v1.call('GET', 'audit/verify', { token: app })).status).toBe(200);
});

it('follows a key rotation: a token signed with the new key is accepted', async () => {
  expect((await v2.call('GET', 'me', { token: await v2.appToken('retract-cli') })).status).toBe(200);
  const rotated = await fetch(`${v2.sim.origin}/_sim/keys/rotate`, { method: 'POST' });
  expect(rotated.status).toBe(200);
  await new Promise((r) => setTimeout(r, 1100));
  const fresh = await v2.appToken('retract-cli');
  expect((await v2.call('GET', 'me', { token: fresh })).status).toBe(200);
});

it('refuses expired, not-yet-valid, wrong-audience, tampered and foreign tokens with 401, and audits them', async () => {
  offsetMs = -3 * 3600_000;
  const expired = await v2.appToken('retract-cli');
  offsetMs = 2 * 3600_000;
  const notYet = await v2.appToken('retract-cli');
  offsetMs = 0;
  const good = await v2.userToken('lidia@contoso.com');
  const graphApp = v2.fixture.apps.find((a) => a.name === 'retract-api')!;
  const graphToken = await (async () => {
    const res = await fetch(`${v2.sim.origin}/${v2.fixture.tenant.id}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: graphApp.clientId, client_secret: graphApp.secret!, scope: 'https://graph.microsoft.com/.default' }),
    });
    return ((await res.json()) as { access_token: string }).access_token;
  })();
  const rolesEdited = withPayload(good, (c) => (c.roles = ['Retract.Admin']));
  const [h] = good.split('.');
  const header = JSON.parse(Buffer.from(h!, 'base64url').toString('utf8')) as Record<string, unknown>;
  const algNone = `${Buffer.from(JSON.stringify({ ...header, alg: 'none' })).toString('base64url')}.${good.split('.')[1]}.`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const unknownKey = await new SignJWT(claimsOf(good)).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: String(header.kid) }).sign(privateKey);
  const otherTenant = await new SignJWT({ ...claimsOf(good), tid: randomUUID() }).setProtectedHeader({ alg: 'RS256', kid: String(header.kid) }).sign(privateKey);

  const refused: Record<string, string> = { expired, notYet, graphToken, rolesEdited, algNone, unknownKey, otherTenant, garbage: 'not-a-token' };
  for (const [name, token] of Object.entries(refused)) {
    const res = await v2.call('GET', 'me', { token });
    expect({ name, status: res.status }).toEqual({ name, status: 401 });
    expect(res.body.detail).toMatch(/Sign in again/);
  }
  // Each for its own reason.
  const why: Record<string, RegExp> = {
    expired: /expired/,
    notYet: /not yet valid/,
    graphToken: /wrong audience/,
    rolesEdited: /signature/,
    algNone: /algorithm none/,
    unknownKey: /signature|unknown key/,
    otherTenant: /tenant not allowed/,
    garbage: /no bearer token|malformed/,
  };
  for (const [name, token] of Object.entries(refused)) {
    await expect(v2.api.services.verifier.verify(`Bearer ${token}`)).rejects.toMatchObject({ reason: expect.stringMatching(why[name]!) });
  }
  // The same tokens pass nowhere else either (a route with a role).
  expect((await v2.call('POST', 'lookups', { token: rolesEdited, body: { internetMessageId: '<a@b.c>' } })).status).toBe(401);
  // Lidia's genuine token works, and carries no role.
  expect((await v2.call('GET', 'me', { token: good })).body.roles).toEqual([]);

  const audit = await v2.call('GET', 'audit?section=Access', { token: await v2.appToken('soc-reader') });
  const reasons = (audit.body.records as Array<{ outcome: string; detail: string; count?: number }>).filter((r) => r.outcome === '401');
  // Folded per source per minute: a handful of records, counting every refusal.
  expect(reasons.reduce((n, r) => n + (r.count ?? 1), 0)).toBe(Object.keys(refused).length + 1);
  expect(reasons.length).toBeLessThanOrEqual(2);
});

it('refuses a token of a tenant that is not in RETRACT_ALLOWED_TENANTS', async () => {
  const certs = ensureDevCerts();
  const api = await startApiHost({ env: { ...v2.env, RETRACT_ALLOWED_TENANTS: randomUUID() }, cert: certs.cert, key: certs.key });
  try {
    const res = await fetch(`${api.url}/me`, { headers: { authorization: `Bearer ${await v2.appToken('retract-cli')}` } });
    expect(res.status).toBe(401);
  } finally {
    await api.close();
  }
});

describe('against an issuer of the test’s own', () => {
  let server: https.Server;
  let origin: string;
  let api: ApiHost;
  let key: KeyObject;
  const kid = 'test-key';
  const tenantId = randomUUID();
  const clientId = randomUUID();

  beforeAll(async () => {
    const certs = ensureDevCerts();
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    key = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' };
    server = https.createServer({ cert: certs.cert, key: certs.key }, (req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === `/${tenantId}/v2.0/.well-known/openid-configuration`) {
        res.end(JSON.stringify({ issuer: `${origin}/${tenantId}/v2.0`, jwks_uri: `${origin}/${tenantId}/discovery/v2.0/keys` }));
      } else if (req.url === `/${tenantId}/discovery/v2.0/keys`) {
        res.end(JSON.stringify({ keys: [jwk] }));
      } else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    origin = `https://localhost:${(server.address() as AddressInfo).port}`;
    api = await startApiHost({
      env: { ...v2.env, RETRACT_AUTHORITY_HOST: origin, RETRACT_TENANT_ID: tenantId, RETRACT_ALLOWED_TENANTS: tenantId, RETRACT_CLIENT_ID: clientId },
      cert: certs.cert,
      key: certs.key,
    });
  });
  afterAll(async () => {
    await api?.close();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const sign = (claims: Record<string, unknown>): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: `${origin}/${tenantId}/v2.0`, aud: clientId, tid: tenantId, oid: randomUUID(), ver: '2.0', iat: now, nbf: now - 60, exp: now + 600, ...claims })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid })
      .sign(key);
  };
  const me = async (token: string): Promise<number> => (await fetch(`${api.url}/me`, { headers: { authorization: `Bearer ${token}` } })).status;

  it('accepts a well-formed delegated token with access_as_user', async () => {
    expect(await me(await sign({ scp: 'access_as_user', idtyp: 'user', preferred_username: 'a@contoso.com' }))).toBe(200);
  });

  it('refuses a delegated token without access_as_user', async () => {
    const token = await sign({ scp: 'User.Read', idtyp: 'user' });
    expect(await me(token)).toBe(401);
    await expect(api.services.verifier.verify(`Bearer ${token}`)).rejects.toMatchObject({ reason: 'delegated token without access_as_user' });
  });

  it('refuses a wrong issuer, and a v1 issuer on a v2 token', async () => {
    const evil = await sign({ scp: 'access_as_user', iss: `https://evil.example/${tenantId}/v2.0` });
    expect(await me(evil)).toBe(401);
    await expect(api.services.verifier.verify(`Bearer ${evil}`)).rejects.toMatchObject({ reason: 'wrong issuer' });
    expect(await me(await sign({ scp: 'access_as_user', iss: `https://sts.windows.net/${tenantId}/` }))).toBe(401);
  });

  it('refuses expiry and not-before beyond the clock skew, accepts within it', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await me(await sign({ scp: 'access_as_user', exp: now - 300 }))).toBe(401);
    expect(await me(await sign({ scp: 'access_as_user', nbf: now + 300 }))).toBe(401);
    expect(await me(await sign({ scp: 'access_as_user', nbf: now + 20 }))).toBe(200);
  });
});
