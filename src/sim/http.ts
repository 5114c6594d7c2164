/**
 * The simulated tenant's HTTP primitives: a request as the handlers see it, a response they
 * return, and a small router. Handlers never write to Node's response object themselves, so
 * the server can apply faults, record the request and add Microsoft's common headers in one
 * place.
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface SimRequest {
  method: string;
  /** Full URL as received (origin from the Host header). */
  url: URL;
  /** Decoded path without query, e.g. `/v1.0/users/adele@contoso.com/messages`. */
  path: string;
  /** The raw, still percent-encoded path: Graph ids and OData literals are matched on it. */
  rawPath: string;
  headers: IncomingHttpHeaders;
  /** Route parameters (decoded), filled by the router. */
  params: Record<string, string>;
  body: Buffer;
  /** Set by the router for sub-requests of a `$batch`. */
  batch?: { id: string };
  /** Set by the server: the `request-id` header it answers with (Graph puts it in innerError). */
  requestId?: string;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  /** A string or Buffer is sent as is; anything else is sent as JSON. */
  body?: unknown;
}

export type SimHandler = (req: SimRequest) => Promise<SimResponse> | SimResponse;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: SimHandler;
}

/**
 * Path patterns use `:name` for one segment and `:name*` for the rest of the path, e.g.
 * `/v1.0/users/:user/messages/:id`. Matching is on the decoded path, case-insensitive as
 * Graph's is for its own segment names.
 */
export class SimRouter {
  private readonly routes: Route[] = [];

  add(method: string, path: string, handler: SimHandler): this {
    const names: string[] = [];
    const source = path
      .split('/')
      .map((seg) => {
        const rest = /^:(\w+)\*$/.exec(seg);
        if (rest) {
          names.push(rest[1]!);
          return '(.*)';
        }
        const one = /^:(\w+)$/.exec(seg);
        if (one) {
          names.push(one[1]!);
          return '([^/]+)';
        }
        return seg.replace(/[.*+?^${}()|[\]\\$]/g, '\\$&');
      })
      .join('/');
    this.routes.push({ method: method.toUpperCase(), pattern: new RegExp(`^${source}/?$`, 'i'), names, handler });
    return this;
  }

  get(path: string, h: SimHandler) {
    return this.add('GET', path, h);
  }
  post(path: string, h: SimHandler) {
    return this.add('POST', path, h);
  }
  put(path: string, h: SimHandler) {
    return this.add('PUT', path, h);
  }
  patch(path: string, h: SimHandler) {
    return this.add('PATCH', path, h);
  }
  delete(path: string, h: SimHandler) {
    return this.add('DELETE', path, h);
  }

  /** The handler for a request, with its params filled in; `undefined` when none matches. */
  match(req: SimRequest): SimHandler | undefined {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(req.path);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== req.method.toUpperCase()) continue;
      req.params = {};
      route.names.forEach((name, i) => {
        req.params[name] = m[i + 1] ?? '';
      });
      return route.handler;
    }
    if (pathMatched) return () => ({ status: 405, body: { error: { code: 'BadRequest', message: 'Method not allowed.' } } });
    return undefined;
  }
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): SimResponse {
  return { status, body, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } };
}

export function parseJsonBody<T = unknown>(req: SimRequest): T | undefined {
  if (req.body.length === 0) return undefined;
  try {
    return JSON.parse(req.body.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}
