/**
 * The real stack for API tests: Azurite (in memory), the simulated tenant over HTTPS and the API
 * host, on free ports; tokens from the simulator's own token endpoint.
 */
import path from 'node:path';
import { ensureDevCerts } from '../../../src/dev/certs';
import { startAzurite, type AzuriteHandle } from '../../../src/dev/azurite';
import { startApiHost, type ApiHost } from '../../../src/dev/api-host';
import { localApiEnv } from '../../../src/dev/api-env';
import { startSimServer, type SimServer } from '../../../src/sim/server';
import { loadTenantFixture, type TenantFixture } from '../../../src/sim/fixture';

export const DEMO_FIXTURE = path.resolve(__dirname, '../../../src/sim/tenants/demo.json');

export interface Stack {
  azurite: AzuriteHandle;
  sim: SimServer;
  api: ApiHost;
  fixture: TenantFixture;
  env: Record<string, string>;
  apiApp: { clientId: string; secret: string; identifierUri: string };
  /** An app-only token for the API, as a client app of the fixture gets it. */
  appToken(appName: string): Promise<string>;
  /** A delegated token for the API, for a fixture user (password grant). */
  userToken(upn: string): Promise<string>;
  /** Calls the API; `token` adds the bearer header. */
  call(method: string, route: string, opts?: { token?: string; body?: unknown; rawBody?: string; contentType?: string }): Promise<{ status: number; body: any; headers: Headers }>; // eslint-disable-line @typescript-eslint/no-explicit-any -- a test reads any JSON shape
  close(): Promise<void>;
}

export interface StackOptions {
  fixture?: TenantFixture;
  workers?: number;
  env?: Record<string, string>;
  now?: () => Date;
  /** Keep Azurite's data on disk under this folder (so it survives a restart); in memory otherwise. */
  azuriteDataDir?: string;
}

/** One API call as a test makes it: a bearer token, a JSON (or raw) body, the answer parsed when it is JSON. */
export async function callApi(apiUrl: string, method: string, route: string, opts: Parameters<Stack['call']>[2] = {}): ReturnType<Stack['call']> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
  const res = await fetch(`${apiUrl}/${route}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const certs = ensureDevCerts();
  const fixture = options.fixture ?? loadTenantFixture(DEMO_FIXTURE);
  const apiAppFx = fixture.apps.find((a) => a.name === 'retract-api');
  if (!apiAppFx?.secret || !apiAppFx.identifierUri) throw new Error('the fixture has no retract-api app with a secret and an identifier URI');
  const apiApp = { clientId: apiAppFx.clientId, secret: apiAppFx.secret, identifierUri: apiAppFx.identifierUri };
  const azurite = await startAzurite({ dataDir: options.azuriteDataDir });
  const sim = await startSimServer({ fixture, cert: certs.cert, key: certs.key, port: 0, now: options.now });
  const env: Record<string, string> = {
    ...localApiEnv(fixture, sim.origin, azurite.connectionString),
    RETRACT_WORKER_VISIBILITY_SEC: '10',
    ...options.env,
  };
  const api = await startApiHost({ env, cert: certs.cert, key: certs.key, workers: options.workers ?? 0 });
  const tokenUrl = `${sim.origin}/${fixture.tenant.id}/oauth2/v2.0/token`;
  const token = async (form: Record<string, string>): Promise<string> => {
    const res = await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form) });
    const body = (await res.json()) as { access_token?: string; error_description?: string };
    if (!res.ok || !body.access_token) throw new Error(`token request failed: ${res.status} ${body.error_description ?? ''}`);
    return body.access_token;
  };
  const stack: Stack = {
    azurite,
    sim,
    api,
    fixture,
    env,
    apiApp,
    appToken(appName) {
      const app = fixture.apps.find((a) => a.name === appName);
      if (!app?.secret) throw new Error(`no app ${appName} with a secret`);
      return token({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.secret, scope: `${apiApp.identifierUri}/.default` });
    },
    userToken(upn) {
      const user = fixture.users.find((u) => u.userPrincipalName === upn);
      if (!user?.password) throw new Error(`no user ${upn} with a password`);
      return token({
        grant_type: 'password',
        client_id: apiApp.clientId,
        client_secret: apiApp.secret,
        username: upn,
        password: user.password,
        scope: `${apiApp.identifierUri}/access_as_user`,
      });
    },
    call: (method, route, opts) => callApi(api.url, method, route, opts),
    async close() {
      await api.close();
      await sim.close();
      // The Azurite running now: a test may have restarted it.
      await stack.azurite.stop();
    },
  };
  return stack;
}
