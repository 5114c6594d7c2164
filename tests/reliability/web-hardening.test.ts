/**
 * Web hardening of the API and the task pane site (issue 11 §5), on the local stack as
 * `npm start` runs it: security headers on every API answer (public, signed-in, refused,
 * unknown route), CORS for the task pane's origin only, a 400 that names an unknown body field
 * without doing anything, and the task pane server's Content-Security-Policy with pages that
 * hold no inline script — and, in Chromium, the pane working in both hosts with no CSP violation.
 */
import { ensureDevCerts } from '../../src/dev/certs';
import { startApiHost, type ApiHost } from '../../src/dev/api-host';
import { localApiEnv } from '../../src/dev/api-env';
import { startStack, type Stack } from '../../src/dev/stack';
import { launchChromium, openHarness, pane, selectMessage, signIn, teamsTab } from '../e2e/harness';
import { report } from './harness';

const PANE = 'https://retract.contoso.example';
const FOREIGN = 'https://evil.example';

let stack: Stack;
/** A second API host on the same storage and tenant, configured with the pane's origin for CORS. */
let corsApi: ApiHost;
let adminToken: string;

beforeAll(async () => {
  const certs = ensureDevCerts();
  stack = await startStack({ certs, ports: { taskpane: 0, api: 0, sim: 0, storage: 0 }, latencyMs: 0, throttle: false, workers: 0, mode: 'development' });
  corsApi = await startApiHost({
    env: { ...localApiEnv(stack.fixture, stack.sim.origin, stack.azurite.connectionString), RETRACT_ALLOWED_ORIGINS: PANE },
    cert: certs.cert,
    key: certs.key,
  });
  const apiApp = stack.fixture.apps.find((a) => a.name === 'retract-api')!;
  const res = await fetch(`${stack.sim.origin}/${stack.fixture.tenant.id}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: apiApp.clientId, client_secret: apiApp.secret!, username: 'alex@contoso.com', password: 'demo', scope: `${apiApp.identifierUri}/access_as_user` }),
  });
  adminToken = ((await res.json()) as { access_token: string }).access_token;
}, 240_000);

afterAll(async () => {
  await corsApi?.close();
  await stack?.stop();
});

// On localhost: no HSTS, which a browser would keep for every http://localhost site (the API
// sends it from Azure's host names, and the production pane site has it: unit tests).
const API_HEADERS = {
  'strict-transport-security': null,
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
};

function headersOf(res: Response, names: string[]): Record<string, string | null> {
  return Object.fromEntries(names.map((n) => [n, res.headers.get(n)]));
}

describe('API answers', () => {
  it('carry nosniff, a no-content CSP and no-referrer (and no HSTS on localhost) on every kind of answer, and no-store when signed in', async () => {
    const auth = { authorization: `Bearer ${adminToken}` };
    const answers: Array<[string, Promise<Response>, number]> = [
      ['public 200', fetch(`${stack.api.url}/health`), 200],
      ['signed-in 200', fetch(`${stack.api.url}/me`, { headers: auth }), 200],
      ['401', fetch(`${stack.api.url}/jobs`), 401],
      ['400', fetch(`${stack.api.url}/lookups`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: '{"internetMessageId":"no brackets"}' }), 400],
      ['404 job', fetch(`${stack.api.url}/jobs/no-such-job`, { headers: auth }), 404],
      ['404 route', fetch(`${stack.api.url}/no/such/route`), 404],
      ['405', fetch(`${stack.api.url}/me`, { method: 'DELETE' }), 405],
      ['415', fetch(`${stack.api.url}/lookups`, { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: 'x' }), 415],
      // Through the task pane's own origin (its server proxies /api), as the pane calls it.
      ['proxied 200', fetch(`${stack.taskpaneOrigin}/api/me`, { headers: auth }), 200],
    ];
    for (const [what, pending, status] of answers) {
      const res = await pending;
      await res.arrayBuffer();
      expect({ what, status: res.status, ...headersOf(res, Object.keys(API_HEADERS)) }).toEqual({ what, status, ...API_HEADERS });
      if (what !== 'public 200') expect({ what, cache: res.headers.get('cache-control') }).toEqual({ what, cache: 'no-store' });
    }
  });

  it('name each unknown body field of a lookup, and do nothing else', async () => {
    const before = (await (await fetch(`${stack.sim.origin}/_sim/requests?since=0`)).json()) as { next: number };
    const long = 'x'.repeat(200);
    const raw = `{"internetMessageId":"<a@contoso.com>"," ":1,"__proto__":{"admin":true},"constructor":"x","${long}":true}`;
    const res = await fetch(`${stack.api.url}/lookups`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: raw });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await res.json()) as { detail: string; errors: Array<{ field: string }> };
    expect(problem.errors.map((e) => e.field)).toEqual([' ', '__proto__', 'constructor', long]);
    expect(problem.detail).toContain('" "');
    // Nothing reached the tenant: no Graph request since.
    const after = (await (await fetch(`${stack.sim.origin}/_sim/requests?since=${before.next}`)).json()) as { requests: Array<{ path: string }> };
    expect(after.requests.filter((r) => r.path.startsWith('/v1.0'))).toEqual([]);
    // (The same lookup without the junk does reach Graph: the check above can see requests.)
    const good = await fetch(`${stack.api.url}/lookups`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: '{"internetMessageId":"<a@contoso.com>"}' });
    expect(good.status).toBe(200);
    const later = (await (await fetch(`${stack.sim.origin}/_sim/requests?since=${before.next}`)).json()) as { requests: Array<{ path: string }> };
    expect(later.requests.filter((r) => r.path.startsWith('/v1.0')).length).toBeGreaterThan(0);
  });
});

describe('CORS', () => {
  const preflight = (origin: string, method = 'POST'): Promise<Response> =>
    fetch(`${corsApi.url}/lookups`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization, content-type' } });

  it("answers the task pane origin's preflight with what a browser needs, and nothing to any other origin", async () => {
    const ok = await preflight(PANE);
    expect(ok.status).toBe(204);
    expect(headersOf(ok, ['access-control-allow-origin', 'access-control-allow-methods', 'access-control-allow-headers'])).toEqual({
      'access-control-allow-origin': PANE,
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'authorization, content-type',
    });
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    expect(ok.headers.get('strict-transport-security')).toBeNull();
    for (const [origin, method] of [[FOREIGN, 'POST'], ['null', 'POST'], [`${PANE}.evil.example`, 'POST'], [PANE, 'DELETE']] as const) {
      const res = await preflight(origin, method);
      expect({ origin, method, status: res.status, allow: res.headers.get('access-control-allow-origin'), methods: res.headers.get('access-control-allow-methods') }).toEqual({ origin, method, status: 204, allow: null, methods: null });
    }
    // The API without an allowed origin (npm start's: the pane calls it through its own origin).
    const none = await fetch(`${stack.api.url}/lookups`, { method: 'OPTIONS', headers: { origin: PANE, 'access-control-request-method': 'POST' } });
    expect(none.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets the pane origin read answers, and only it', async () => {
    const auth = { authorization: `Bearer ${adminToken}` };
    const mine = await fetch(`${corsApi.url}/me`, { headers: { ...auth, origin: PANE } });
    expect([mine.status, mine.headers.get('access-control-allow-origin'), mine.headers.get('vary')]).toEqual([200, PANE, 'Origin']);
    const refused = await fetch(`${corsApi.url}/jobs`, { headers: { origin: PANE } });
    expect([refused.status, refused.headers.get('access-control-allow-origin')]).toEqual([401, PANE]);
    const theirs = await fetch(`${corsApi.url}/me`, { headers: { ...auth, origin: FOREIGN } });
    expect([theirs.status, theirs.headers.get('access-control-allow-origin')]).toEqual([200, null]);
  });
});

describe('task pane site', () => {
  function directives(csp: string): Map<string, string[]> {
    return new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name, ...values]) => [name!, values]));
  }

  it('serves its pages with a CSP that allows only Office, the API, the authority and the Microsoft hosts that frame it', async () => {
    for (const page of ['taskpane.html', 'auth-redirect.html', 'harness.html']) {
      const res = await fetch(`${stack.taskpaneOrigin}/${page}`);
      expect({ page, status: res.status }).toEqual({ page, status: 200 });
      const csp = directives(res.headers.get('content-security-policy') ?? '');
      expect(csp.get('default-src')).toEqual(["'none'"]);
      expect(csp.get('script-src')).toEqual(["'self'", 'https://appsforoffice.microsoft.com']);
      expect(csp.get('object-src')).toEqual(["'none'"]);
      expect(csp.get('connect-src')).toEqual(["'self'", stack.sim.origin, 'https://res.cdn.office.net']);
      expect(csp.get('frame-src')).toEqual(["'self'", stack.sim.origin]);
      const ancestors = csp.get('frame-ancestors') ?? [];
      for (const host of ["'self'", 'https://*.cloud.microsoft', 'https://teams.microsoft.com', 'https://*.teams.microsoft.com', 'https://*.office.com', 'https://*.office365.com', 'https://outlook.live.com']) {
        expect(ancestors).toContain(host);
      }
      expect(ancestors).not.toContain('*');
      expect(res.headers.get('strict-transport-security')).toBeNull();
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('holds no inline script and no eval in the pages and scripts it builds', async () => {
    for (const page of ['taskpane.html', 'auth-redirect.html', 'harness.html', 'index.html', 'privacy.html', 'terms.html']) {
      const html = await (await fetch(`${stack.taskpaneOrigin}/${page}`)).text();
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)];
      for (const [, attrs, body] of scripts) {
        expect({ page, src: /\bsrc=/.test(attrs ?? ''), inline: (body ?? '').trim() }).toEqual({ page, src: true, inline: '' });
      }
      expect({ page, handlers: html.match(/\son[a-z]+\s*=/gi) ?? [] }).toEqual({ page, handlers: [] });
      expect(html).not.toMatch(/javascript:/i);
    }
    // The entry scripts are plain files (no eval'd modules, which the CSP would block).
    const entry = await (await fetch(`${stack.taskpaneOrigin}/taskpane.js`)).text();
    expect(entry).not.toMatch(/\beval\(/);
  });

  it('runs in Chromium, signed in, in the Outlook and the Teams host, without one CSP violation', async () => {
    const browser = await launchChromium();
    try {
      const { context, page } = await openHarness(browser, stack);
      const violations: string[] = [];
      // Chromium reports each blocked load or script as a console error, in whichever frame it happened.
      page.on('console', (m) => {
        if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
      });
      await signIn(page, 'alex@contoso.com');
      await selectMessage(page, 'Inbox', 'RE: Order 4471 - delivery schedule');
      const frame = pane(page);
      await frame.getByText('orders@fabrikam-invoices.example').first().waitFor({ timeout: 30_000 });
      const answered = page.waitForResponse((r) => r.url().endsWith('/api/lookups') && r.request().method() === 'POST');
      await frame.getByRole('button', { name: 'Find copies' }).click();
      expect((await answered).status()).toBe(200);
      await page.getByRole('button', { name: 'Teams tab' }).click();
      await teamsTab(page).getByRole('tab', { name: 'Search', selected: true }).waitFor({ timeout: 30_000 });
      expect(violations).toEqual([]);
      // And the policy bites: an inline script put into the pane is refused, and reported.
      const paneFrame = page.frame({ url: /\/taskpane\.html\?host=browser/ })!;
      const ran = await paneFrame.evaluate(() => {
        const el = document.createElement('script');
        el.textContent = 'window.__inlineRan = true';
        document.head.appendChild(el);
        return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true;
      });
      expect(ran).toBe(false);
      for (let i = 0; i < 50 && violations.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(violations).toEqual([expect.stringMatching(/inline script/)]);
      await context.close();
    } finally {
      await browser.close();
    }
  }, 120_000);

  it('reports', () => {
    report(`web hardening: API headers on 9 kinds of answer, CORS preflight 204 for the pane origin and none for 4 others, pane CSP on 3 pages, no inline script in 6 pages`);
  });
});
