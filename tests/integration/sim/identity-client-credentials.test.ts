import { ConfidentialClientApplication } from '@azure/msal-node';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { startHarness, type Harness } from './identity-harness';
import { API_ID, CLI_ID, identityFixture, NOCONSENT_ID, TENANT_ID } from './identity-fixture';

let sim: Harness;
beforeAll(async () => {
  sim = await startHarness(identityFixture());
});
afterAll(() => sim.close());

function msalApp(clientId: string, clientSecret: string) {
  return new ConfidentialClientApplication({
    auth: { clientId, clientSecret, authority: `${sim.origin}/${TENANT_ID}`, knownAuthorities: [new URL(sim.origin).host] },
  });
}

async function discoveredJwks() {
  const res = await fetch(`${sim.origin}/${TENANT_ID}/v2.0/.well-known/openid-configuration`);
  expect(res.status).toBe(200);
  const doc = (await res.json()) as { jwks_uri: string; issuer: string; token_endpoint: string };
  return { jwks: createRemoteJWKSet(new URL(doc.jwks_uri)), doc };
}

async function form(body: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(`${sim.origin}/${TENANT_ID}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(body).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('client credentials with a secret', () => {
  it('gives msal-node a Graph token that jose verifies against the discovered JWKS', async () => {
    const result = await msalApp(API_ID, 'api-s3cret').acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    expect(result?.accessToken).toBeTruthy();
    const { jwks } = await discoveredJwks();
    const { payload, protectedHeader } = await jwtVerify(result!.accessToken, jwks, {
      issuer: `https://sts.windows.net/${TENANT_ID}/`,
      audience: 'https://graph.microsoft.com',
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(protectedHeader.kid).toBeTruthy();
    expect(payload.tid).toBe(TENANT_ID);
    expect(payload.ver).toBe('1.0');
    expect(payload.appid).toBe(API_ID);
    expect(payload.idtyp).toBe('app');
    expect(payload.roles).toEqual(['Mail.ReadWrite', 'User.Read.All', 'GroupMember.Read.All', 'Domain.Read.All']);
    expect(payload.scp).toBeUndefined();
  });

  it('works with authorityMetadata given up front instead of discovery', async () => {
    const { doc } = await discoveredJwks();
    const app = new ConfidentialClientApplication({
      auth: { clientId: API_ID, clientSecret: 'api-s3cret', authority: `${sim.origin}/${TENANT_ID}`, knownAuthorities: [new URL(sim.origin).host], authorityMetadata: JSON.stringify(doc) },
    });
    const result = await app.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    expect(result?.accessToken.split('.')).toHaveLength(3);
  });

  it('gives an Exchange token carrying Exchange.ManageAsApp only', async () => {
    const result = await msalApp(API_ID, 'api-s3cret').acquireTokenByClientCredential({ scopes: ['https://outlook.office365.com/.default'] });
    const { jwks } = await discoveredJwks();
    const { payload } = await jwtVerify(result!.accessToken, jwks, { audience: 'https://outlook.office365.com' });
    expect(payload.roles).toEqual(['Exchange.ManageAsApp']);
  });

  it('accepts client_secret_basic and gives a client its roles on the API in a v2 token', async () => {
    const basic = Buffer.from(`${encodeURIComponent(CLI_ID)}:${encodeURIComponent('cli-s3cret')}`).toString('base64');
    const res = await form({ grant_type: 'client_credentials', scope: `api://localhost:3000/${API_ID}/.default` }, { authorization: `Basic ${basic}` });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 3599 });
    const { jwks, doc } = await discoveredJwks();
    const { payload } = await jwtVerify(String(res.body.access_token), jwks, { issuer: doc.issuer, audience: API_ID });
    expect(doc.issuer).toBe(`${sim.origin}/${TENANT_ID}/v2.0`);
    expect(payload).toMatchObject({ ver: '2.0', azp: CLI_ID, azpacr: '1', roles: ['Retract.Admin'], tid: TENANT_ID });
  });

  it('refuses a wrong secret as Entra does (401 invalid_client, AADSTS7000215)', async () => {
    const res = await form({ grant_type: 'client_credentials', client_id: API_ID, client_secret: 'nope', scope: 'https://graph.microsoft.com/.default' });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
    expect(res.body.error_codes).toEqual([7000215]);
    expect(String(res.body.error_description)).toMatch(/^AADSTS7000215: .*Trace ID: .*Correlation ID: .*Timestamp: /);
    expect(res.body).toHaveProperty('trace_id');
    expect(res.body).toHaveProperty('correlation_id');
    expect(res.body).toHaveProperty('timestamp');
  });

  it('refuses a scope without /.default and an unknown client', async () => {
    const scope = await form({ grant_type: 'client_credentials', client_id: API_ID, client_secret: 'api-s3cret', scope: 'https://graph.microsoft.com/Mail.Read' });
    expect(scope.status).toBe(400);
    expect(scope.body).toMatchObject({ error: 'invalid_scope', error_codes: [1002012] });
    const unknown = await form({ grant_type: 'client_credentials', client_id: '99999999-9999-4999-8999-999999999999', client_secret: 'x', scope: 'https://graph.microsoft.com/.default' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: 'unauthorized_client', error_codes: [700016] });
  });

  it('refuses app-only tokens before admin consent (AADSTS65001), and issues them after', async () => {
    const app = msalApp(NOCONSENT_ID, 'nc-s3cret');
    await expect(app.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] })).rejects.toMatchObject({ errorCode: 'invalid_grant', errorMessage: expect.stringContaining('AADSTS65001') });
    const consent = await fetch(`${sim.origin}/_sim/apps/${NOCONSENT_ID}/consent`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ adminConsent: true }) });
    expect(consent.status).toBe(200);
    const result = await app.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    const { jwks } = await discoveredJwks();
    const { payload } = await jwtVerify(result!.accessToken, jwks, { audience: 'https://graph.microsoft.com' });
    expect(payload.roles).toEqual(['Mail.ReadWrite']);
  });

  it('keeps tokens signed before a key rotation valid, and signs new ones with the new kid', async () => {
    const before = await form({ grant_type: 'client_credentials', client_id: API_ID, client_secret: 'api-s3cret', scope: 'https://graph.microsoft.com/.default' });
    const rotated = (await (await fetch(`${sim.origin}/_sim/keys/rotate`, { method: 'POST' })).json()) as { kid: string; previousKid: string };
    const after = await form({ grant_type: 'client_credentials', client_id: API_ID, client_secret: 'api-s3cret', scope: 'https://graph.microsoft.com/.default' });
    const { jwks } = await discoveredJwks();
    const a = await jwtVerify(String(before.body.access_token), jwks);
    const b = await jwtVerify(String(after.body.access_token), jwks);
    expect(a.protectedHeader.kid).toBe(rotated.previousKid);
    expect(b.protectedHeader.kid).toBe(rotated.kid);
  });
});
