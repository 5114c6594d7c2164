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
  /** The fixture's retract-api app, whose app-only Graph token reads a message's body for the reading pane. */
  app: { clientId: string; secret: string };
}

function httpsJson(options: HarnessRouteOptions, url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const request = https.request(new URL(url), { method: init.method ?? 'GET', headers: init.headers, ca: options.ca }, (answer) => {
      let text = '';
      answer.setEncoding('utf8');
      answer.on('data', (chunk: string) => (text += chunk));
      answer.on('end', () => {
        try {
          resolve({ status: answer.statusCode ?? 0, json: text ? JSON.parse(text) : null });
        } catch (err) {
          reject(err as Error);
        }
      });
    });
    request.on('error', reject);
    request.end(init.body);
  });
}

/**
 * The body of one message, read through the simulator's Graph with the API app's app-only token
 * (kept in this server, never sent to the page) — the harness's reading pane, a dev convenience.
 */
function bodyReader(options: HarnessRouteOptions): (address: string, id: string) => Promise<{ status: number; json: unknown }> {
  let token: { value: string; until: number } | undefined;
  const getToken = async (): Promise<string> => {
    if (token && token.until > Date.now()) return token.value;
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: options.app.clientId,
      client_secret: options.app.secret,
      scope: 'https://graph.microsoft.com/.default',
    });
    const answer = await httpsJson(options, `${options.simOrigin}/${options.fixture.tenant.id}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    const parsed = answer.json as { access_token?: string; expires_in?: number } | null;
    if (answer.status !== 200 || !parsed?.access_token) throw new Error(`The simulated tenant refused an app-only token (${answer.status}).`);
    token = { value: parsed.access_token, until: Date.now() + ((parsed.expires_in ?? 3600) - 60) * 1000 };
    return token.value;
  };
  return async (address, id) =>
    httpsJson(options, `${options.simOrigin}/v1.0/users/${encodeURIComponent(address)}/messages/${encodeURIComponent(id)}?$select=body`, {
      headers: { authorization: `Bearer ${await getToken()}`, prefer: 'IdType="ImmutableId"', accept: 'application/json' },
    });
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
  const readBody = bodyReader(options);
  app.get(`${HARNESS_MAILBOX_PATH}:address/messages/:id/body`, (req: Request, res: Response) => {
    res.setHeader('cache-control', 'no-store');
    readBody(String(req.params.address), String(req.params.id)).then(
      ({ status, json }) => {
        const body = (json as { body?: { contentType?: string; content?: string } } | null)?.body;
        if (status === 200 && body) res.json({ contentType: body.contentType ?? 'text', content: body.content ?? '' });
        else res.status(status || 502).json({ error: 'The message body could not be read.' });
      },
      () => res.status(502).json({ error: 'The simulated tenant did not answer; is npm start still running?' }),
    );
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
