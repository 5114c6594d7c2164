/**
 * Faults during real jobs (API host + worker processes + Azurite + the simulated tenant over
 * HTTPS): connection resets, 503 bursts, and the API restarted while a client polls. (The
 * SIGKILL-three-times and 429-storm scenarios found product defects; see docs/reliability.md.) After each: every previewed and selected target removed
 * exactly once (one successful move each in the simulator's request log), nothing else in any
 * mailbox changed (full /_sim snapshots before and after), counts exact, the job's intent and
 * outcome records in the audit and `audit verify` ok.
 *
 * The simulator injects latency and 500/502/503/504 answers; 429s at a given share of requests
 * and connection resets come from a fault proxy between the product and the simulator's Graph
 * (harness.ts). A request held past a client timeout is not tested: the product's Graph client
 * sets no timeout of its own.
 */
import type { ChildProcess } from 'node:child_process';
import { spawnWorker, startApiHost, type ApiHost } from '../../src/dev/api-host';
import { ensureDevCerts } from '../../src/dev/certs';
import { startStack, type Stack } from '../integration/api/stack';
import {
  LONG,
  startFaultProxy,
  type FaultProxy,
  NO_FAULTS,
  bulkFixture,
  exited,
  expectExactJob,
  graphRequests,
  report,
  requestSeq,
  requestsSince,
  setFaults,
  sleep,
  snapshot,
  waitForJobEnd,
  type Target,
} from './harness';

const N = LONG ? 400 : 40;
const SCENARIOS = ['resets', 'burst', 'restart'] as const;
let proxy: FaultProxy;
let stack: Stack;
let admin: string;
const children: ChildProcess[] = [];
let restartedApi: ApiHost | undefined;

jest.setTimeout(LONG ? 900_000 : 120_000);

beforeAll(async () => {
  proxy = await startFaultProxy();
  stack = await startStack({ fixture: bulkFixture({ prefix: 'rel', count: N, phishRefs: SCENARIOS.map((s) => `phish-${s}`) }), env: { RETRACT_GRAPH_BASE: `${proxy.origin}/v1.0` } });
  proxy.target = stack.sim.origin;
  admin = await stack.appToken('retract-cli');
}, 120_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(children.map(exited));
  await restartedApi?.close();
  await stack?.close();
  await proxy?.close();
}, 60_000);

// A test that fails part-way must not leave its worker taking the next test's work items.
afterEach(async () => {
  const live = children.filter((c) => c.exitCode === null && c.signalCode === null);
  for (const c of live) c.kill('SIGKILL');
  await Promise.all(live.map(exited));
});

function worker(): ChildProcess {
  const w = spawnWorker(stack.env);
  children.push(w);
  return w;
}

/** The lookup through the API (the real engine), and a job on its targets minus two excluded. */
async function previewAndStart(scenario: string, action: string, beforeJob?: () => Promise<void> | void): Promise<{ jobId: string; selected: Target[]; excluded: Target[]; before: Awaited<ReturnType<typeof snapshot>>; seqBefore: number }> {
  const copies = (await (await fetch(`${stack.sim.origin}/_sim/mailboxes/rel0000%40contoso.com/messages`)).json()) as Array<{ ref: string; internetMessageId: string }>;
  const internetMessageId = copies.find((m) => m.ref === `phish-${scenario}`)!.internetMessageId;
  const lookup = await stack.call('POST', 'lookups', { token: admin, body: { internetMessageId, depth: 0 } });
  expect(lookup.status).toBe(200);
  const targets: Target[] = lookup.body.targets;
  expect(targets).toHaveLength(N);
  const excluded = [targets[1]!, targets[N - 2]!];
  const selected = targets.filter((t) => !excluded.includes(t));
  const before = await snapshot(stack);
  const seqBefore = await requestSeq(stack);
  await beforeJob?.();
  const accepted = await stack.call('POST', 'jobs', { token: admin, body: { lookupId: lookup.body.lookupId, action, exclude: excluded.map((t) => t.messageId), reason: `reliability ${scenario}` } });
  expect(accepted.status).toBe(202);
  return { jobId: accepted.body.jobId, selected, excluded, before, seqBefore };
}

it('finishes a job exactly once through connection resets (a fifth of all Graph requests)', async () => {
  const w = worker();
  const injected = { ...proxy.injected };
  const { jobId, selected, excluded, before, seqBefore } = await previewAndStart('resets', 'soft-delete', () => {
    Object.assign(injected, proxy.injected);
    proxy.faults = { throttle429: 0, reset: 0.2 };
  });
  const started = Date.now();
  const job = await waitForJobEnd(stack, jobId, admin, { timeoutMs: LONG ? 600_000 : 90_000 }).finally(() => (proxy.faults = { throttle429: 0, reset: 0 }));
  const resets = proxy.injected.resets - injected.resets;
  const f = await expectExactJob(stack, admin, { job, selected, excluded, action: 'soft-delete', before, seqBefore });
  expect(resets).toBeGreaterThan(0);
  report(`connection resets (p=0.2): ${f.targets} targets, ${resets} connections reset, ${Date.now() - started} ms, mismatches ${f.mismatches}, audit ok`);
  w.kill('SIGTERM');
  await exited(w);
});

it('finishes a job exactly once through bursts of 503s', async () => {
  const w = worker();
  const seqBeforeBursts = await requestSeq(stack);
  // Bursts until the job ends: at least 1 s in which half of all Graph requests (and $batch
  // items) fail 503 — held until the first 503 has been served, so that a worker slow to start
  // cannot slip through in a calm — then 2 s of calm.
  let ended = false;
  let bursts = 0;
  let bursting: Promise<void> = Promise.resolve();
  const { jobId, selected, excluded, before, seqBefore } = await previewAndStart('burst', 'move-to-deleted-items', () => {
    const from = seqBeforeBursts;
    bursting = (async () => {
      while (!ended) {
        bursts++;
        await setFaults(stack, { ...NO_FAULTS, latencyMs: 300, errorRate: { '503': 0.5 } });
        await sleep(1000);
        while (!ended && !graphRequests(await requestsSince(stack, from)).some((r) => r.status === 503)) await sleep(100);
        await setFaults(stack, { ...NO_FAULTS, latencyMs: 300 });
        await sleep(2000);
      }
    })();
  });
  const started = Date.now();
  const job = await waitForJobEnd(stack, jobId, admin, { timeoutMs: LONG ? 600_000 : 90_000 });
  ended = true;
  await bursting;
  await setFaults(stack, NO_FAULTS);
  const f = await expectExactJob(stack, admin, { job, selected, excluded, action: 'move-to-deleted-items', before, seqBefore });
  expect(f.unavailable).toBeGreaterThan(0);
  report(`503 bursts: ${f.targets} targets, ${bursts} bursts, ${f.graphRequests} Graph requests of which ${f.unavailable} 503, ${Date.now() - started} ms, mismatches ${f.mismatches}, audit ok`);
  w.kill('SIGTERM');
  await exited(w);
});

it('finishes a job exactly once while the API is restarted under a polling client', async () => {
  await setFaults(stack, { ...NO_FAULTS, latencyMs: LONG ? 100 : 1000 });
  const w = worker();
  const { jobId, selected, excluded, before, seqBefore } = await previewAndStart('restart', 'soft-delete');
  const started = Date.now();
  let pollErrors = 0;
  // The client polls every 100 ms, as the task pane does, through the restart.
  const polling = waitForJobEnd(stack, jobId, admin, {
    timeoutMs: LONG ? 600_000 : 90_000,
    pollMs: 100,
    onError: () => pollErrors++,
  });
  let ended = false;
  void polling.finally(() => (ended = true)).catch(() => undefined);
  const port = stack.api.port;
  await sleep(500);
  await stack.api.close();
  // Down for a second, as a host restart is.
  await sleep(1000);
  const certs = ensureDevCerts();
  restartedApi = await startApiHost({ env: stack.env, cert: certs.cert, key: certs.key, port, workers: 0 });
  expect(ended).toBe(false);
  const job = await polling;
  await setFaults(stack, NO_FAULTS);
  const f = await expectExactJob(stack, admin, { job, selected, excluded, action: 'soft-delete', before, seqBefore });
  expect(pollErrors).toBeGreaterThan(0);
  report(`API restarted while polling: ${f.targets} targets, API down 1 s mid-job, ${pollErrors} polls failed meanwhile and the client carried on, ${Date.now() - started} ms, mismatches ${f.mismatches}, audit ok`);
  w.kill('SIGTERM');
  await exited(w);
});
