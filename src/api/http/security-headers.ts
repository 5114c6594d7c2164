/**
 * The headers every API answer carries, and CORS for the task pane's origin only. Applied in
 * runRoute (Azure Functions and the local host alike) and to the local host's own 404/405/413
 * and preflight answers, so no answer leaves without them.
 */
import type { HttpResponseInit } from '@azure/functions';

/** A JSON API is never a document: no sources, never framed, never sniffed, HTTPS only. */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
};

/**
 * Whether a host name is this machine (`localhost`, `*.localhost`, 127.0.0.0/8, `::1`): the
 * local dev servers. They send no HSTS, because a browser that keeps it for `localhost` would
 * force https on every other `http://localhost` site the developer runs, for a year.
 */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(h) || h === '::1';
}

/**
 * The answer as the host it is served from should send it: without HSTS on a loopback host
 * (see isLoopbackHost), unchanged anywhere else (Azure: `https://NAME.azurewebsites.net`).
 */
export function forHost(out: HttpResponseInit, hostname: string): HttpResponseInit {
  if (!isLoopbackHost(hostname)) return out;
  const headers = headerRecord(out.headers);
  delete headers['strict-transport-security'];
  return { ...out, headers };
}

/** Methods and request headers a browser on an allowed origin may use. */
const CORS_METHODS = 'GET, POST, PUT, OPTIONS';
const CORS_REQUEST_HEADERS = 'authorization, content-type';
/** Response headers the pane's script may read (a 202's job location, a 429's wait). */
const CORS_EXPOSED_HEADERS = 'location, retry-after';

function headerRecord(headers: HttpResponseInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(headers as HeadersInit | undefined).forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

/** The exact origin, if it is one of the allowed ones (compared as origins, case-insensitive). */
export function allowedOrigin(origin: string | null | undefined, allowed: readonly string[]): string | null {
  if (!origin || origin === 'null') return null;
  const o = origin.toLowerCase();
  return allowed.some((a) => a.toLowerCase() === o) ? origin : null;
}

/**
 * The answer with the security headers added (a handler's own values win, except that nothing
 * can be cached unless the handler says so), and, for a request from an allowed origin, the
 * CORS headers that let the task pane read it.
 */
export function withSecurityHeaders(out: HttpResponseInit, cors?: { origin: string | null | undefined; allowed: readonly string[] }): HttpResponseInit {
  const headers: Record<string, string> = { ...API_SECURITY_HEADERS, 'cache-control': 'no-store', ...headerRecord(out.headers) };
  if (cors) {
    const origin = allowedOrigin(cors.origin, cors.allowed);
    headers.vary = headers.vary ? `${headers.vary}, Origin` : 'Origin';
    if (origin) {
      headers['access-control-allow-origin'] = origin;
      headers['access-control-expose-headers'] = CORS_EXPOSED_HEADERS;
    }
  }
  return { ...out, headers };
}

/**
 * The answer to a CORS preflight (`OPTIONS`): 204 with the Access-Control-* headers when the
 * origin is allowed and asks for a method the route takes; 204 without them otherwise (the
 * browser then refuses the call, and learns nothing else).
 */
export function preflight(
  request: { origin: string | null | undefined; method: string | null | undefined },
  allowed: readonly string[],
  routeMethods: readonly string[],
): HttpResponseInit {
  const origin = allowedOrigin(request.origin, allowed);
  const method = (request.method ?? '').toUpperCase();
  const headers: Record<string, string> = { vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers' };
  if (origin && routeMethods.includes(method)) {
    Object.assign(headers, {
      'access-control-allow-origin': origin,
      'access-control-allow-methods': CORS_METHODS.split(', ').filter((m) => m === 'OPTIONS' || routeMethods.includes(m)).join(', '),
      'access-control-allow-headers': CORS_REQUEST_HEADERS,
      'access-control-max-age': '600',
    });
  }
  return withSecurityHeaders({ status: 204, headers });
}
