/**
 * The Graph JS client, wired as a chain of small middlewares: immutable ids → auth → transport.
 * Retrying, batching and per-mailbox limits live above it (request-scheduler.ts), because a
 * throttled `$batch` item is a 429 inside a 200 that no middleware sees. Tests end the chain
 * in a handler that returns canned Responses, as the client's own tests do.
 *
 * Every request has a time limit (100 s by default, as Microsoft's Graph SDKs use): a request
 * that never answers fails as a network failure, which the scheduler retries, instead of
 * holding its worker forever.
 */
import {
  AuthenticationHandler,
  Client,
  HTTPMessageHandler,
  ResponseType,
  type AuthenticationProvider,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import { PreferImmutableIdHandler } from './prefer-immutable-id';
import type { GraphCall, GraphResponse, GraphTransport } from './graph-http';

export interface GraphTransportOptions {
  /** e.g. `https://graph.microsoft.com/v1.0` or the simulator's `{origin}/v1.0`. */
  graphBase: string;
  authProvider: AuthenticationProvider;
  /** The last middleware; the real HTTP handler unless a test gives its own. */
  finalHandler?: Middleware;
  /** Milliseconds one HTTP request may take before it is abandoned (default `DEFAULT_REQUEST_TIMEOUT_MS`). */
  timeoutMs?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 100_000;

/** What a request that ran out of time fails with (the scheduler treats it as a network failure). */
export class GraphTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`Microsoft Graph did not answer within ${Math.round(timeoutMs / 100) / 10} s.`);
    this.name = 'GraphTimeoutError';
  }
}

export function createGraphTransport(opts: GraphTransportOptions): GraphTransport {
  const base = opts.graphBase.replace(/\/+$/, '');
  const url = new URL(base);
  const client = Client.initWithMiddleware({
    middleware: [new PreferImmutableIdHandler(), new AuthenticationHandler(opts.authProvider), opts.finalHandler ?? new HTTPMessageHandler()],
    // The auth handler adds the token only for Graph's own hosts or these.
    customHosts: new Set([url.hostname]),
  });

  const timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;

  return async (call: GraphCall, signal?: AbortSignal): Promise<GraphResponse> => {
    // The token first, under its own time limits (the token provider's): a slow token request
    // must not eat this request's. The handler below then finds it in MSAL's cache.
    await opts.authProvider.getAccessToken();
    const timeout = AbortSignal.timeout(timeoutMs);
    let request = client.api(base + call.url).responseType(ResponseType.RAW);
    if (call.headers) request = request.headers(call.headers);
    request = request.option('signal', signal ? AbortSignal.any([signal, timeout]) : timeout);
    try {
      let raw: unknown;
      switch (call.method) {
        case 'GET':
          raw = await request.get();
          break;
        case 'POST':
          raw = await request.post(call.body ?? {});
          break;
        case 'PATCH':
          raw = await request.patch(call.body ?? {});
          break;
        case 'DELETE':
          raw = await request.delete();
          break;
      }
      // The body is read under the same time limit: a server may stall after the headers.
      return await readResponse(raw as Response);
    } catch (err) {
      if (timeout.aborted && !signal?.aborted) throw new GraphTimeoutError(timeoutMs);
      throw err;
    }
  };
}

export async function readResponse(res: Response): Promise<GraphResponse> {
  const headers: Record<string, string> = {};
  res.headers.forEach((value, key) => {
    headers[key.toLowerCase()] = value;
  });
  const text = res.status === 204 ? '' : await res.text();
  let body: unknown = null;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: res.status, headers, body };
}
