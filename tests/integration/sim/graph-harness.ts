/**
 * Starts the simulated tenant on a free port with the demo tenant (plus a Mail.Send grant and a
 * directory-only app for permission tests), gets app-only tokens from its token endpoint, and
 * builds real `@microsoft/microsoft-graph-client` clients with the default middleware (retry
 * included) pointed at it.
 */
import path from 'node:path';
import { Client } from '@microsoft/microsoft-graph-client';
import { ensureDevCerts } from '../../../src/dev/certs';
import { loadTenantFixture, parseTenantFixture, type TenantFixture } from '../../../src/sim/fixture';
import type { SimFaultsInput } from '../../../src/sim/faults';
import { startSimServer, type SimServer } from '../../../src/sim/server';
import type { RequestRecord } from '../../../src/sim/control';

export const DEMO = path.resolve(__dirname, '../../../src/sim/tenants/demo.json');
export const DIR_ONLY_APP = { name: 'dir-only', clientId: 'd1b2c3d4-0000-4000-8000-0000000000aa', secret: 'dir-only-secret' };

export function testFixture(mutate?: (f: TenantFixture) => void): TenantFixture {
  const f = structuredClone(loadTenantFixture(DEMO));
  const api = f.apps.find((a) => a.name === 'retract-api')!;
  api.applicationPermissions = [...(api.applicationPermissions ?? []), 'Mail.Send'];
  f.apps.push({ ...DIR_ONLY_APP, applicationPermissions: ['User.Read.All'], adminConsent: true });
  mutate?.(f);
  return parseTenantFixture(f);
}

export interface GraphHarness {
  sim: SimServer;
  fixture: TenantFixture;
  token(app?: string): Promise<string>;
  client(opts?: { app?: string; immutable?: boolean }): Client;
  /** A raw Graph call with fetch (for status codes and headers the SDK hides). */
  raw(method: string, pathAndQuery: string, init?: { body?: unknown; headers?: Record<string, string>; app?: string; token?: string | null }): Promise<{ status: number; headers: Headers; json: unknown; text: string }>;
  close(): Promise<void>;
}

export async function startGraphHarness(opts: { fixture?: TenantFixture; faults?: SimFaultsInput } = {}): Promise<GraphHarness> {
  const fixture = opts.fixture ?? testFixture();
  const certs = ensureDevCerts();
  const sim = await startSimServer({ fixture, cert: certs.cert, key: certs.key, port: 0, host: 'localhost', ...(opts.faults ? { faults: opts.faults } : {}) });
  const tokens = new Map<string, string>();
  const token = async (appName = 'retract-api') => {
    const cached = tokens.get(appName);
    if (cached) return cached;
    const app = fixture.apps.find((a) => a.name === appName)!;
    const res = await fetch(`${sim.origin}/${sim.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.secret, scope: 'https://graph.microsoft.com/.default' }),
    });
    const body = (await res.json()) as { access_token?: string; error_description?: string };
    if (!body.access_token) throw new Error(`no token for ${appName}: ${res.status} ${body.error_description ?? ''}`);
    tokens.set(appName, body.access_token);
    return body.access_token;
  };
  // The SDK attaches tokens only for Graph hosts and customHosts, compared without the port.
  const host = new URL(sim.origin).hostname;
  return {
    sim,
    fixture,
    token,
    client: ({ app, immutable } = {}) =>
      Client.init({
        baseUrl: `${sim.origin}/`,
        defaultVersion: 'v1.0',
        customHosts: new Set([host]),
        authProvider: (done) => {
          token(app).then(
            (t) => done(null, t),
            (e: unknown) => done(e, null),
          );
        },
        ...(immutable ? { fetchOptions: { headers: { Prefer: 'IdType="ImmutableId"' } } } : {}),
      }),
    raw: async (method, pathAndQuery, init = {}) => {
      const headers: Record<string, string> = { ...(init.headers ?? {}) };
      if (init.token !== null) headers.authorization = `Bearer ${init.token ?? (await token(init.app))}`;
      if (init.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
      const res = await fetch(sim.origin + pathAndQuery, { method, headers, ...(init.body !== undefined ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}) });
      const text = await res.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: res.status, headers: res.headers, json, text };
    },
    close: () => sim.close(),
  };
}

/** The immutable id of a user's copy of a fixture ref, through /_sim. */
export async function copyOf(h: GraphHarness, mailbox: string, ref: string, folder?: string): Promise<{ id: string; folder: string; internetMessageId: string; conversationId: string }> {
  const r = await h.raw('GET', `/_sim/mailboxes/${encodeURIComponent(mailbox)}/messages`, { token: null });
  const list = r.json as { id: string; folder: string; ref: string | null; internetMessageId: string; conversationId: string }[];
  const found = list.find((m) => m.ref === ref && (folder === undefined || m.folder === folder));
  if (!found) throw new Error(`${mailbox} has no copy of ${ref}${folder ? ` in ${folder}` : ''}`);
  return found;
}

/** PUT /_sim/faults on the harness's simulator; the settings must be accepted. */
export async function setFaults(h: GraphHarness, body: unknown): Promise<void> {
  const r = await h.raw('PUT', '/_sim/faults', { token: null, body });
  expect(r.status).toBe(200);
}

/** One row of GET /_sim/requests, as the simulator defines it. */
export type { RequestRecord };

export async function requestsSince(h: GraphHarness, since: number): Promise<{ next: number; requests: RequestRecord[] }> {
  return (await h.raw('GET', `/_sim/requests?since=${since}`, { token: null })).json as { next: number; requests: RequestRecord[] };
}
