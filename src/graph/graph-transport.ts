/**
 * The Graph JS client, wired as a chain of small middlewares: immutable ids → auth → transport.
 * Retrying, batching and per-mailbox limits live above it (request-scheduler.ts), because a
 * throttled `$batch` item is a 429 inside a 200 that no middleware sees. Tests end the chain
 * in a handler that returns canned Responses, as the client's own tests do.
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
}

export function createGraphTransport(opts: GraphTransportOptions): GraphTransport {
  const base = opts.graphBase.replace(/\/+$/, '');
  const url = new URL(base);
  const client = Client.initWithMiddleware({
    middleware: [new PreferImmutableIdHandler(), new AuthenticationHandler(opts.authProvider), opts.finalHandler ?? new HTTPMessageHandler()],
    // The auth handler adds the token only for Graph's own hosts or these.
    customHosts: new Set([url.hostname]),
  });

  return async (call: GraphCall, signal?: AbortSignal): Promise<GraphResponse> => {
    let request = client.api(base + call.url).responseType(ResponseType.RAW);
    if (call.headers) request = request.headers(call.headers);
    if (signal) request = request.option('signal', signal);
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
    return readResponse(raw as Response);
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
