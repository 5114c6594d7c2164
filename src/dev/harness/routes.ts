/**
 * The development server's routes for the harness page: its configuration (the demo users of
 * the tenant fixture) and a read-only proxy to two of the simulator's test endpoints.
 *
 * The harness reads mailboxes through `/_sim` rather than Graph: it is a demo and test page that
 * stands in for Outlook's own mail view, not part of the product, and the simulator's endpoint
 * lists every folder without an app-only token in the browser.
 */
import https from 'node:https';
import type { Request, Response } from 'express';
import type WebpackDevServer from 'webpack-dev-server';
import type { TenantFixture } from '../../sim/fixture';
import { HARNESS_CONFIG_PATH, HARNESS_MAILBOX_PATH, HARNESS_OME_PATH, type HarnessConfig } from './harness-config';

export interface HarnessRouteOptions {
  fixture: TenantFixture;
  simOrigin: string;
  /** The dev CA: this process may not run with NODE_EXTRA_CA_CERTS. */
  ca: string;
}

export function harnessConfig(fixture: TenantFixture, simOrigin: string): HarnessConfig {
  return {
    simOrigin,
    tenantId: fixture.tenant.id,
    tenantName: fixture.tenant.displayName,
    users: fixture.users
      .filter((u) => u.mailbox !== 'none' && u.mail)
      .map((u) => ({ displayName: u.displayName, mail: u.mail ?? u.userPrincipalName, roles: u.appRoles ?? [] })),
  };
}

function simGet(options: HarnessRouteOptions, path: string, res: Response): void {
  const request = https.get(new URL(path, options.simOrigin), { ca: options.ca, headers: { accept: 'application/json' } }, (answer) => {
    res.status(answer.statusCode ?? 502);
    res.setHeader('content-type', answer.headers['content-type'] ?? 'application/json');
    res.setHeader('cache-control', 'no-store');
    answer.pipe(res);
  });
  request.on('error', () => {
    if (!res.headersSent) res.status(502).json({ error: 'The simulated tenant did not answer; is npm start still running?' });
  });
}

export function registerHarnessRoutes(app: NonNullable<WebpackDevServer['app']>, options: HarnessRouteOptions): void {
  app.get('/', (_req: Request, res: Response) => res.redirect('/harness.html'));
  app.get(HARNESS_CONFIG_PATH, (_req: Request, res: Response) => {
    res.setHeader('cache-control', 'no-store');
    res.json(harnessConfig(options.fixture, options.simOrigin));
  });
  app.get(`${HARNESS_MAILBOX_PATH}:address/messages`, (req: Request, res: Response) => {
    simGet(options, `/_sim/mailboxes/${encodeURIComponent(String(req.params.address))}/messages`, res);
  });
  app.get(`${HARNESS_OME_PATH}:id`, (req: Request, res: Response) => {
    simGet(options, `/_sim/ome/${encodeURIComponent(String(req.params.id))}`, res);
  });
}

/**
 * `/api/*` on the task pane's origin, passed to the local API host. In Azure the Function App's
 * CORS setting lets the pane call the API's own origin; the local API host sends no CORS headers,
 * so locally the pane calls the API through its own server instead.
 */
export function registerApiProxy(app: NonNullable<WebpackDevServer['app']>, options: { apiUrl: string; ca: string }): void {
  const target = new URL(options.apiUrl);
  app.use('/api', (req: Request, res: Response) => {
    const upstream = https.request(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.originalUrl,
        ca: options.ca,
        headers: { ...req.headers, host: target.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.status(502).json({ title: 'The local API host did not answer; is npm start still running?' });
      else res.end();
    });
    req.pipe(upstream);
  });
}
