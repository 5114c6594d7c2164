/**
 * The simulated tenant's HTTPS server: one origin serving Entra (identity part), Graph
 * (graph part), Exchange (exchange part) and the /_sim controls. Every request passes here:
 * it gets Microsoft's `request-id`/`client-request-id` headers, Graph and Exchange requests
 * get the fault settings (latency while holding the per-app-per-mailbox place, concurrency and
 * rate throttling, error rates), and each is recorded for /_sim/requests. `$batch` is
 * unpacked here so its items pass through the same gate one by one.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { SimContext, SimIdentity, SimPart } from './context';
import { createControlPart, RequestLog } from './control';
import { exchangePart } from './exchange';
import { FaultState, NO_FAULTS, type SimFaultsInput, faultsSchema } from './faults';
import type { TenantFixture } from './fixture';
import { graphError, graphPart, mailboxSegment } from './graph';
import { json, SimRouter, type SimRequest, type SimResponse } from './http';
import { createIdentity } from './identity';
import { SimTenant } from './tenant';

export interface SimServerOptions {
  fixture: TenantFixture;
  cert: string;
  key: string;
  port?: number;
  host?: string;
  faults?: SimFaultsInput;
  now?: () => Date;
}

export interface SimServer {
  origin: string;
  port: number;
  tenantId: string;
  ctx: SimContext;
  close(): Promise<void>;
}

const MAX_BODY = 4 * 1024 * 1024;
const BATCH_LIMIT = 20;
/** Outlook runs at most 4 items of one batch at a time against one mailbox. */
const BATCH_PER_MAILBOX = 4;

const batchSchema = z.object({
  requests: z.array(
    z.object({
      id: z.string().min(1),
      method: z.string().min(1),
      url: z.string().min(1),
      headers: z.record(z.string(), z.string()).optional(),
      body: z.unknown().optional(),
      dependsOn: z.array(z.string()).optional(),
    }),
  ),
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function headerValue(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Claims of a bearer token read without checking it (only to key throttling and records). */
const peekCache = new Map<string, Record<string, unknown> | null>();
function peekClaims(req: SimRequest): Record<string, unknown> | null {
  const auth = headerValue(req, 'authorization') ?? '';
  const cached = peekCache.get(auth);
  if (cached !== undefined) return cached;
  const m = /^Bearer\s+[^.]+\.([^.]+)\./i.exec(auth);
  let claims: Record<string, unknown> | null = null;
  if (m) {
    try {
      const parsed: unknown = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8'));
      if (parsed && typeof parsed === 'object') claims = parsed as Record<string, unknown>;
    } catch {
      claims = null;
    }
  }
  // Tokens are reused for an hour; a bounded cache keeps peeking off the hot path.
  if (peekCache.size > 1000) peekCache.clear();
  peekCache.set(auth, claims);
  return claims;
}

/** The calling app (and user, for delegated tokens): the throttling key's first half. */
function callerApp(req: SimRequest): string {
  const claims = peekClaims(req);
  if (!claims) return 'anonymous';
  const app = claims.azp ?? claims.appid;
  const oid = claims.oid;
  return typeof app === 'string' ? `${app}${typeof oid === 'string' && claims.scp ? `/${oid}` : ''}` : 'anonymous';
}

function tokenOid(req: SimRequest): string | undefined {
  const oid = peekClaims(req)?.oid;
  return typeof oid === 'string' ? oid : undefined;
}

/** The decoded path; Graph's `/me/…` is routed as `/users/me/…` (resolved from the token). */
function decodePath(raw: string): string | undefined {
  try {
    return raw
      .split('/')
      .map((s) => decodeURIComponent(s))
      .join('/')
      .replace(/^\/v1\.0\/me(?=\/|$)/i, '/v1.0/users/me');
  } catch {
    return undefined;
  }
}

export async function startSimServer(opts: SimServerOptions): Promise<SimServer> {
  const now = opts.now ?? (() => new Date());
  const tenant = new SimTenant(opts.fixture, { start: now() });
  const faults = new FaultState(opts.faults ? faultsSchema.parse(opts.faults) : NO_FAULTS);
  const requests = new RequestLog();
  // The origin is filled in once the server listens (port 0 picks a free port).
  const ctx = { origin: '', tenantId: opts.fixture.tenant.id, fixture: opts.fixture, tenant, now } as SimContext;
  const identity: SimIdentity & SimPart = createIdentity(ctx);
  ctx.identity = identity;

  const router = new SimRouter();
  const parts: SimPart[] = [identity, graphPart, exchangePart, createControlPart({ faults, requests })];
  for (const p of parts) p.register(router, ctx);

  /** The mailbox a request addresses: the key for throttling and what /_sim/requests shows. */
  const mailboxOf = (req: SimRequest): { key: string; label: string } | undefined => {
    let seg = mailboxSegment(req.path);
    if (seg === undefined) {
      if (req.path.toLowerCase().startsWith('/adminapi/')) {
        const anchor = headerValue(req, 'x-anchormailbox');
        return anchor ? { key: anchor.toLowerCase(), label: anchor } : undefined;
      }
      return undefined;
    }
    if (seg === 'me') seg = tokenOid(req) ?? 'me';
    const user = tenant.findUser(seg);
    if (!user) return { key: seg.toLowerCase(), label: seg };
    return { key: user.id, label: user.mail ?? user.userPrincipalName };
  };

  const notFound = (req: SimRequest): SimResponse => {
    if (req.path.toLowerCase().startsWith('/v1.0/'))
      return graphError(ctx, req, 400, 'BadRequest', `Resource not found for the segment '${req.path.split('/').filter(Boolean).slice(-1)[0] ?? ''}'.`);
    return json(404, { error: { code: 'NotFound', message: `Nothing is served at ${req.path}.` } });
  };

  const throttled = (req: SimRequest, reason: 'concurrency' | 'rate', retryAfter: number): SimResponse => {
    const headers = { 'retry-after': String(retryAfter) };
    const r = reason === 'concurrency' ? graphError(ctx, req, 429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', headers) : graphError(ctx, req, 429, 'TooManyRequests', 'Please retry again later.', headers);
    // Graph's throttling answer repeats the status inside innerError (see the throttling docs).
    const inner = (r.body as { error: { innerError: Record<string, string> } }).error.innerError;
    Object.assign(inner, { code: '429', status: '429', message: 'Please retry after' });
    return r;
  };

  /** One request (or $batch item) through the gate: faults, the handler, the record. */
  const serve = async (req: SimRequest, seq: number = requests.nextSeq()): Promise<SimResponse> => {
    const startedAt = Date.now();
    const mailbox = mailboxOf(req);
    let res: SimResponse;
    const faultable = /^\/(v1\.0|adminapi)\//i.test(req.path) && !/^\/v1\.0\/\$batch\/?$/i.test(req.path);
    try {
      if (!faultable) {
        const h = router.match(req);
        res = h ? await h(req) : notFound(req);
      } else {
        const key = `${callerApp(req)}|${mailbox?.key ?? '*'}`;
        const place = faults.admit(key, Date.now(), mailbox !== undefined);
        if (!place.ok) res = throttled(req, place.reason, place.retryAfterSeconds);
        else {
          try {
            const latency = faults.faults.latencyMs;
            if (latency > 0) await sleep(latency);
            const failWith = faults.drawError();
            if (failWith === 429) res = throttled(req, 'rate', 1);
            else if (failWith !== undefined) res = graphError(ctx, req, failWith, failWith === 503 ? 'ServiceUnavailable' : 'InternalServerError', failWith === 503 ? 'Service unavailable, please retry later.' : 'An internal server error occurred.', { 'retry-after': '1' });
            else {
              const h = router.match(req);
              res = h ? await h(req) : notFound(req);
            }
          } finally {
            place.release();
          }
        }
      }
    } catch (e) {
      // A handler bug must answer as a server error, never take the simulator down.
      console.error(`sim: ${req.method} ${req.path} failed: ${(e as Error).stack ?? String(e)}`);
      res = graphError(ctx, req, 500, 'InternalServerError', 'The simulator failed to process the request.');
    }
    if (!(req.path === '/_sim/requests' && req.method === 'GET'))
      requests.add({ seq, method: req.method, path: req.path, status: res.status, mailbox: mailbox?.label ?? null, startedAt, endedAt: Date.now() });
    return res;
  };

  /** `itemSeqs`: filled with the log seq of each item served (to tell what the batch did). */
  const batch = async (req: SimRequest, itemSeqs: number[] = []): Promise<SimResponse> => {
    const bad = (message: string) => graphError(ctx, req, 400, 'BadRequest', message);
    let raw: unknown;
    try {
      raw = JSON.parse(req.body.toString('utf8'));
    } catch {
      return bad('Invalid batch payload format.');
    }
    const parsed = batchSchema.safeParse(raw);
    if (!parsed.success) return bad('Invalid batch payload format.');
    const items = parsed.data.requests;
    if (items.length === 0) return bad('Invalid batch payload format: no requests.');
    if (items.length > BATCH_LIMIT) return bad(`The number of requests in the batch exceeds the limit of ${BATCH_LIMIT}.`);
    const ids = new Set<string>();
    for (const it of items) {
      if (ids.has(it.id)) return bad(`Request id '${it.id}' is duplicated. Each request in a batch must have a unique id.`);
      ids.add(it.id);
    }
    for (const it of items) {
      for (const d of it.dependsOn ?? []) if (!ids.has(d) || d === it.id) return bad(`Request '${it.id}' depends on '${d}', which is not an earlier request of this batch.`);
      const hasContentType = Object.keys(it.headers ?? {}).some((h) => h.toLowerCase() === 'content-type');
      if (it.body !== undefined && !hasContentType) return bad(`Write request id : ${it.id} does not contain Content-Type header or body.`);
    }

    const subRequest = (it: (typeof items)[number]): SimRequest | SimResponse => {
      const rel = it.url.replace(/^https?:\/\/[^/]+/i, '').replace(/^\/?(v1\.0\/)?/i, '/v1.0/');
      const url = new URL(ctx.origin + rel);
      const rawPath = url.pathname;
      const path = decodePath(rawPath);
      if (path === undefined) return graphError(ctx, req, 400, 'BadRequest', 'The request URL is malformed.');
      const headers: Record<string, string> = {};
      for (const h of ['authorization', 'client-request-id', 'prefer']) {
        const v = headerValue(req, h);
        if (v !== undefined) headers[h] = v;
      }
      for (const [k, v] of Object.entries(it.headers ?? {})) headers[k.toLowerCase()] = v;
      let body = Buffer.alloc(0);
      if (it.body !== undefined) body = Buffer.from(typeof it.body === 'string' && !/json/i.test(headers['content-type'] ?? '') ? Buffer.from(it.body, 'base64') : JSON.stringify(it.body));
      return { method: it.method.toUpperCase(), url, path, rawPath, headers, params: {}, body, batch: { id: it.id }, requestId: randomUUID() };
    };

    const results = new Map<string, SimResponse>();
    const out: unknown[] = [];
    const running = new Map<string, number>();
    const pending = [...items];
    await new Promise<void>((resolve) => {
      let active = 0;
      const answer = (id: string, r: SimResponse) => {
        results.set(id, r);
        const headers: Record<string, string> = { 'Cache-Control': 'no-cache', 'x-ms-resource-unit': '1', 'OData-Version': '4.0' };
        // Batch items carry headers in Graph's own casing (Retry-After, Content-Type, OData-Version).
        for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase() === 'odata-version' ? 'OData-Version' : k.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase())] = v;
        const item: Record<string, unknown> = { id, status: r.status, headers };
        if (r.body !== undefined && r.body !== '') item.body = Buffer.isBuffer(r.body) ? r.body.toString('base64') : r.body;
        out.push(item);
      };
      const pump = () => {
        let progressed = true;
        while (progressed) {
          progressed = false;
          for (const it of [...pending]) {
            const deps = it.dependsOn ?? [];
            if (!deps.every((d) => results.has(d))) continue;
            const failedDep = deps.find((d) => results.get(d)!.status >= 400);
            if (failedDep !== undefined) {
              pending.splice(pending.indexOf(it), 1);
              answer(it.id, graphError(ctx, req, 424, 'FailedDependency', `The request depends on request '${failedDep}', which failed.`));
              progressed = true;
              continue;
            }
            const sub = subRequest(it);
            if (!('path' in sub)) {
              pending.splice(pending.indexOf(it), 1);
              answer(it.id, sub);
              progressed = true;
              continue;
            }
            const mb = mailboxOf(sub)?.key ?? `*${it.id}`;
            // Outlook runs at most 4 items of a batch at once per mailbox; the rest wait their turn.
            if ((running.get(mb) ?? 0) >= BATCH_PER_MAILBOX) continue;
            pending.splice(pending.indexOf(it), 1);
            running.set(mb, (running.get(mb) ?? 0) + 1);
            active++;
            const itemSeq = requests.nextSeq();
            itemSeqs.push(itemSeq);
            void serve(sub, itemSeq).then((r) => {
              running.set(mb, (running.get(mb) ?? 1) - 1);
              active--;
              answer(it.id, r);
              pump();
            });
          }
        }
        if (active === 0) {
          // Whatever is still pending waits on a cycle of dependencies: it can never run.
          for (const it of pending.splice(0)) answer(it.id, graphError(ctx, req, 424, 'FailedDependency', 'The request depends on a request that never ran (a cycle in dependsOn).'));
          resolve();
        }
      };
      pump();
    });
    return json(200, { responses: out }, { 'odata-version': '4.0' });
  };

  /** Whether these records (one request and its $batch items) include a change to a mailbox that was made. */
  const changedMailbox = (records: Array<{ method: string; path: string; status: number }>): boolean =>
    records.some((r) => r.method !== 'GET' && r.status >= 200 && r.status < 300 && /\/(messages|mailFolders)(\/|$)/i.test(r.path));

  const onRequest = (nreq: IncomingMessage, nres: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    nreq.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) tooBig = true;
      else chunks.push(c);
    });
    nreq.on('end', () => {
      void (async () => {
        const requestId = randomUUID();
        const clientRequestId = (nreq.headers['client-request-id'] as string | undefined) ?? requestId;
        const common: Record<string, string> = { 'request-id': requestId, 'client-request-id': clientRequestId };
        const send = (r: SimResponse) => {
          const headers: Record<string, string> = { ...common, ...(r.headers ?? {}) };
          let payload: Buffer | string | undefined;
          if (r.body === undefined) payload = undefined;
          else if (typeof r.body === 'string' || Buffer.isBuffer(r.body)) payload = r.body;
          else {
            payload = JSON.stringify(r.body);
            if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json; charset=utf-8';
          }
          nres.writeHead(r.status, headers);
          nres.end(payload);
        };
        const rawUrl = nreq.url ?? '/';
        let url: URL;
        try {
          url = new URL(rawUrl, ctx.origin || 'https://localhost');
        } catch {
          return send(json(400, { error: { code: 'BadRequest', message: 'The request URL is malformed.' } }));
        }
        const rawPath = url.pathname;
        const path = decodePath(rawPath);
        if (path === undefined) return send(json(400, { error: { code: 'BadRequest', message: 'The request path is not valid percent-encoding.' } }));
        const req: SimRequest = { method: (nreq.method ?? 'GET').toUpperCase(), url, path, rawPath, headers: nreq.headers, params: {}, body: Buffer.concat(chunks), requestId };
        if (tooBig) return send(graphError(ctx, req, 413, 'RequestEntityTooLarge', 'The request body is too large.'));
        // Graph answers browsers (CORS) as Microsoft's does; /_sim does too, for the demo pages.
        const origin = nreq.headers.origin;
        if (origin && /^\/(v1\.0|_sim)(\/|$)/i.test(path)) {
          Object.assign(common, { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'request-id, client-request-id, retry-after, preference-applied', vary: 'Origin' });
          if (req.method === 'OPTIONS') {
            return send({
              status: 204,
              headers: {
                'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
                'access-control-allow-headers': (nreq.headers['access-control-request-headers'] as string | undefined) ?? 'authorization, content-type',
                'access-control-max-age': '3600',
              },
            });
          }
        }
        const seq = requests.nextSeq();
        // What a network does to a request to Entra ID, Graph or Exchange (PUT /_sim/faults
        // `connection`); /_sim and the OME portal's pages are not the services under test.
        const network = !/^\/(_sim|ome)(\/|$)/i.test(path);
        const service = /^\/v1\.0\//i.test(path) ? 'graph' : /^\/adminapi\//i.test(path) ? 'exchange' : 'identity';
        const cut = network ? faults.drawConnectionFault(service) : undefined;
        if (cut) {
          const at = Date.now();
          requests.add({ seq, method: req.method, path, status: 0, mailbox: mailboxOf(req)?.label ?? null, startedAt: at, endedAt: at, fault: cut });
          // A reset closes the connection at once; a hang keeps it open and silent until the
          // client gives up (or the simulator closes).
          if (cut === 'reset') nreq.socket.destroy();
          return;
        }
        let r: SimResponse;
        const mine = [seq];
        if (req.method === 'POST' && /^\/v1\.0\/\$batch\/?$/i.test(path)) {
          const started = Date.now();
          r = await batch(req, mine);
          requests.add({ seq, method: 'POST', path, status: r.status, mailbox: null, startedAt: started, endedAt: Date.now() });
        } else r = await serve(req, seq);
        if (network && faults.loseAnswer(() => changedMailbox(requests.since(seq).requests.filter((x) => mine.includes(x.seq))))) {
          // Done, and the answer never leaves: the connection stays open and silent.
          requests.mark(seq, 'lost-answer');
          return;
        }
        send(r);
      })().catch((e: unknown) => {
        console.error(`sim: request failed: ${(e as Error).stack ?? String(e)}`);
        if (!nres.headersSent) nres.writeHead(500, { 'content-type': 'application/json' });
        nres.end(JSON.stringify({ error: { code: 'InternalServerError', message: 'The simulator failed to process the request.' } }));
      });
    });
  };

  const server: Server = createServer({ cert: opts.cert, key: opts.key, keepAlive: true }, onRequest);
  server.keepAliveTimeout = 5000;
  const host = opts.host ?? 'localhost';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  ctx.origin = `https://localhost:${port}`;
  return {
    origin: ctx.origin,
    port,
    tenantId: ctx.tenantId,
    ctx,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
