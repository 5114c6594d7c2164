import { CryptoProvider, PublicClientApplication, ResponseMode } from '@azure/msal-node';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { startHarness, type Harness } from './identity-harness';
import { ADELE_ID, API_ID, identityFixture, MEGAN_ID, NOCONSENT_ID, TENANT_ID } from './identity-fixture';

const API_SCOPE = `api://localhost:3000/${API_ID}/access_as_user`;
const REDIRECT = 'https://localhost:3000/auth.html';

function publicApp(origin: string, clientId = API_ID) {
  return new PublicClientApplication({ auth: { clientId, authority: `${origin}/${TENANT_ID}`, knownAuthorities: [new URL(origin).host] } });
}

async function jwks(origin: string) {
  const doc = (await (await fetch(`${origin}/${TENANT_ID}/v2.0/.well-known/openid-configuration`)).json()) as { jwks_uri: string };
  return createRemoteJWKSet(new URL(doc.jwks_uri));
}

/** Signs in on the sign-in page as a browser would: load it, post the form, follow to the redirect URI. */
async function signInThroughPage(authorizeUrl: string, username: string, password: string): Promise<{ location: URL; setCookie: string | null; page: string }> {
  const page = await fetch(authorizeUrl, { redirect: 'manual' });
  const html = await page.text();
  expect(page.status).toBe(200);
  const flow = /name="flow" value="([^"]+)"/.exec(html)?.[1];
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  expect(flow && action).toBeTruthy();
  const post = await fetch(new URL(action!, authorizeUrl), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ flow: flow!, username, password }).toString(),
  });
  const body = await post.text();
  return { location: new URL(post.headers.get('location') ?? 'about:blank'), setCookie: post.headers.get('set-cookie'), page: body };
}

describe('delegated tokens (v2 API)', () => {
  let sim: Harness;
  beforeAll(async () => {
    sim = await startHarness(identityFixture({ accessTokenVersion: 2 }));
  });
  afterAll(() => sim.close());

  it('ROPC (password grant) gives a v2 API token with scp, roles, preferred_username and azp', async () => {
    const result = await publicApp(sim.origin).acquireTokenByUsernamePassword({ scopes: [API_SCOPE], username: 'adele@contoso.com', password: 'demo' });
    const { payload } = await jwtVerify(result!.accessToken, await jwks(sim.origin), { issuer: `${sim.origin}/${TENANT_ID}/v2.0`, audience: API_ID });
    expect(payload).toMatchObject({ ver: '2.0', scp: 'access_as_user', roles: ['Retract.Admin'], oid: ADELE_ID, preferred_username: 'adele@contoso.com', name: 'Adele Vance', azp: API_ID, tid: TENANT_ID });
    expect(payload.upn).toBeUndefined();
    expect(result!.account?.homeAccountId).toBe(`${ADELE_ID}.${TENANT_ID}`);
    expect(result!.idTokenClaims).toMatchObject({ aud: API_ID, oid: ADELE_ID, preferred_username: 'adele@contoso.com' });
  });

  it('gives a user without app roles no roles claim, and refuses a wrong password (AADSTS50126)', async () => {
    const megan = await publicApp(sim.origin).acquireTokenByUsernamePassword({ scopes: [API_SCOPE], username: 'megan@contoso.com', password: 'demo' });
    expect(decodeJwt(megan!.accessToken)).toMatchObject({ oid: MEGAN_ID, scp: 'access_as_user' });
    expect(decodeJwt(megan!.accessToken).roles).toBeUndefined();
    await expect(publicApp(sim.origin).acquireTokenByUsernamePassword({ scopes: [API_SCOPE], username: 'megan@contoso.com', password: 'wrong' })).rejects.toMatchObject({
      errorCode: 'invalid_grant',
      errorMessage: expect.stringContaining('AADSTS50126'),
    });
  });

  it('authorization code with PKCE through the sign-in page, then refresh token', async () => {
    const pca = publicApp(sim.origin);
    const crypto = new CryptoProvider();
    const { verifier, challenge } = await crypto.generatePkceCodes();
    const url = await pca.getAuthCodeUrl({ scopes: [API_SCOPE], redirectUri: REDIRECT, codeChallenge: challenge, codeChallengeMethod: 'S256', state: 'st-1', responseMode: ResponseMode.QUERY });
    const { location, setCookie } = await signInThroughPage(url, 'adele@contoso.com', 'demo');
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(location.searchParams.get('state')).toBe('st-1');
    expect(setCookie).toMatch(/Secure; HttpOnly/);
    const code = location.searchParams.get('code')!;
    expect(code).toBeTruthy();
    // A wrong verifier is refused, and the code cannot be used twice.
    const wrong = await fetch(`${sim.origin}/${TENANT_ID}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', client_id: API_ID, code: 'x' + code, redirect_uri: REDIRECT, code_verifier: verifier }).toString(),
    });
    expect(wrong.status).toBe(400);
    const result = await pca.acquireTokenByCode({ code, scopes: [API_SCOPE], redirectUri: REDIRECT, codeVerifier: verifier });
    expect(decodeJwt(result.accessToken)).toMatchObject({ scp: 'access_as_user', roles: ['Retract.Admin'], oid: ADELE_ID });
    await expect(pca.acquireTokenByCode({ code, scopes: [API_SCOPE], redirectUri: REDIRECT, codeVerifier: verifier })).rejects.toMatchObject({ errorMessage: expect.stringContaining('AADSTS54005') });
    const refreshed = await pca.acquireTokenSilent({ account: result.account!, scopes: [API_SCOPE], forceRefresh: true });
    expect(refreshed.accessToken).not.toBe(result.accessToken);
    expect(decodeJwt(refreshed.accessToken)).toMatchObject({ scp: 'access_as_user', oid: ADELE_ID });
    // The refresh token also gives a Graph token for User.Read (one refresh token, many resources).
    const graph = await pca.acquireTokenSilent({ account: result.account!, scopes: ['User.Read'] });
    expect(decodeJwt(graph.accessToken)).toMatchObject({ aud: 'https://graph.microsoft.com', scp: 'User.Read', ver: '1.0', upn: 'adele@contoso.com' });
  });

  it('refuses a wrong PKCE verifier (AADSTS501481) and an unregistered redirect URI (shown, not redirected)', async () => {
    const pca = publicApp(sim.origin);
    const { challenge } = await new CryptoProvider().generatePkceCodes();
    const url = await pca.getAuthCodeUrl({ scopes: [API_SCOPE], redirectUri: REDIRECT, codeChallenge: challenge, codeChallengeMethod: 'S256' });
    const { location } = await signInThroughPage(url, 'adele@contoso.com', 'demo');
    await expect(pca.acquireTokenByCode({ code: location.searchParams.get('code')!, scopes: [API_SCOPE], redirectUri: REDIRECT, codeVerifier: 'a'.repeat(43) })).rejects.toMatchObject({
      errorMessage: expect.stringContaining('AADSTS501481'),
    });
    const bad = new URL(url);
    bad.searchParams.set('redirect_uri', 'https://evil.example/cb');
    const res = await fetch(bad, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('AADSTS50011');
  });

  it('signs in silently (prompt=none) with the session cookie, until the user signs out', async () => {
    const pca = publicApp(sim.origin);
    const first = await pca.getAuthCodeUrl({ scopes: [API_SCOPE], redirectUri: REDIRECT, state: 's' });
    const { setCookie } = await signInThroughPage(first, 'megan@contoso.com', 'demo');
    const cookie = setCookie!.split(';')[0]!;
    const silentUrl = new URL(await pca.getAuthCodeUrl({ scopes: [API_SCOPE], redirectUri: REDIRECT, prompt: 'none', responseMode: ResponseMode.FRAGMENT, state: 'quiet' }));
    const silent = await fetch(silentUrl, { redirect: 'manual', headers: { cookie } });
    expect(silent.status).toBe(302);
    const hash = new URLSearchParams(new URL(silent.headers.get('location')!).hash.slice(1));
    expect(hash.get('code')).toBeTruthy();
    expect(hash.get('state')).toBe('quiet');
    const logout = await fetch(`${sim.origin}/${TENANT_ID}/oauth2/v2.0/logout?post_logout_redirect_uri=${encodeURIComponent(REDIRECT)}`, { redirect: 'manual', headers: { cookie } });
    expect(logout.status).toBe(302);
    expect(logout.headers.get('location')).toBe(REDIRECT);
    const after = await fetch(silentUrl, { redirect: 'manual', headers: { cookie } });
    const err = new URLSearchParams(new URL(after.headers.get('location')!).hash.slice(1));
    expect(err.get('error')).toBe('login_required');
    expect(err.get('error_description')).toMatch(/^AADSTS50058: /);
  });

  it('re-shows the page with an alert on a wrong password', async () => {
    const url = await publicApp(sim.origin).getAuthCodeUrl({ scopes: [API_SCOPE], redirectUri: REDIRECT });
    const { page, location } = await signInThroughPage(url, 'adele@contoso.com', 'nope');
    expect(location.href).toBe('about:blank');
    expect(page).toContain('role="alert"');
    expect(page).toContain('Your account or password is incorrect');
  });

  it('admin consent: an admin signs in and accepts; the app then gets app-only tokens', async () => {
    const start = `${sim.origin}/${TENANT_ID}/adminconsent?client_id=${NOCONSENT_ID}&redirect_uri=${encodeURIComponent('https://localhost:3000/setup/consented')}&state=c1`;
    const page = await (await fetch(start)).text();
    expect(page).toContain('Mail.ReadWrite');
    const flow = /name="flow" value="([^"]+)"/.exec(page)![1]!;
    const post = (body: Record<string, string>) =>
      fetch(`${sim.origin}/${TENANT_ID}/adminconsent`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(body).toString() });
    const notAdmin = await post({ flow, username: 'megan@contoso.com', password: 'demo', decision: 'accept' });
    expect(notAdmin.status).toBe(200);
    expect(await notAdmin.text()).toContain('is not an administrator');
    const ok = await post({ flow, username: 'adele@contoso.com', password: 'demo', decision: 'accept' });
    expect(ok.status).toBe(302);
    const loc = new URL(ok.headers.get('location')!);
    expect(Object.fromEntries(loc.searchParams)).toEqual({ admin_consent: 'True', tenant: TENANT_ID, state: 'c1' });
    const token = await fetch(`${sim.origin}/${TENANT_ID}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: NOCONSENT_ID, client_secret: 'nc-s3cret', scope: 'https://graph.microsoft.com/.default' }).toString(),
    });
    expect(token.status).toBe(200);
  });
});

describe('delegated tokens (v1 API)', () => {
  let sim: Harness;
  beforeAll(async () => {
    sim = await startHarness(identityFixture({ accessTokenVersion: 1 }));
  });
  afterAll(() => sim.close());

  it('gives v1 tokens: sts.windows.net issuer, identifier URI audience, appid, upn and unique_name', async () => {
    const result = await publicApp(sim.origin).acquireTokenByUsernamePassword({ scopes: [API_SCOPE], username: 'adele@contoso.com', password: 'demo' });
    const { payload } = await jwtVerify(result!.accessToken, await jwks(sim.origin), { issuer: `https://sts.windows.net/${TENANT_ID}/`, audience: `api://localhost:3000/${API_ID}` });
    expect(payload).toMatchObject({ ver: '1.0', appid: API_ID, upn: 'adele@contoso.com', unique_name: 'adele@contoso.com', scp: 'access_as_user', roles: ['Retract.Admin'] });
    expect(payload.azp).toBeUndefined();
  });
});
