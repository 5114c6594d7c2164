/** The headers every API answer gets, and CORS for the allowed origins only. */
import { json, problem } from '../../../src/api/http/problem';
import { API_SECURITY_HEADERS, allowedOrigin, preflight, withSecurityHeaders } from '../../../src/api/http/security-headers';

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
