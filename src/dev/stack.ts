/**
 * The whole local stack in one process: Azurite, the simulated tenant, the API host with its
 * worker processes, and the task pane's web server — what `npm start` runs, and what browser
 * tests and the benchmark start the same way.
 */
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:https';
import webpack from 'webpack';
import WebpackDevServer from 'webpack-dev-server';
import { startAzurite, type AzuriteHandle } from './azurite';
import { startApiHost, type ApiHost } from './api-host';
import { localApiEnv } from './api-env';
import type { DevCerts } from './certs';
import type { StartOptions } from './start-options';
import { startSimServer, type SimServer } from '../sim/server';
import { loadTenantFixture, type TenantFixture } from '../sim/fixture';
import { THROTTLE_ON } from '../sim/faults';
import { ASSETS_DIR, ASSETS_URL_PATH } from './manifest-values';
import { registerApiProxy, registerHarnessRoutes } from './harness/routes';

const ROOT = path.resolve(__dirname, '..', '..');
export const DEMO_TENANT = path.join(ROOT, 'src', 'sim', 'tenants', 'demo.json');

/** `.retract/dev-stack.json` (CONTRACTS §1), read by the CLI. */
export interface DevStackFile {
  api: string;
  sim: string;
  taskpane: string;
  storage: string;
  tenantId: string;
  authorityHost: string;
  caFile: string;
  /** The API's identifier URI, whose `/.default` scope a client app asks for. */
  apiScope: string;
  cli: { clientId: string; clientSecret: string };
}

export interface StackOptions extends Pick<StartOptions, 'tenantFile' | 'latencyMs' | 'throttle' | 'dataDir' | 'ports'> {
  certs: DevCerts;
  /** Worker processes polling the work-item queue (default 1). */
  workers?: number;
  /** Serve the task pane and the harness (webpack dev server); off for tests that need only the back end. */
  taskpane?: boolean;
  /** webpack mode of the task pane and harness builds (default development). */
  mode?: 'development' | 'production';
  log?: (line: string) => void;
}

export interface Stack {
  devStack: DevStackFile;
  fixture: TenantFixture;
  azurite: AzuriteHandle;
  sim: SimServer;
  api: ApiHost;
  /** `https://localhost:PORT` of the task pane's web server (also serves /harness.html). */
  taskpaneOrigin: string;
  stop(): Promise<void>;
}

function appOf(fixture: TenantFixture, name: string) {
  const app = fixture.apps.find((a) => a.name === name);
  if (!app) throw new Error(`The tenant fixture has no app named "${name}"; the local stack needs retract-api and retract-cli.`);
  return app;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const log = options.log ?? (() => undefined);
  const fixture = loadTenantFixture(options.tenantFile ?? DEMO_TENANT);
  const apiApp = appOf(fixture, 'retract-api');
  const cliApp = appOf(fixture, 'retract-cli');
  if (!apiApp.identifierUri) throw new Error('The retract-api app of the tenant fixture needs an identifierUri (api://host/clientId).');

  const stoppers: Array<() => Promise<void>> = [];
  const stop = async (): Promise<void> => {
    for (const s of stoppers.reverse()) await s().catch(() => undefined);
  };
  try {
    // Azurite's own defaults follow the blob port: queue +1, table +2.
    const storage = options.ports.storage;
    const azurite = await startAzurite({
      dataDir: options.dataDir,
      ports: storage ? { blob: storage, queue: storage + 1, table: storage + 2 } : undefined,
    }).catch((err: Error) => {
      throw inUse(err, `${storage}-${storage + 2}`, 'storage');
    });
    stoppers.push(() => azurite.stop());

    const sim = await startSimServer({
      fixture,
      cert: options.certs.cert,
      key: options.certs.key,
      port: options.ports.sim,
      faults: { latencyMs: options.latencyMs, throttle: options.throttle ? THROTTLE_ON : undefined },
    }).catch((err: Error) => {
      throw inUse(err, options.ports.sim, 'sim');
    });
    stoppers.push(() => sim.close());

    const env: Record<string, string> = {
      ...localApiEnv(fixture, sim.origin, azurite.connectionString),
      // Worker processes are Node processes of their own: they trust the dev CA the same way.
      NODE_EXTRA_CA_CERTS: options.certs.caFile,
    };
    const api = await startApiHost({
      env,
      cert: options.certs.cert,
      key: options.certs.key,
      port: options.ports.api,
      workers: options.workers ?? 1,
    }).catch((err: Error) => {
      throw inUse(err, options.ports.api, 'api');
    });
    stoppers.push(() => api.close());

    // Retract's own setting for this tenant, written once (as PUT /api/settings/domains would).
    if (fixture.managedDomains && (await api.services.settings.getDomains(fixture.tenant.id)) === null) {
      await api.services.settings.setDomains(fixture.tenant.id, fixture.managedDomains);
    }

    let taskpaneOrigin = `https://localhost:${options.ports.taskpane}`;
    if (options.taskpane !== false) {
      const served = await startTaskpaneServer({
        certs: options.certs,
        port: options.ports.taskpane,
        mode: options.mode ?? 'development',
        fixture,
        simOrigin: sim.origin,
        apiUrl: api.url,
        app: { clientId: apiApp.clientId, secret: apiApp.secret },
        config: (origin) => ({
          clientId: apiApp.clientId,
          authorityHost: sim.origin,
          tenantId: fixture.tenant.id,
          // Through the pane's own server: see registerApiProxy.
          apiBase: `${origin}/api`,
          apiScope: `${apiApp.identifierUri}/access_as_user`,
          redirectUri: `${origin}/auth-redirect.html`,
          harnessOrigins: [origin],
        }),
      }).catch((err: Error) => {
        throw inUse(err, options.ports.taskpane, 'taskpane');
      });
      stoppers.push(served.stop);
      taskpaneOrigin = served.origin;
      log(`task pane and harness built in ${(served.buildMs / 1000).toFixed(1)} s`);
    }

    const devStack: DevStackFile = {
      api: api.url,
      sim: sim.origin,
      taskpane: `${taskpaneOrigin}/harness.html`,
      storage: `http://127.0.0.1:${azurite.blobPort}`,
      tenantId: fixture.tenant.id,
      authorityHost: sim.origin,
      caFile: options.certs.caFile,
      apiScope: apiApp.identifierUri,
      cli: { clientId: cliApp.clientId, clientSecret: cliApp.secret },
    };
    return { devStack, fixture, azurite, sim, api, taskpaneOrigin, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A port already taken becomes a sentence that says what to do. */
function inUse(err: Error, port: number | string, service: string): Error {
  if (!/EADDRINUSE|address already in use/i.test(`${err.message} ${(err as NodeJS.ErrnoException).code ?? ''}`)) return err;
  return new Error(`The ${service} port ${port} is already in use (another npm start?). Stop what uses it, or start with --ports-auto to take free ports.`);
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the webpack configs are CommonJS
const loadConfig = (file: string) => require(file) as (env: unknown, argv: { mode: string }) => webpack.Configuration;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the webpack config is CommonJS
const { taskpaneSecurityHeaders } = require(path.join(ROOT, 'webpack.config.js')) as {
  taskpaneSecurityHeaders: (opts: { apiOrigins?: string[]; authorityOrigins?: string[]; frameAncestors?: string[]; hsts?: boolean }) => Record<string, string>;
};

/**
 * The task pane and the harness page through webpack's dev server over HTTPS (as Office add-in
 * projects serve it): both webpack configs compiled together, `/taskpane-config.json` answered
 * from the running stack, `/assets/*` from assets/ (the manifests' icons), and the harness's
 * own routes (src/dev/harness/routes.ts).
 */
async function startTaskpaneServer(opts: {
  certs: DevCerts;
  port: number;
  mode: 'development' | 'production';
  fixture: TenantFixture;
  simOrigin: string;
  apiUrl: string;
  app: { clientId: string; secret: string };
  config: (origin: string) => Record<string, unknown>;
}): Promise<{ origin: string; buildMs: number; stop: () => Promise<void> }> {
  const configs = [
    loadConfig(path.join(ROOT, 'webpack.config.js'))({}, { mode: opts.mode }),
    loadConfig(path.join(ROOT, 'src', 'dev', 'harness', 'webpack.harness.js'))({}, { mode: opts.mode }),
  ].map((c) => ({
    ...c,
    // Eval'd source maps would need 'unsafe-eval' in the pages' CSP (the harness's config uses them).
    devtool: typeof c.devtool === 'string' && c.devtool.includes('eval') ? 'cheap-module-source-map' : c.devtool,
    infrastructureLogging: { level: 'warn' as const },
    stats: 'errors-warnings' as const,
  }));
  const compiler = webpack(configs);
  const started = Date.now();
  const built = new Promise<void>((resolve, reject) => {
    compiler.hooks.done.tap('retract-start', (stats) => {
      if (stats.hasErrors()) reject(new Error(`The task pane or the harness did not build:\n${stats.toString('errors-only')}`));
      else resolve();
    });
  });
  built.catch(() => undefined); // awaited below; a failure before then must not go unhandled
  let origin = '';
  const server = new WebpackDevServer(
    {
      ...(configs[0]?.devServer ?? {}),
      host: 'localhost',
      port: opts.port,
      hot: false,
      liveReload: false,
      // Its own SIGINT handler would exit before the rest of the stack has stopped.
      setupExitSignals: false,
      static: [{ directory: ASSETS_DIR, publicPath: ASSETS_URL_PATH.replace(/\/$/, ''), watch: false }],
      server: { type: 'https', options: { cert: opts.certs.cert, key: opts.certs.key } },
      // The task pane's CSP and other security headers on every page and script it builds (the
      // API, proxied under /api, keeps its own): MSAL talks to the simulator here. No HSTS on
      // localhost (the production build's staticwebapp.config.json has it).
      headers: taskpaneSecurityHeaders({ authorityOrigins: [opts.simOrigin], hsts: false }),
      setupMiddlewares: (middlewares, devServer) => {
        const app = devServer.app;
        if (!app) return middlewares;
        app.get('/taskpane-config.json', (_req, res) => {
          res.setHeader('cache-control', 'no-store');
          res.json(opts.config(origin));
        });
        registerHarnessRoutes(app, { fixture: opts.fixture, simOrigin: opts.simOrigin, ca: opts.certs.ca, app: opts.app });
        registerApiProxy(app, { apiUrl: opts.apiUrl, ca: opts.certs.ca });
        return middlewares;
      },
    },
    compiler,
  );
  await server.start();
  const address = (server.server as Server | undefined)?.address() as AddressInfo | null;
  origin = `https://localhost:${address?.port ?? opts.port}`;
  try {
    await built;
  } catch (err) {
    await server.stop();
    throw err;
  }
  return { origin, buildMs: Date.now() - started, stop: () => server.stop() };
}
