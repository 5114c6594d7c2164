/**
 * The end of the Graph client's middleware chain for unit tests, as the Graph JS client's own
 * tests do it: a handler that answers with canned Responses, so the whole chain (immutable ids,
 * auth, the scheduler above it) runs with no network. It records every HTTP request and every
 * `$batch` item, and how many items per mailbox were in flight at once.
 */
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { setMaxListeners } from 'node:events';
import { createGraphGateway, MAX_BATCH_SIZE, type GraphGateway } from '../../../src/graph';
import { createGraphTransport } from '../../../src/graph/graph-transport';

export const BASE = 'https://graph.test/v1.0';

export interface CannedCall {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

export interface CannedAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  delayMs?: number;
}

export type Answer = (call: CannedCall) => CannedAnswer | Promise<CannedAnswer>;

export class CannedGraph implements Middleware {
  readonly http: CannedCall[] = [];
  readonly items: CannedCall[] = [];
  readonly maxInFlight = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly answer: Answer) {}

  async execute(context: Context): Promise<void> {
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    const headers = Object.fromEntries(new Headers(context.options?.headers as HeadersInit).entries());
    const raw = context.options?.body;
    const body = typeof raw === 'string' && raw !== '' ? JSON.parse(raw) : undefined;
    const method = (context.options?.method ?? 'GET').toUpperCase();
    const call: CannedCall = { method, url: url.slice(BASE.length), headers, body };
    this.http.push(call);
    const signal = context.options?.signal ?? undefined;
    // Every item of a batch waits on the batch's one signal (at most 20 of them).
    if (signal) setMaxListeners(MAX_BATCH_SIZE + 1, signal);
    if (call.url === '/$batch') {
      const requests = (body as { requests: Array<{ id: string; method: string; url: string; headers?: Record<string, string>; body?: unknown }> }).requests;
      const responses = await Promise.all(
        requests.map(async (r) => {
          const item: CannedCall = { method: r.method, url: r.url, headers: r.headers ?? {}, body: r.body };
          this.items.push(item);
          const a = await this.track(item, signal);
          return { id: r.id, status: a.status, headers: a.headers ?? {}, body: a.body };
        }),
      );
      // Graph answers batch items in any order.
      responses.reverse();
      context.response = new Response(JSON.stringify({ responses }), { status: 200, headers: { 'content-type': 'application/json' } });
      return;
    }
    this.items.push(call);
    const a = await this.track(call, signal);
    context.response = new Response(a.status === 204 ? null : JSON.stringify(a.body ?? null), { status: a.status, headers: { 'content-type': 'application/json', ...a.headers } });
  }

  private async track(call: CannedCall, signal?: AbortSignal): Promise<CannedAnswer> {
    const mailbox = /^\/users\/([^/?]+)\/(messages|mailFolders)/.exec(call.url)?.[1];
    if (mailbox) {
      const n = (this.inFlight.get(mailbox) ?? 0) + 1;
      this.inFlight.set(mailbox, n);
      this.maxInFlight.set(mailbox, Math.max(n, this.maxInFlight.get(mailbox) ?? 0));
    }
    try {
      const a = await this.answer(call);
      if (a.delayMs) {
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(resolve, a.delayMs);
          signal?.addEventListener('abort', () => {
            clearTimeout(t);
            reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
          });
        });
      }
      return a;
    } finally {
      if (mailbox) this.inFlight.set(mailbox, (this.inFlight.get(mailbox) ?? 1) - 1);
    }
  }
}

export function cannedGateway(answer: Answer, opts: { maxConcurrency?: number; retryBudget?: number; throttleBudgetMs?: number; timeoutMs?: number } = {}): { gateway: GraphGateway; graph: CannedGraph } {
  const graph = new CannedGraph(answer);
  const { timeoutMs, ...rest } = opts;
  const transport = createGraphTransport({
    graphBase: BASE,
    authProvider: { getAccessToken: async () => 'canned-token' },
    finalHandler: graph,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  });
  const gateway = createGraphGateway({ graphBase: BASE, authorityHost: 'https://login.test', tenantId: 't', clientId: 'c', clientSecret: 's', transport, ...rest });
  return { gateway, graph };
}
