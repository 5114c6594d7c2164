/**
 * Starts the simulated tenant in-process over HTTPS on a free port with one scenario fixture,
 * and builds the product's real Graph and Exchange gateways against it (MSAL client
 * credentials with the fixture's retract-api app). Reads mailbox state and the request log
 * through /_sim.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ensureDevCerts } from '../../../src/dev/certs';
import { parseTenantFixture, type TenantFixture } from '../../../src/sim/fixture';
import { startSimServer, type SimServer } from '../../../src/sim/server';
import type { SimFaultsInput } from '../../../src/sim/faults';
import { createGraphGateway, type GraphGateway } from '../../../src/graph';
import { createExchangeGateway, type ExchangeGateway } from '../../../src/exchange';
import type { RequestRecord } from '../../../src/sim/control';

export const SCENARIO_DIR = path.resolve(__dirname, '..', '..', 'fixtures', 'scenarios');

export interface SimMessageRow {
  id: string;
  folder: string;
  internetMessageId: string;
  ref: string | null;
}

/** One row of GET /_sim/requests, as the simulator defines it. */
export type RequestRow = RequestRecord;

export interface Scenario {
  sim: SimServer;
  fixture: TenantFixture;
  graph: GraphGateway;
  exchange: ExchangeGateway;
  managedDomains: string[];
  /** Every mailbox address of the fixture that holds mail. */
  mailboxes: string[];
  messages(address: string): Promise<SimMessageRow[]>;
  /** `address ref folder` for every message of every mailbox, sorted. */
  state(): Promise<string[]>;
  requests(since?: number): Promise<RequestRow[]>;
  setFaults(faults: SimFaultsInput): Promise<void>;
  close(): Promise<void>;
}

export function loadScenarioFixture(name: string): TenantFixture {
  return parseTenantFixture(JSON.parse(fs.readFileSync(path.join(SCENARIO_DIR, `${name}.json`), 'utf8')));
}

export async function startScenario(name: string, opts: { faults?: SimFaultsInput; maxConcurrency?: number } = {}): Promise<Scenario> {
  const certs = ensureDevCerts();
  const fixture = loadScenarioFixture(name);
  const sim = await startSimServer({ fixture, cert: certs.cert, key: certs.key, port: 0, ...(opts.faults ? { faults: opts.faults } : {}) });
  const app = fixture.apps.find((a) => a.name === 'retract-api');
  if (!app) throw new Error('The scenario fixture has no retract-api app.');
  const creds = { authorityHost: sim.origin, tenantId: sim.tenantId, clientId: app.clientId, clientSecret: app.secret };
  const graph = createGraphGateway({ graphBase: `${sim.origin}/v1.0`, maxConcurrency: opts.maxConcurrency ?? 8, ...creds });
  const exchange = createExchangeGateway({ exchangeBase: sim.origin, ...creds });
  const mailboxes = fixture.users.filter((u) => u.mail && (u.mailbox ?? 'enabled') !== 'none').map((u) => u.mail!);

  const getJson = async <T>(p: string, init?: RequestInit): Promise<T> => {
    const res = await fetch(`${sim.origin}${p}`, init);
    if (!res.ok) throw new Error(`${p} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  };
  const messages = (address: string) => getJson<SimMessageRow[]>(`/_sim/mailboxes/${encodeURIComponent(address)}/messages`);
  return {
    sim,
    fixture,
    graph,
    exchange,
    managedDomains: fixture.managedDomains ?? [],
    mailboxes,
    messages,
    async state() {
      const out: string[] = [];
      for (const a of mailboxes) for (const m of await messages(a)) out.push(`${a} ${m.ref ?? m.internetMessageId} ${m.folder}`);
      return out.sort();
    },
    async requests(since = 0) {
      const body = await getJson<{ requests: RequestRow[] }>(`/_sim/requests?since=${since}`);
      return body.requests;
    },
    async setFaults(faults) {
      await getJson('/_sim/faults', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
    },
    close: () => sim.close(),
  };
}

/** The most requests of one mailbox that were ever in flight at once, from the simulator's log. */
export function maxInFlightPerMailbox(rows: RequestRow[]): Map<string, number> {
  const events = new Map<string, Array<[number, number]>>();
  for (const r of rows) {
    if (!r.mailbox) continue;
    const list = events.get(r.mailbox) ?? [];
    // An end at the same instant as a start frees its place first.
    list.push([r.startedAt, 1], [r.endedAt, -1]);
    events.set(r.mailbox, list);
  }
  const out = new Map<string, number>();
  for (const [mailbox, list] of events) {
    list.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let n = 0;
    let max = 0;
    for (const [, d] of list) {
      n += d;
      max = Math.max(max, n);
    }
    out.set(mailbox, max);
  }
  return out;
}
