/**
 * Time to interactive of the task pane's Retract view (issue 10, item 5), in Debian's headless
 * Chromium, against a small local stack: the production build served over HTTPS with
 * /taskpane-config.json, and /api passed through to the API host on the same origin (as Azure
 * Static Web Apps serve a linked Functions API), so the page makes the calls it makes in Outlook.
 *
 * A first visit signs the benchmark's admin in through the simulator's sign-in page; the
 * measured visit is a fresh browser context holding only that sign-in (MSAL's localStorage), so
 * every script comes over the network as on a first open of the day. Interactive = the Retract
 * view's Message-ID field can be typed in; the figure is the page's own clock from navigation
 * start (performance.now()).
 */
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ensureDevCerts } from '../src/dev/certs';
import { buildScenario, userAddress } from './scenario';
import { startBenchStack } from './stack';

const CHROMIUM = '/usr/bin/chromium';
const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.json': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml' };

export interface Interactive {
  /** ms from navigation start to the Retract view taking input, per measured visit. */
  runs: number[];
  /** The median of `runs`. */
  ms: number;
  /** Scripts the measured visit fetched, and their bytes on the wire. */
  scripts: number;
}

async function serve(buildDir: string, apiUrl: string, config: (origin: string) => unknown): Promise<{ origin: string; close: () => Promise<void> }> {
  const certs = ensureDevCerts();
  const api = new URL(apiUrl);
  let origin = '';
  const server = https.createServer({ cert: certs.cert, key: certs.key }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    if (url.pathname === '/taskpane-config.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(config(origin)));
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      // The API on the pane's own origin: the request passes through unchanged.
      const up = https.request(
        { host: api.hostname, port: api.port, method: req.method, path: url.pathname + url.search, headers: { ...req.headers, host: api.host } },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      up.on('error', () => {
        res.writeHead(502).end();
      });
      req.pipe(up);
      return;
    }
    const file = path.join(buildDir, path.normalize(url.pathname).replace(/^([/\\])+/, ''));
    if (!file.startsWith(buildDir)) return void res.writeHead(404).end();
    readFile(file).then(
      (body) => {
        res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'public, max-age=31536000, immutable' });
        res.end(body);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  origin = `https://localhost:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function measureInteractive(buildDir: string, log: (line: string) => void, visits = 3): Promise<Interactive> {
  const scenario = buildScenario({ mailboxes: 20, newsletters: 1, colleaguesPerSend: 1 });
  const admin = scenario.fixture.users[0]!;
  admin.password = 'bench-admin-password';
  const stack = await startBenchStack(scenario.fixture, { workers: 1, log });
  const apiApp = scenario.fixture.apps.find((a) => a.name === 'retract-api')!;
  const web = await serve(buildDir, stack.api.url, (origin) => ({
    clientId: apiApp.clientId,
    authorityHost: stack.sim.origin,
    tenantId: scenario.fixture.tenant.id,
    apiBase: `${origin}/api`,
    apiScope: `${apiApp.identifierUri}/access_as_user`,
    redirectUri: `${origin}/auth-redirect.html`,
  }));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic'],
  });
  try {
    const url = `${web.origin}/taskpane.html?host=browser`;
    // Benchmark only: Chromium does not read NODE_EXTRA_CA_CERTS, and the dev CA is not in its store.
    const first = await browser.newContext({ ignoreHTTPSErrors: true });
    const page = await first.newPage();
    // Without a signed-in account the pane opens MSAL's sign-in popup itself (Chromium lets it);
    // where a browser blocks it, the pane shows "Sign in" instead. Either way: the popup.
    const popupOpened = page.waitForEvent('popup', { timeout: 30_000 });
    await page.goto(url);
    const signIn = page.getByRole('button', { name: 'Sign in' });
    const popup = await Promise.race([
      popupOpened,
      signIn.waitFor({ timeout: 30_000 }).then(async () => {
        await signIn.click();
        return popupOpened;
      }),
    ]).catch(async (err: unknown) => {
      // Say what the pane shows instead: that is why the figure is missing.
      const text = (await page.locator('body').innerText().catch(() => '')).replace(/\s+/g, ' ').trim().slice(0, 300);
      throw new Error(`the task pane opened no sign-in within 30 s (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); it showed: "${text}"`);
    });
    await popup.getByRole('heading', { name: 'Sign in' }).waitFor();
    await popup.getByLabel(`${admin.displayName} (${userAddress(0)})`).check();
    await popup.getByLabel('Password').fill(admin.password);
    await popup.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('Message-ID').waitFor({ timeout: 30_000 });
    const signedIn = await first.storageState();
    await first.close();

    const runs: number[] = [];
    let scripts = 0;
    for (let i = 0; i < visits; i++) {
      const context = await browser.newContext({ ignoreHTTPSErrors: true, storageState: signedIn });
      const p = await context.newPage();
      let fetched = 0;
      p.on('response', (r) => {
        if (r.url().endsWith('.js')) fetched++;
      });
      await p.goto(url);
      const field = p.getByLabel('Message-ID');
      await field.waitFor({ timeout: 30_000 });
      await field.fill('<probe@example.com>');
      // The page's own clock: ms since its navigation started, once the field took the text.
      runs.push(Math.round(await p.evaluate(() => performance.now())));
      scripts = fetched;
      await context.close();
    }
    const sorted = [...runs].sort((a, b) => a - b);
    return { runs, ms: sorted[Math.floor(sorted.length / 2)]!, scripts };
  } finally {
    await browser.close();
    await web.close();
    await stack.stop();
  }
}
