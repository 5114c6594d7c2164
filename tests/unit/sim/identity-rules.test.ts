import { createHash, generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { parseTenantFixture } from '../../../src/sim/fixture';
import { accessTokenClaims, clientInfo } from '../../../src/sim/identity/claims';
import { Directory, EXCHANGE, GRAPH, isAllowedRedirectUri } from '../../../src/sim/identity/directory';
import { pkceMatches } from '../../../src/sim/identity/issuer';
import { SigningKeys } from '../../../src/sim/identity/keys';
import { parseScopes } from '../../../src/sim/identity/scopes';

const API = '11111111-2222-4333-8444-555555555555';
const fixture = parseTenantFixture({
  tenant: { id: '5a7c3e1f-0b2d-4c6e-8f90-1a2b3c4d5e6f', displayName: 'Contoso', initialDomain: 'contoso.onmicrosoft.com' },
  domains: [{ id: 'contoso.com', isVerified: true }],
  users: [{ id: 'a0000000-0000-4000-8000-000000000001', displayName: 'Adele Vance', userPrincipalName: 'adele@contoso.com', appRoles: ['Retract.Admin'] }],
  apps: [
    { name: 'retract-api', clientId: API, secret: 's', identifierUri: `api://localhost:3000/${API}`, applicationPermissions: ['Mail.ReadWrite', 'Exchange.ManageAsApp'], accessTokenVersion: 1 },
  ],
  mail: [],
});
const directory = new Directory(fixture);

describe('scopes', () => {
  it('names one resource, by identifier URI, app id URI, bare client id, or Graph for bare names', () => {
    const api = parseScopes(directory, `openid profile offline_access api://localhost:3000/${API}/access_as_user`, 'contoso');
    expect(api).toMatchObject({ ok: true, permissions: ['access_as_user'], oidc: ['openid', 'profile', 'offline_access'] });
    expect(api.ok && api.resource.kind).toBe('api');
    // v1 tokens carry the identifier the client named; v2 would carry the client id.
    expect(api.ok && api.resource.audience).toBe(`api://localhost:3000/${API}`);
    const byId = parseScopes(directory, `api://${API}/.default`, 'contoso');
    expect(byId.ok && byId.resource.audience).toBe(`api://${API}`);
    const graph = parseScopes(directory, 'User.Read', 'contoso');
    expect(graph.ok && graph.resource).toBe(GRAPH);
    const ex = parseScopes(directory, 'https://outlook.office365.com/.default', 'contoso');
    expect(ex.ok && ex.resource).toBe(EXCHANGE);
  });

  it('refuses two resources at once and unknown resources, with their AADSTS codes', () => {
    expect(parseScopes(directory, 'https://graph.microsoft.com/.default https://outlook.office365.com/.default', 'contoso')).toMatchObject({ ok: false, aadsts: 28000 });
    expect(parseScopes(directory, 'api://unknown/.default', 'contoso')).toMatchObject({ ok: false, aadsts: 500011, error: 'invalid_resource' });
    expect(parseScopes(directory, '', 'contoso')).toMatchObject({ ok: false, aadsts: 900144 });
  });

  it('splits application permissions between Graph and Exchange', () => {
    const app = fixture.apps[0]!;
    expect(directory.applicationRoles(app, GRAPH).roles).toEqual(['Mail.ReadWrite']);
    expect(directory.applicationRoles(app, EXCHANGE).roles).toEqual(['Exchange.ManageAsApp']);
  });
});

describe('redirect URIs', () => {
  it('accepts the local development forms and nothing else', () => {
    for (const ok of ['https://localhost:3000/auth-redirect.html', 'https://127.0.0.1:8443/x', 'http://localhost:53111', 'brk-multihub://localhost', 'brk-multihub://localhost:3000']) expect(isAllowedRedirectUri(ok)).toBe(true);
    for (const bad of ['https://evil.example/cb', 'https://localhost.evil.example/', 'https://localhost:3000/#frag', 'javascript:alert(1)', 'brk-multihub://evil', 'brk-multihub://localhost.evil', 'not a url']) expect(isAllowedRedirectUri(bad)).toBe(false);
  });
});

describe('PKCE', () => {
  it('checks S256 and plain challenges', () => {
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    expect(pkceMatches(verifier, challenge, 'S256')).toBe(true);
    expect(pkceMatches(verifier + 'x', challenge, 'S256')).toBe(false);
    expect(pkceMatches(verifier, verifier, 'plain')).toBe(true);
    expect(pkceMatches(verifier, challenge, 'S512')).toBe(false);
  });
});

describe('signing keys', () => {
  it('verify their own tokens, before and after a rotation, and refuse alg none, tampering and foreign keys', async () => {
    const keys = new SigningKeys();
    const first = await keys.sign({ aud: 'x', n: 1 });
    expect(keys.verify(first)).toMatchObject({ ok: true, payload: { aud: 'x', n: 1 } });
    keys.rotate();
    expect(keys.verify(first).ok).toBe(true);
    expect(keys.verify(await keys.sign({ n: 2 })).ok).toBe(true);
    keys.rotate();
    // Two rotations later the first key is no longer published.
    expect(keys.verify(first).ok).toBe(false);
    const [h, p] = (await keys.sign({ n: 3 })).split('.') as [string, string, string];
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', kid: keys.currentKid })).toString('base64url')}.${p}.`;
    expect(keys.verify(none).ok).toBe(false);
    const tampered = `${h}.${Buffer.from(JSON.stringify({ n: 4 })).toString('base64url')}.${(await keys.sign({ n: 3 })).split('.')[2]}`;
    expect(keys.verify(tampered).ok).toBe(false);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const foreign = await new SignJWT({ n: 5 }).setProtectedHeader({ alg: 'RS256', kid: keys.currentKid }).sign(privateKey);
    expect(keys.verify(foreign).ok).toBe(false);
    expect(keys.jwks('iss').keys.map((k) => k.kid)).toContain(keys.currentKid);
  });
});

describe('claims', () => {
  it('write v1 user tokens with upn and unique_name, and app tokens with idtyp app and no scp', () => {
    const resource = directory.resource(`api://localhost:3000/${API}`)!;
    const app = fixture.apps[0]!;
    const user = fixture.users[0]!;
    const now = new Date('2026-11-22T12:00:00Z');
    const u = accessTokenClaims({ origin: 'https://localhost:4010', tenantId: fixture.tenant.id, resource, client: app, authMethod: 0, now, roles: ['Retract.Admin'], user, scp: 'access_as_user' });
    expect(u).toMatchObject({ ver: '1.0', iss: `https://sts.windows.net/${fixture.tenant.id}/`, upn: 'adele@contoso.com', unique_name: 'adele@contoso.com', appid: API, appidacr: '0', scp: 'access_as_user', oid: user.id });
    expect(u.exp as number).toBe(now.getTime() / 1000 + 3599);
    const a = accessTokenClaims({ origin: 'https://localhost:4010', tenantId: fixture.tenant.id, resource: GRAPH, client: app, authMethod: 1, now, roles: ['Mail.ReadWrite'] });
    expect(a).toMatchObject({ idtyp: 'app', roles: ['Mail.ReadWrite'], aud: 'https://graph.microsoft.com' });
    expect(a.scp).toBeUndefined();
    expect(a.sub).toBe(a.oid);
    expect(JSON.parse(Buffer.from(clientInfo(user, fixture.tenant.id), 'base64url').toString())).toEqual({ uid: user.id, utid: fixture.tenant.id });
  });
});
