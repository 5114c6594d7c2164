/**
 * Azurite restarted mid-job, on-disk mode (issue 11): the real stack — the API host, a worker
 * process, Azurite writing to a data folder and the simulated tenant over HTTPS. While the job's
 * targets are being moved, Azurite is stopped, left down for a few seconds and started again on
 * the same data folder and ports. The job must still end exactly: every selected target moved
 * once (one successful move each in the simulator's log), nothing else in any mailbox changed
 * (full /_sim snapshots before and after), counts exact, the job's intent and outcome records in
 * the audit and `audit verify` ok (harness `expectExactJob`).
 *
 * The stack keeps Azurite's data on disk (`azuriteDataDir`), so that it survives the restart.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startAzurite, type AzuriteHandle } from '../../src/dev/azurite';
import { startStack, type Stack } from '../integration/api/stack';
import {
  LONG,
  NO_FAULTS,
  bulkFixture,
  exited,
  expectExactJob,
  previewExcludingTwo,
  removalsPerMessage,
  report,
  requestsSince,
  setFaults,
  sleep,
  until,
  waitForJobEnd,
} from './harness';

const N = LONG ? 1000 : 200;
/**
 * How long Azurite stays down each time, and how many times it is restarted in the job: longer
 * than the storage SDKs' own retries (about 7 s), so that the product's handling is what is tested.
 */
const DOWN_MS = LONG ? 15_000 : 10_000;
const RESTARTS = LONG ? 2 : 1;

jest.setTimeout(LONG ? 900_000 : 150_000);

let dataDir: string;
let stack: Stack;
let admin: string;
const children: ChildProcess[] = [];

/** Worker processes (src/dev/worker.ts) with their error output kept, to count failed attempts. */
const workerLog: string[] = [];
function startWorker(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../../src/dev/worker.ts')], {
    cwd: path.resolve(__dirname, '../..'),
    env: { ...process.env, ...stack.env },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  let partial = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    workerLog.push(...lines);
  });
  children.push(child);
  return child;
}

/** Stops Azurite, waits `downMs` (starting `whileDown` meanwhile), starts it again on the same data folder and ports. */
async function restartAzurite(downMs: number, whileDown?: () => void): Promise<AzuriteHandle> {
  const old = stack.azurite;
  await old.stop();
  whileDown?.();
  await sleep(downMs);
  const next = await startAzurite({ dataDir, ports: { blob: old.blobPort, queue: old.queuePort, table: old.tablePort } });
  expect(next.connectionString).toBe(old.connectionString);
  stack.azurite = next;
  return next;
}

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'retract-azurite-'));
  // Azurite on disk, so that its data survives the restart.
  stack = await startStack({ fixture: bulkFixture({ prefix: 'rst', count: N, phishRefs: ['phish-restart'] }), azuriteDataDir: dataDir });
  admin = await stack.appToken('retract-cli');
}, 120_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(children.map(exited));
  await stack?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

it('finishes a job exactly once when Azurite (on disk) is restarted while its targets are moved', async () => {
  const { lookupId, selected, excluded, before, seqBefore } = await previewExcludingTwo(stack, admin, 'rst0000@contoso.com', 'phish-restart', N);

  // Graph answers slowly, so that the job is still moving targets when Azurite goes away.
  await setFaults(stack, { ...NO_FAULTS, latencyMs: LONG ? 300 : 400 });
  startWorker();
  const accepted = await stack.call('POST', 'jobs', { token: admin, body: { lookupId, action: 'soft-delete', exclude: excluded.map((t) => t.messageId), reason: 'reliability azurite restart' } });
  expect(accepted.status).toBe(202);
  const jobId: string = accepted.body.jobId;
  const started = Date.now();

  const restarts: string[] = [];
  for (let i = 0; i < RESTARTS; i++) {
    // Stop Azurite once more targets have been moved (the first time: as soon as any has).
    const want = Math.max(1, Math.floor((selected.length * i) / RESTARTS) + 1);
    const moved = await until(
      `${want} targets moved`,
      async () => removalsPerMessage(await requestsSince(stack, seqBefore)).size,
      (m) => m >= want,
      60_000,
      50,
    );
    expect(moved).toBeLessThan(selected.length);
    const at = Date.now() - started;
    // A second worker starts while storage is away: it must wait for it, not exit.
    await restartAzurite(DOWN_MS, i === 0 ? () => void startWorker() : undefined);
    restarts.push(`down ${DOWN_MS / 1000} s at ${(at / 1000).toFixed(1)} s after the job was accepted, ${moved} of ${selected.length} targets moved`);
  }

  const job = await waitForJobEnd(stack, jobId, admin, { timeoutMs: LONG ? 600_000 : 90_000, pollMs: 250 });
  await setFaults(stack, NO_FAULTS);
  // The workers lived through the outage: they waited for storage (no crash, no exit), and no
  // work item failed an attempt (its storage calls were retried instead).
  expect(children.map((c) => ({ exitCode: c.exitCode, signal: c.signalCode }))).toEqual(children.map(() => ({ exitCode: null, signal: null })));
  const failedAttempts = workerLog.filter((l) => / failed \(attempt \d+\)/.test(l));
  expect(failedAttempts).toEqual([]);
  const retries = workerLog.filter((l) => /storage not reachable|could not be read/.test(l)).length;
  const f = await expectExactJob(stack, admin, { job, selected, excluded, action: 'soft-delete', before, seqBefore });
  const poison = await stack.api.services.storage.poisonQueue.peekMessages({ numberOfMessages: 32 });
  expect(poison.peekedMessageItems).toHaveLength(0);
  report(`Azurite restarted (on disk): ${f.targets} targets (${N} previewed, 2 excluded), ${restarts.join('; ')}; 2 worker processes (one started during the outage), ${retries} storage waits logged, 0 failed attempts; ${f.removals} moves, ${Date.now() - started} ms, mismatches ${f.mismatches}, audit ok`);
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(children.map(exited));
});
