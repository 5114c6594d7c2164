/** The headers every API answer gets, and CORS for the allowed origins only. */
import path from 'node:path';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { json, problem } from '../../../src/api/http/problem';
import { runRoute, type RouteDef } from '../../../src/api/http/route';
import { API_SECURITY_HEADERS, allowedOrigin, forHost, isLoopbackHost, preflight, withSecurityHeaders } from '../../../src/api/http/security-headers';
import type { Services } from '../../../src/api/services';

const PANE = 'https://retract.contoso.com';
const headersOf = (out: { headers?: unknown }): Record<string, string> => out.headers as Record<string, string>;

it('puts the security headers on JSON and problem answers, and no-store unless the handler allows caching', () => {
  for (const out of [json(200, { ok: true }), problem(404, 'No such job.'), withSecurityHeaders({ status: 204 })]) {
    expect(headersOf(out)).toMatchObject({ ...API_SECURITY_HEADERS, 'cache-control': 'no-store' });
  }
  // The public OpenAPI document may be cached; its own header wins.
  expect(headersOf(json(200, {}, { 'cache-control': 'public, max-age=300' }))['cache-control']).toBe('public, max-age=300');
});

it('matches allowed origins exactly (case aside), never a prefix, a suffix or the null origin', () => {
  expect(allowedOrigin(PANE, [PANE])).toBe(PANE);
  expect(allowedOrigin('HTTPS://RETRACT.CONTOSO.COM', [PANE])).toBe('HTTPS://RETRACT.CONTOSO.COM');
  for (const o of [`${PANE}.evil.example`, 'https://evil.retract.contoso.com', 'http://retract.contoso.com', `${PANE}:444`, 'null', '', undefined, null]) {
    expect({ o, allowed: allowedOrigin(o, [PANE]) }).toEqual({ o, allowed: null });
  }
  expect(allowedOrigin(PANE, [])).toBeNull();
});

it('adds CORS headers for an allowed origin only, and always says the answer varies by Origin', () => {
  const mine = headersOf(withSecurityHeaders(json(200, {}), { origin: PANE, allowed: [PANE] }));
  expect(mine).toMatchObject({ 'access-control-allow-origin': PANE, 'access-control-expose-headers': 'location, retry-after', vary: 'Origin' });
  const theirs = headersOf(withSecurityHeaders(json(200, {}), { origin: 'https://evil.example', allowed: [PANE] }));
  expect(theirs['access-control-allow-origin']).toBeUndefined();
  expect(theirs.vary).toBe('Origin');
});

it('answers a preflight for the methods the route takes, and nothing else', () => {
  const ok = preflight({ origin: PANE, method: 'post' }, [PANE], ['POST']);
  expect(ok.status).toBe(204);
  expect(headersOf(ok)).toMatchObject({ 'access-control-allow-origin': PANE, 'access-control-allow-methods': 'POST, OPTIONS', 'access-control-allow-headers': 'authorization, content-type' });
  for (const [origin, method] of [[PANE, 'DELETE'], ['https://evil.example', 'POST'], [PANE, undefined]] as const) {
    const out = preflight({ origin, method }, [PANE], ['POST']);
    expect({ origin, method, status: out.status, allow: headersOf(out)['access-control-allow-origin'] }).toEqual({ origin, method, status: 204, allow: undefined });
  }
});

describe('HSTS', () => {
  it('knows the loopback host names, and nothing else, as this machine', () => {
    for (const h of ['localhost', 'LOCALHOST', 'localhost.', 'retract.localhost', '127.0.0.1', '127.12.0.3', '::1', '[::1]']) expect({ h, loopback: isLoopbackHost(h) }).toEqual({ h, loopback: true });
    for (const h of ['retract-func.azurewebsites.net', 'localhost.evil.example', 'mylocalhost', '128.0.0.1', '127.0.0.1.nip.io', '10.0.0.1', '']) expect({ h, loopback: isLoopbackHost(h) }).toEqual({ h, loopback: false });
  });

  // A browser that keeps HSTS for localhost would force https on the developer's other
  // http://localhost sites for a year; Azure's host names keep it.
  it('is sent by a route served from Azure and not by the same route served on localhost', async () => {
    const def: RouteDef = { name: 'probe', methods: ['GET'], route: 'probe', access: 'public', handle: async () => json(200, { ok: true }) };
    const services = { config: { allowedOrigins: [] } } as unknown as Services; // a public route reads nothing else
    const invocation = new InvocationContext({ functionName: 'probe' });
    const at = async (url: string): Promise<Record<string, string>> => headersOf(await runRoute(def, services, new HttpRequest({ method: 'GET', url }), invocation));
    const azure = await at('https://retract-func.azurewebsites.net/api/probe');
    expect(azure).toMatchObject(API_SECURITY_HEADERS);
    for (const url of ['https://localhost:7071/api/probe', 'https://127.0.0.1:7071/api/probe']) {
      const local = await at(url);
      expect({ url, hsts: local['strict-transport-security'] }).toEqual({ url, hsts: undefined });
      const { 'strict-transport-security': _hsts, ...rest } = API_SECURITY_HEADERS;
      expect(local).toMatchObject(rest);
    }
    // forHost leaves an answer for any other host as it was.
    const answer = problem(404, 'No such job.');
    expect(forHost(answer, 'retract-func.azurewebsites.net')).toBe(answer);
  });

  it('is in the production pane site headers and not in the local dev server ones', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- webpack.config.js is CommonJS at the root
    const { taskpaneSecurityHeaders } = require(path.join(__dirname, '..', '..', '..', 'webpack.config.js')) as { taskpaneSecurityHeaders: (o?: { hsts?: boolean }) => Record<string, string> };
    expect(taskpaneSecurityHeaders()['Strict-Transport-Security']).toBe('max-age=31536000; includeSubDomains');
    const local = taskpaneSecurityHeaders({ hsts: false });
    expect(local['Strict-Transport-Security']).toBeUndefined();
    expect(local['Content-Security-Policy']).toContain("default-src 'none'");
  });
});
