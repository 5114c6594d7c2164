/**
 * A stand-in for the local stack, for the CLI's own tests of its process boundary: one HTTPS
 * origin (the dev CA's localhost certificate) serving the simulated tenant's real Entra ID
 * part (tokens that msal-node obtains and jose verifies) and a small fake of the Retract API
 * that checks the bearer token and its roles and answers with documents validated by the
 * contracts' schemas. The real API is tested in cli-stack.test.ts.
 */
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import {
  jobAcceptedSchema,
  jobRequestSchema,
  jobSchema,
  lookupRequestSchema,
  lookupSchema,
  problemSchema,
  type Job,
} from '../../../src/contracts';
import { ensureDevCerts } from '../../../src/dev/certs';
import type { SimContext } from '../../../src/sim/context';
import { parseTenantFixture } from '../../../src/sim/fixture';
import { SimRouter, type SimRequest, type SimResponse } from '../../../src/sim/http';
import { createIdentity } from '../../../src/sim/identity';
import { SimTenant } from '../../../src/sim/tenant';

export const TENANT_ID = '6b1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
export const API_ID = '7c000000-0000-4000-8000-000000000001';
export const CLI_ID = '7c000000-0000-4000-8000-000000000002';
export const READER_ID = '7c000000-0000-4000-8000-000000000003';
export const CLI_SECRET = 'cli-secret-value-123';
export const READER_SECRET = 'reader-secret-value-456';
export const API_SCOPE = `api://localhost:3000/${API_ID}/.default`;
export const MESSAGE_ID = '<phish-7@evil.example>';

function fixture() {
  return parseTenantFixture({
    tenant: { id: TENANT_ID, displayName: 'Contoso', initialDomain: 'contoso.onmicrosoft.com' },
    domains: [{ id: 'contoso.com', isVerified: true, isDefault: true }],
    users: [{ id: 'a7000000-0000-4000-8000-000000000001', displayName: 'Adele Vance', userPrincipalName: 'adele@contoso.com', mail: 'adele@contoso.com', password: 'demo' }],
    apps: [
      {
        name: 'retract-api',
        clientId: API_ID,
        secret: 'api-secret',
        identifierUri: `api://localhost:3000/${API_ID}`,
        applicationPermissions: ['Mail.ReadWrite'],
        appRoles: ['Retract.Admin', 'Retract.Auditor'],
        adminConsent: true,
        accessTokenVersion: 2,
      },
      { name: 'retract-cli', clientId: CLI_ID, secret: CLI_SECRET, appRolesOnApi: ['Retract.Admin'] },
      { name: 'soc-reader', clientId: READER_ID, secret: READER_SECRET, appRolesOnApi: ['Retract.Auditor'] },
    ],
    mail: [],
  });
}

export interface FakeStack {
  origin: string;
  api: string;
  caFile: string;
  /** Every API request: method, path and the caller's client id. */
  apiRequests: { method: string; path: string; clientId?: string }[];
  /** Writes a dev-stack file (as `npm start` does) and answers with its path. */
  writeDevStack(overrides?: Record<string, unknown>): string;
  close(): Promise<void>;
}

function problem(status: number, title: string, detail: string): SimResponse {
  return {
    status,
    headers: { 'content-type': 'application/problem+json' },
    body: JSON.stringify(problemSchema.parse({ type: 'about:blank', title, status, detail })),
  };
}

function ok(status: number, body: unknown): SimResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

export async function startFakeStack(): Promise<FakeStack> {
  const certs = ensureDevCerts();
  const fx = fixture();
  const router = new SimRouter();
  const base = { origin: '', tenantId: TENANT_ID, fixture: fx, tenant: new SimTenant(fx), now: () => new Date() };
  const identity = createIdentity(base);
  const ctx: SimContext = Object.assign(base, { identity });
  const apiRequests: FakeStack['apiRequests'] = [];
  const jobs = new Map<string, { job: Job; polls: number; runningPolls: number }>();
  const lookups = new Map<string, string>();
  let jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

  async function caller(req: SimRequest): Promise<{ clientId: string; roles: string[] } | undefined> {
    const auth = req.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ')) return undefined;
    jwks ??= createRemoteJWKSet(new URL(`${ctx.origin}/${TENANT_ID}/discovery/v2.0/keys`));
    try {
      const { payload } = await jwtVerify(auth.slice(7), jwks, { audience: API_ID });
      return { clientId: String(payload.azp ?? payload.appid), roles: (payload.roles as string[] | undefined) ?? [] };
    } catch {
      return undefined;
    }
  }

  async function api(req: SimRequest): Promise<SimResponse> {
    const who = await caller(req);
    const path = req.path.replace(/^\/api/, '');
    apiRequests.push({ method: req.method, path, clientId: who?.clientId });
    if (!who) return problem(401, 'Unauthorized', 'Sign in: the request carries no valid token.');
    const admin = who.roles.includes('Retract.Admin');
    const body = req.body.length > 0 ? (JSON.parse(req.body.toString('utf8')) as unknown) : undefined;
    if (req.method === 'POST' && path === '/lookups') {
      if (!admin) return problem(403, 'Forbidden', 'This needs the Retract.Admin role, which this caller does not hold.');
      const parsed = lookupRequestSchema.safeParse(body);
      if (!parsed.success) return problem(400, 'Bad request', parsed.error.issues[0]?.message ?? 'Bad request.');
      const lookupId = `lk-${lookups.size + 1}`;
      lookups.set(lookupId, parsed.data.internetMessageId);
      return ok(
        200,
        lookupSchema.parse({
          lookupId,
          internetMessageId: parsed.data.internetMessageId,
          depth: parsed.data.depth,
          targets: [{ mailbox: 'adele@contoso.com', messageId: 'AAMk-a7', internetMessageId: parsed.data.internetMessageId, folder: 'inbox', depth: 0, isRead: false, via: null }],
          skipped: [{ address: 'pat@gmail.com', reason: 'external' }],
          ambiguous: [],
          stats: { mailboxesSearched: 1, graphRequests: 1, ms: 5 },
        }),
      );
    }
    if (req.method === 'POST' && path === '/jobs') {
      if (!admin) return problem(403, 'Forbidden', 'This needs the Retract.Admin role, which this caller does not hold.');
      const parsed = jobRequestSchema.safeParse(body);
      if (!parsed.success) return problem(400, 'Bad request', parsed.error.issues[0]?.message ?? 'Bad request.');
      const jobId = `job-${jobs.size + 1}`;
      jobs.set(jobId, {
        // A lookup of a `<slow…>` id makes a job that keeps running (for Ctrl-C tests).
        runningPolls: lookups.get(parsed.data.lookupId)?.startsWith('<slow') ? Number.MAX_SAFE_INTEGER : 2,
        polls: 0,
        job: jobSchema.parse({
          jobId,
          status: 'completed',
          action: parsed.data.action,
          lookupId: parsed.data.lookupId,
          counts: { targets: 1, done: 1, alreadyGone: 0, failed: 0 },
          results: [{ mailbox: 'adele@contoso.com', messageId: 'AAMk-a7', outcome: 'done' }],
        }),
      });
      return ok(202, jobAcceptedSchema.parse({ jobId }));
    }
    const jobPath = /^\/jobs\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && jobPath) {
      const entry = jobs.get(jobPath[1] ?? '');
      if (!entry) return problem(404, 'Not found', `There is no job ${jobPath[1]}.`);
      // Running for a few reads, then completed: the CLI must wait for it.
      entry.polls += 1;
      return ok(200, entry.polls <= entry.runningPolls ? { ...entry.job, status: 'running', counts: { ...entry.job.counts, done: 0 }, results: [] } : entry.job);
    }
    return problem(404, 'Not found', `No route for ${req.method} ${path}.`);
  }

  const server = https.createServer({ cert: certs.cert, key: certs.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', ctx.origin);
        const simReq: SimRequest = {
          method: req.method ?? 'GET',
          url,
          path: decodeURIComponent(url.pathname),
          rawPath: url.pathname,
          headers: req.headers,
          params: {},
          body: Buffer.concat(chunks),
        };
        let out: SimResponse;
        if (simReq.path.startsWith('/api/')) out = await api(simReq);
        else {
          const handler = router.match(simReq);
          out = handler ? await handler(simReq) : { status: 404, body: { error: { code: 'NotFound', message: 'No route.' } } };
        }
        const isObject = typeof out.body === 'object' && out.body !== null && !Buffer.isBuffer(out.body);
        res.writeHead(out.status, { ...(isObject ? { 'content-type': 'application/json' } : {}), ...(out.headers ?? {}) });
        res.end(isObject ? JSON.stringify(out.body) : (out.body as string | Buffer | undefined) ?? '');
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  ctx.origin = `https://localhost:${(server.address() as AddressInfo).port}`;
  identity.register(router, ctx);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retract-cli-'));
  return {
    origin: ctx.origin,
    api: `${ctx.origin}/api`,
    caFile: certs.caFile,
    apiRequests,
    writeDevStack(overrides = {}) {
      const file = path.join(dir, `dev-stack-${Math.random().toString(36).slice(2)}.json`);
      const stack = {
        api: `${ctx.origin}/api`,
        sim: ctx.origin,
        taskpane: 'https://localhost:3000/harness.html',
        tenantId: TENANT_ID,
        authorityHost: ctx.origin,
        caFile: certs.caFile,
        apiScope: API_SCOPE,
        cli: { clientId: CLI_ID, clientSecret: CLI_SECRET },
        ...overrides,
      };
      fs.writeFileSync(file, JSON.stringify(stack), { mode: 0o600 });
      return file;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
