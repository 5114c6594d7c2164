/**
 * The real local stack for the CLI's tests, started in-process as `npm start` starts it: the
 * simulated tenant (src/sim/server.ts), Azurite, the API host (src/dev/api-host.ts) and a
 * worker polling the work-item queue (src/dev/worker.ts, in-process so a test can pause it).
 * It writes a dev-stack file the way `npm start` does, so the CLI finds everything there.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApiHost, type ApiHost } from '../../../src/dev/api-host';
import { startAzurite, type AzuriteHandle } from '../../../src/dev/azurite';
import { ensureDevCerts } from '../../../src/dev/certs';
import { runWorker, type RunningWorker } from '../../../src/dev/worker';
import { parseTenantFixture } from '../../../src/sim/fixture';
import { localApiEnv } from '../../../src/dev/api-env';
import { startSimServer, type SimServer } from '../../../src/sim/server';

export const TENANT_ID = '9d4c1a2b-3e4f-4a5b-8c6d-7e8f9a0b1c2d';
export const API_ID = '9d000000-0000-4000-8000-0000000000a1';
export const CLI_ID = '9d000000-0000-4000-8000-0000000000c1';
export const READER_ID = '9d000000-0000-4000-8000-0000000000c2';
export const CLI_SECRET = 'cli-secret-9d';
export const READER_SECRET = 'reader-secret-9d';
export const API_SECRET = 'api-secret-9d';
export const IDENTIFIER_URI = `api://localhost:3000/${API_ID}`;

const uid = (n: number) => `9d000000-0000-4000-8000-00000000000${n}`;

/** Each test acts on its own message, so that tests do not depend on one another. */
export const MESSAGES = {
  lookup: '<cli-lookup-1@evil.example>',
  script: '<cli-script-1@evil.example>',
  partial: '<cli-partial-1@evil.example>',
  undo: '<cli-undo-1@evil.example>',
  cancel: '<cli-cancel-1@evil.example>',
  encrypted: '<cli-ome-1@contoso.com>',
  encrypted2: '<cli-ome-2@contoso.com>',
} as const;

export const MAILBOXES = ['adele@contoso.com', 'megan@contoso.com', 'lee@contoso.com', 'nestor@contoso.com'];

function fixture() {
  const deliver = (ref: string, internetMessageId: string, to: string[], subject: string) => ({
    op: 'deliver' as const,
    ref,
    internetMessageId,
    from: 'attacker@evil.example',
    to,
    cc: ['pat@gmail.com'],
    subject,
    body: 'Please pay the attached invoice.',
  });
  return parseTenantFixture({
    tenant: { id: TENANT_ID, displayName: 'Contoso', initialDomain: 'contoso.onmicrosoft.com' },
    domains: [{ id: 'contoso.com', isVerified: true, isDefault: true }],
    users: [
      { id: uid(1), displayName: 'Adele Vance', userPrincipalName: 'adele@contoso.com', mail: 'adele@contoso.com', proxyAddresses: ['SMTP:adele@contoso.com'], appRoles: ['Retract.Admin'], password: 'demo' },
      { id: uid(2), displayName: 'Megan Bowen', userPrincipalName: 'megan@contoso.com', mail: 'megan@contoso.com', proxyAddresses: ['SMTP:megan@contoso.com'], password: 'demo' },
      { id: uid(3), displayName: 'Lee Gu', userPrincipalName: 'lee@contoso.com', mail: 'lee@contoso.com', proxyAddresses: ['SMTP:lee@contoso.com'], password: 'demo' },
      { id: uid(4), displayName: 'Nestor Wilke', userPrincipalName: 'nestor@contoso.com', mail: 'nestor@contoso.com', proxyAddresses: ['SMTP:nestor@contoso.com'], password: 'demo' },
    ],
    groups: [{ id: uid(9), displayName: 'All staff', mail: 'all@contoso.com', members: [uid(1), uid(2), uid(3), uid(4)] }],
    apps: [
      {
        name: 'retract-api',
        clientId: API_ID,
        secret: API_SECRET,
        identifierUri: IDENTIFIER_URI,
        applicationPermissions: ['Mail.ReadWrite', 'User.Read.All', 'GroupMember.Read.All', 'Domain.Read.All', 'Directory.Read.All', 'Exchange.ManageAsApp'],
        appRoles: ['Retract.Admin', 'Retract.Auditor'],
        adminConsent: true,
        accessTokenVersion: 2,
      },
      { name: 'retract-cli', clientId: CLI_ID, secret: CLI_SECRET, appRolesOnApi: ['Retract.Admin'] },
      { name: 'soc-reader', clientId: READER_ID, secret: READER_SECRET, appRolesOnApi: ['Retract.Auditor'] },
    ],
    mail: [
      deliver('lookup', MESSAGES.lookup, ['all@contoso.com'], 'Invoice 1'),
      deliver('script', MESSAGES.script, ['adele@contoso.com', 'megan@contoso.com'], 'Invoice 2'),
      deliver('partial', MESSAGES.partial, ['megan@contoso.com', 'lee@contoso.com', 'nestor@contoso.com'], 'Invoice 3'),
      deliver('undo', MESSAGES.undo, ['adele@contoso.com', 'lee@contoso.com'], 'Invoice 4'),
      deliver('cancel', MESSAGES.cancel, ['nestor@contoso.com'], 'Invoice 5'),
      { op: 'send', ref: 'enc', internetMessageId: MESSAGES.encrypted, as: 'adele@contoso.com', to: ['pat@gmail.com'], subject: 'Salaries', encryption: 'ome' },
      { op: 'send', ref: 'enc2', internetMessageId: MESSAGES.encrypted2, as: 'adele@contoso.com', to: ['pat@gmail.com'], subject: 'Bonuses', encryption: 'ome' },
    ],
  });
}

export interface RealStack {
  sim: SimServer;
  api: ApiHost;
  azurite: AzuriteHandle;
  /** The dev-stack file the CLI reads (RETRACT_DEV_STACK). */
  devStackFile: string;
  /** Stops taking work items (jobs stay queued) until resumeWorker(). */
  pauseWorker(): Promise<void>;
  resumeWorker(): void;
  /** GET on the simulator's /_sim endpoints. */
  simGet<T>(pathAndQuery: string): Promise<T>;
  close(): Promise<void>;
}

export async function startRealStack(): Promise<RealStack> {
  const certs = ensureDevCerts();
  const fx = fixture();
  const sim = await startSimServer({ fixture: fx, cert: certs.cert, key: certs.key, host: 'localhost' });
  let azurite: AzuriteHandle | undefined;
  let api: ApiHost | undefined;
  try {
    azurite = await startAzurite();
    const env = localApiEnv(fx, sim.origin, azurite.connectionString);
    api = await startApiHost({ env, cert: certs.cert, key: certs.key, workers: 0 });
    const services = api.services;
    let worker: RunningWorker | undefined = runWorker({ services, idlePollMs: 100 });

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retract-cli-stack-'));
    const devStackFile = path.join(dir, 'dev-stack.json');
    fs.writeFileSync(
      devStackFile,
      JSON.stringify({
        api: api.url,
        sim: sim.origin,
        taskpane: 'https://localhost:3000/harness.html',
        tenantId: TENANT_ID,
        authorityHost: sim.origin,
        caFile: certs.caFile,
        apiScope: `${IDENTIFIER_URI}/.default`,
        cli: { clientId: CLI_ID, clientSecret: CLI_SECRET },
      }),
      { mode: 0o600 },
    );
    const started = { sim, api, azurite };
    return {
      ...started,
      devStackFile,
      async pauseWorker() {
        await worker?.stop();
        worker = undefined;
      },
      resumeWorker() {
        worker ??= runWorker({ services, idlePollMs: 100 });
      },
      async simGet<T>(pathAndQuery: string): Promise<T> {
        const res = await fetch(`${sim.origin}${pathAndQuery}`);
        if (!res.ok) throw new Error(`GET ${pathAndQuery}: ${res.status}`);
        return (await res.json()) as T;
      },
      async close() {
        await worker?.stop();
        await started.api.close();
        await started.azurite.stop();
        await sim.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await api?.close();
    await azurite?.stop();
    await sim.close();
    throw err;
  }
}
