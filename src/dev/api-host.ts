/**
 * Hosts the API's registered handlers locally, as the Functions host does in Azure: an HTTPS
 * server that turns each request into an `HttpRequest` for the same route table (src/api/routes)
 * and writes the handler's answer back, plus worker processes (src/dev/worker.ts) that poll the
 * work-item queue.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { MAX_BODY_BYTES } from '../api/http/body';
import { problem } from '../api/http/problem';
import { runRoute } from '../api/http/route';
import { forHost, preflight } from '../api/http/security-headers';
import { ROUTES, matchRoute } from '../api/routes';
import { createServices, type Services } from '../api/services';

export interface ApiHostOptions {
  port?: number;
  host?: string;
  env: Record<string, string | undefined>;
  cert: string;
  key: string;
  /** Worker processes to start (0 by default: tests may run their own). */
  workers?: number;
}

export interface ApiHost {
  /** e.g. `https://localhost:7071/api` */
  url: string;
  port: number;
  services: Services;
  workers: ChildProcess[];
  /** Starts one more worker process (same environment). */
  startWorker(): ChildProcess;
  close(): Promise<void>;
}

const ROOT = path.resolve(__dirname, '..', '..');

/** Starts a worker process running src/dev/worker.ts with this environment. */
export function spawnWorker(env: Record<string, string | undefined>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'dev', 'worker.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...env } as NodeJS.ProcessEnv,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return child;
}

/** Writes an answer as the host it was asked of sends it (no HSTS on localhost: see forHost). */
async function send(res: import('node:http').ServerResponse, answer: HttpResponseInit, hostname: string): Promise<void> {
  const out = forHost(answer, hostname);
  res.statusCode = out.status ?? 200;
  const headers = out.headers ? new Headers(out.headers as Record<string, string>) : new Headers();
  headers.forEach((value, name) => res.setHeader(name, value));
  const body = out.body ?? (out.jsonBody !== undefined ? JSON.stringify(out.jsonBody) : undefined);
  if (body === undefined || body === null) return void res.end();
  if (typeof body === 'string' || body instanceof Uint8Array) return void res.end(body);
  res.end(String(body));
}

export async function startApiHost(options: ApiHostOptions): Promise<ApiHost> {
  const services = createServices(options.env);
  await services.storage.ensure();
  const quiet = (level: string, ...args: unknown[]): void => {
    if (level === 'error') process.stderr.write(`api: ${args.map(String).join(' ')}\n`);
  };

  const server = https.createServer({ cert: options.cert, key: options.key }, (req, res) => {
    const url = new URL(req.url ?? '/', `https://${req.headers.host ?? 'localhost'}`);
    const sub = url.pathname.startsWith('/api/') ? url.pathname.slice(5).replace(/\/+$/, '') : null;
    const method = (req.method ?? 'GET').toUpperCase();
    const matches = sub === null ? [] : ROUTES.map((def) => ({ def, params: matchRoute(def.route, sub) })).filter((m) => m.params);
    if (!matches.length) {
      req.resume();
      void send(res, problem(404, `There is no API route ${url.pathname}. See /api/openapi.json for the routes.`), url.hostname);
      return;
    }
    if (method === 'OPTIONS') {
      // A CORS preflight (in Azure the platform's CORS answers it, for the same origins).
      req.resume();
      const first = (name: string): string | undefined => {
        const v = req.headers[name];
        return Array.isArray(v) ? v[0] : v;
      };
      void send(res, preflight({ origin: first('origin'), method: first('access-control-request-method') }, services.config.allowedOrigins, matches.flatMap((m) => m.def.methods)), url.hostname);
      return;
    }
    const match = matches.find((m) => (m.def.methods as string[]).includes(method));
    if (!match) {
      req.resume();
      const allow = [...new Set(matches.flatMap((m) => m.def.methods))].join(', ');
      void send(res, problem(405, `${url.pathname} does not take ${method}; it takes ${allow}.`, {}, { allow }), url.hostname);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        // Stop buffering at once; the route would refuse it anyway.
        refused = true;
        res.setHeader('connection', 'close');
        void send(res, problem(413, `The request body is larger than ${MAX_BODY_BYTES} bytes (1 MiB). Send fewer ids at once.`), url.hostname);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (refused) return;
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      headers['x-forwarded-for'] = req.socket.remoteAddress ?? 'unknown';
      const query: Record<string, string> = {};
      const request = new HttpRequest({
        method,
        url: url.toString(),
        headers,
        query,
        params: match.params ?? {},
        body: chunks.length ? { bytes: Buffer.concat(chunks) } : undefined,
      });
      // HttpRequest's `query` init takes one value per name; keep repeats as the URL has them.
      url.searchParams.forEach((value, name) => request.query.append(name, value));
      const context = new InvocationContext({ functionName: match.def.name, invocationId: randomUUID(), logHandler: quiet });
      runRoute(match.def, services, request, context)
        .then((out) => send(res, out, url.hostname))
        .catch(() => send(res, problem(500, 'Retract could not complete this request because of an internal error. Try again.'), url.hostname));
    });
  });

  // Longer than clients' idle pools, so a kept-alive socket is not closed just as it is reused.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const workers: ChildProcess[] = [];
  const startWorker = (): ChildProcess => {
    const w = spawnWorker(options.env);
    workers.push(w);
    return w;
  };
  for (let i = 0; i < (options.workers ?? 0); i++) startWorker();

  return {
    url: `https://localhost:${port}/api`,
    port,
    services,
    workers,
    startWorker,
    async close() {
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.exitCode !== null || w.signalCode !== null) return resolve();
              const t = setTimeout(() => w.kill('SIGKILL'), 5000);
              w.once('exit', () => {
                clearTimeout(t);
                resolve();
              });
              w.kill('SIGTERM');
            }),
        ),
      );
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
