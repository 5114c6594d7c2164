/**
 * Load: jobs started at once by several callers while lookups run concurrently, against the
 * real stack (API host, two worker processes, Azurite, the simulated tenant). Reports
 * throughput, p50/p95 latency per API route and the error rate; asserts no error (only a
 * documented 429 would be allowed, and the API sends none) and every job exact.
 * Short form: 5 jobs of 200 targets, 5 callers, 10 concurrent lookups. Long form
 * (RETRACT_RELIABILITY=long): 20 jobs of 1,000 targets, 5 callers, 50 concurrent lookups.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { spawnWorker } from '../../src/dev/api-host';
import { parseTenantFixture } from '../../src/sim/fixture';
import { startStack, type Stack } from '../integration/api/stack';
import { LONG, bulkFixture, exited, report, sleep } from './harness';

const JOBS = LONG ? 20 : 5;
const TARGETS = LONG ? 1000 : 200;
const CALLERS = 5;
const LOOKUPS = LONG ? 50 : 10;

let stack: Stack;
const workers: ChildProcess[] = [];
const timings = new Map<string, number[]>();
let errors = 0;
let throttled = 0;

jest.setTimeout(LONG ? 1_800_000 : 180_000);

beforeAll(async () => {
  const base = bulkFixture({ prefix: 'load', count: TARGETS, phishRefs: Array.from({ length: JOBS }, (_, i) => `load-phish-${i}`) });
  const callers = Array.from({ length: CALLERS }, (_, i) => ({ name: `soar-${i}`, clientId: randomUUID(), secret: `load-secret-${i}`, appRolesOnApi: ['Retract.Admin'] }));
  stack = await startStack({ fixture: parseTenantFixture({ ...base, apps: [...base.apps, ...callers] }) });
  workers.push(spawnWorker(stack.env), spawnWorker(stack.env));
}, 180_000);

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGTERM');
  await Promise.all(workers.map(exited));
  await stack?.close();
}, 60_000);

async function timed(route: string, method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON answers
  const t0 = performance.now();
  const res = await stack.call(method, path, { token, body });
  const ms = performance.now() - t0;
  timings.set(route, [...(timings.get(route) ?? []), ms]);
  if (res.status === 429) throttled++;
  else if (res.status >= 400) errors++;
  return res;
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0);
};

it(`runs ${JOBS} jobs of ${TARGETS} targets from ${CALLERS} callers with ${LOOKUPS} concurrent lookups, exactly`, async () => {
  const tokens = await Promise.all(Array.from({ length: CALLERS }, (_, i) => stack.appToken(`soar-${i}`)));
  const copies = (await (await fetch(`${stack.sim.origin}/_sim/mailboxes/load0000%40contoso.com/messages`)).json()) as Array<{ ref: string; internetMessageId: string }>;
  const ids = Array.from({ length: JOBS }, (_, i) => copies.find((m) => m.ref === `load-phish-${i}`)!.internetMessageId);
  const started = performance.now();

  // Every caller looks up its messages and starts a job on each, all at once.
  const jobIds = await Promise.all(
    ids.map(async (internetMessageId, i) => {
      const token = tokens[i % CALLERS]!;
      const lookup = await timed('POST /lookups', 'POST', 'lookups', token, { internetMessageId, depth: 0 });
      expect(lookup.status).toBe(200);
      expect(lookup.body.targets).toHaveLength(TARGETS);
      const job = await timed('POST /jobs', 'POST', 'jobs', token, { lookupId: lookup.body.lookupId, action: 'soft-delete' });
      expect(job.status).toBe(202);
      return { jobId: job.body.jobId as string, token };
    }),
  );
  const jobsStarted = performance.now();

  // Meanwhile, concurrent lookups of the same messages (preview only), and polling.
  const lookups = Promise.all(Array.from({ length: LOOKUPS }, (_, i) => timed('POST /lookups (concurrent)', 'POST', 'lookups', tokens[i % CALLERS]!, { internetMessageId: ids[i % JOBS]!, depth: 0 })));
  const finished = await Promise.all(
    jobIds.map(async ({ jobId, token }) => {
      for (;;) {
        const r = await timed('GET /jobs/{id}', 'GET', `jobs/${jobId}`, token);
        if (r.status === 200 && !['queued', 'running'].includes(r.body.status)) return r.body;
        await sleep(1000);
      }
    }),
  );
  await lookups;
  const totalMs = performance.now() - started;
  for (const job of finished) expect({ status: job.status, counts: job.counts }).toEqual({ status: 'completed', counts: { targets: TARGETS, done: TARGETS, alreadyGone: 0, failed: 0, pending: 0 } });
  const verify = await timed('GET /audit/verify', 'GET', 'audit/verify', tokens[0]!);
  expect(verify.body.ok).toBe(true);
  expect(errors).toBe(0);

  const calls = [...timings.values()].reduce((a, b) => a + b.length, 0);
  const lines = [...timings.entries()].map(([route, xs]) => `${route} n=${xs.length} p50=${pct(xs, 50)} ms p95=${pct(xs, 95)} ms`);
  report(
    `load: ${JOBS} jobs x ${TARGETS} targets from ${CALLERS} callers + ${LOOKUPS} concurrent lookups; ${JOBS * TARGETS} targets in ${Math.round(totalMs)} ms ` +
      `(${Math.round((JOBS * TARGETS) / ((performance.now() - jobsStarted) / 1000))} targets/s after the jobs were accepted); ${calls} API calls, ${errors} errors, ${throttled} 429; ${lines.join('; ')}`,
  );
});
