/**
 * The simulated tenant in a process of its own, so that its memory (the scenario's mail) is
 * measured apart from the API's and its CPU is not the benchmark runner's.
 *
 * Started by bench/stack.ts with an IPC channel: argv[2] is the fixture file; it answers
 * { type: 'ready', origin, pid, loadMs, startMs, messages } once listening, and
 * { type: 'counts', counts } when asked { type: 'counts' }: the HTTP requests that reached the
 * server by kind (a `$batch` counts once here; /_sim/requests lists its items one by one).
 */
import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { readFileSync } from 'node:fs';
import { ensureDevCerts } from '../../src/dev/certs';
import { parseTenantFixture } from '../../src/sim/fixture';
import { startSimServer } from '../../src/sim/server';

export interface HttpCounts {
  /** Graph requests that were not `$batch` (one sub-request each). */
  graphSingle: number;
  /** `$batch` requests (each holding up to 20 sub-requests). */
  graphBatch: number;
  /** Exchange InvokeCommand requests (message trace). */
  exchange: number;
  /** Token requests to the identity endpoints. */
  identity: number;
  /** /_sim control requests (the benchmark's own). */
  control: number;
}

const counts: HttpCounts = { graphSingle: 0, graphBatch: 0, exchange: 0, identity: 0, control: 0 };

// Node publishes every request an http(s) server receives here: counting needs no change to the simulator.
subscribe('http.server.request.start', (message) => {
  const req = (message as { request: IncomingMessage }).request;
  const path = (req.url ?? '/').split('?')[0]!;
  if (/^\/v1\.0\/\$batch\/?$/i.test(path)) counts.graphBatch++;
  else if (/^\/v1\.0\//i.test(path)) counts.graphSingle++;
  else if (/^\/adminapi\//i.test(path)) counts.exchange++;
  else if (path.startsWith('/_sim/')) counts.control++;
  else counts.identity++;
});

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file || !process.send) throw new Error('usage: started by bench/stack.ts with an IPC channel and a fixture file');
  const certs = ensureDevCerts();
  const t0 = performance.now();
  const fixture = parseTenantFixture(JSON.parse(readFileSync(file, 'utf8')));
  const t1 = performance.now();
  // Running the fixture's mail ops happens here, in the tenant's constructor.
  const sim = await startSimServer({ fixture, cert: certs.cert, key: certs.key, port: 0 });
  const t2 = performance.now();
  const messages = sim.ctx.tenant.mail.messageCount();
  process.send({ type: 'ready', origin: sim.origin, pid: process.pid, loadMs: Math.round(t1 - t0), startMs: Math.round(t2 - t1), messages });
  process.on('message', (m: { type?: string }) => {
    if (m.type === 'counts') process.send?.({ type: 'counts', counts: { ...counts } });
  });
  const stop = (): void => {
    void sim.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('disconnect', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench sim: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
