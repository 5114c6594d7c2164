/**
 * The real @azure/msal-browser, bundled into a page served over HTTPS from localhost, signs a
 * demo admin in through the simulator's sign-in page (popup) in Debian's headless Chromium;
 * the access token it receives for the Retract API carries the user's roles and scp.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { ensureDevCerts } from '../../src/dev/certs';
import { loadTenantFixture } from '../../src/sim/fixture';
import { startSimServer, type SimServer } from '../../src/sim/server';

const fixture = loadTenantFixture(path.join(__dirname, '..', '..', 'src', 'sim', 'tenants', 'demo.json'));
const TENANT_ID = fixture.tenant.id;
// The task pane signs in as the API's own registration (Office SSO: one app, access_as_user).
const api = fixture.apps.find((a) => a.name === 'retract-api')!;
const API_ID = api.clientId;
const API_SCOPE = `${api.identifierUri!}/access_as_user`;
const admin = fixture.users.find((u) => (u.appRoles ?? []).includes('Retract.Admin') && u.password !== undefined)!;

let sim: SimServer;
let web: https.Server;
let webOrigin: string;
let browser: Browser;

beforeAll(async () => {
  const certs = ensureDevCerts();
  sim = await startSimServer({ fixture, cert: certs.cert, key: certs.key, port: 0 });
  const bundle = await build({
    entryPoints: [path.join(__dirname, 'msal', 'app.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    logLevel: 'silent',
  });
  const appJs = bundle.outputFiles[0]!.text;
  web = https.createServer({ cert: certs.cert, key: certs.key }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    if (url.pathname === '/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(appJs);
      return;
    }
    if (url.pathname === '/redirect.html') {
      // MSAL's advice for popups: a blank page on the app's origin as the redirect URI.
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><html lang="en"><head><title>Signing in</title></head><body></body></html>');
      return;
    }
    if (url.pathname === '/') {
      const cfg = { clientId: API_ID, authorityHost: sim.origin, tenantId: TENANT_ID, scopes: [API_SCOPE], redirectUri: `${webOrigin}/redirect.html` };
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html lang="en"><head><title>MSAL test</title><script>window.__MSAL_TEST__ = ${JSON.stringify(cfg)};</script><script src="/app.js"></script></head><body><h1>MSAL test</h1></body></html>`);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => web.listen(0, 'localhost', resolve));
  webOrigin = `https://localhost:${(web.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic'],
  });
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (web ? web.close(() => resolve()) : resolve()));
  await sim?.close();
});

it('signs a demo admin in with msal-browser through the sign-in page; the token has roles and scp', async () => {
  // Test only: Chromium does not read NODE_EXTRA_CA_CERTS, and the dev CA is not in its store.
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  // Every request of the page and its popup, to show MSAL needs nothing but the simulator.
  const requested: string[] = [];
  context.on('request', (r) => requested.push(`${r.method()} ${r.url().split('?')[0]!.split('#')[0]!}`));
  const page = await context.newPage();
  await page.goto(`${webOrigin}/`);
  const popupOpened = page.waitForEvent('popup');
  const result = page.evaluate(() => window.signIn());
  const popup = await popupOpened;
  await popup.waitForLoadState('domcontentloaded');
  await popup.getByRole('heading', { name: 'Sign in' }).waitFor();
  // The sign-in page is usable with a keyboard and a screen reader: axe finds nothing.
  await popup.addScriptTag({ content: readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8') });
  const violations = await popup.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: () => Promise<{ violations: { id: string }[] }> } }).axe;
    return (await axe.run()).violations.map((v) => v.id);
  });
  expect(violations).toEqual([]);
  await popup.getByLabel(`${admin.displayName} (${admin.userPrincipalName})`).check();
  await popup.getByLabel('Password').fill(admin.password!);
  await popup.getByRole('button', { name: 'Sign in' }).click();
  const { accessToken, silentAccessToken, username, idTokenClaims } = await result;

  expect(username).toBe(admin.userPrincipalName);
  expect(idTokenClaims).toMatchObject({ aud: API_ID, preferred_username: admin.userPrincipalName, tid: TENANT_ID, oid: admin.id });
  const jwks = createRemoteJWKSet(new URL(`${sim.origin}/${TENANT_ID}/discovery/v2.0/keys`));
  const { payload } = await jwtVerify(accessToken, jwks, { issuer: `${sim.origin}/${TENANT_ID}/v2.0`, audience: API_ID });
  expect(payload.scp).toBe('access_as_user');
  expect(payload.roles).toEqual(['Retract.Admin']);
  expect(payload.oid).toBe(admin.id);
  expect(payload.azp).toBe(API_ID);
  expect(decodeJwt(silentAccessToken)).toMatchObject({ scp: 'access_as_user', roles: ['Retract.Admin'], oid: payload.oid });
  const toSim = requested.filter((r) => r.includes(sim.origin)).map((r) => r.replace(sim.origin, ''));
  expect(requested.every((r) => r.includes(sim.origin) || r.includes(webOrigin))).toBe(true);
  expect(new Set(toSim)).toEqual(
    new Set([
      `GET /${TENANT_ID}/v2.0/.well-known/openid-configuration`,
      `GET /${TENANT_ID}/oauth2/v2.0/authorize`,
      `POST /${TENANT_ID}/oauth2/v2.0/authorize`,
      `POST /${TENANT_ID}/oauth2/v2.0/token`,
    ]),
  );
  await context.close();
});
