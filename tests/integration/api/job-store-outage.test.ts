/**
 * Storing a job through a storage outage (Azurite): a targets transaction or the job row whose
 * answer is lost after storage wrote it, and a work-item send refused while storage is away.
 * The job is still stored once with all its targets, and every chunk gets its work item.
 */
import type { TableClient } from '@azure/data-tables';
import { RestError } from '@azure/data-tables';
import { startAzurite, type AzuriteHandle } from '../../../src/dev/azurite';
import { createStorage, type Storage } from '../../../src/api/storage/clients';
import { CHUNK_SIZE, JobStore } from '../../../src/api/storage/jobs';
import { enqueueChunks } from '../../../src/api/worker/work-items';

let azurite: AzuriteHandle;
let storage: Storage;
beforeAll(async () => {
  azurite = await startAzurite();
  storage = createStorage(azurite.connectionString, 'job-store-outage');
  await storage.ensure();
}, 30000);
afterAll(async () => {
  await azurite?.stop();
});

/** Wraps a client so that `method` fails once: after the real call (`lost-answer`) or instead of it (`refused`). */
function failOnce<T extends object>(client: T, method: string, how: 'lost-answer' | 'refused', count: { n: number }): T {
  let failed = false;
  return new Proxy(client, {
    get(target, prop) {
      const v: unknown = Reflect.get(target, prop, target);
      if (typeof v !== 'function') return v;
      const fn = (v as (...a: unknown[]) => Promise<unknown>).bind(target);
      if (prop !== method) return fn;
      return async (...args: unknown[]) => {
        count.n++;
        if (failed) return fn(...args);
        failed = true;
        if (how === 'refused') throw new RestError('connect ECONNREFUSED 127.0.0.1:10001', { code: 'ECONNREFUSED' });
        await fn(...args);
        throw new RestError('socket hang up', { code: 'ECONNRESET' });
      };
    },
  });
}

const targets = (n: number) => Array.from({ length: n }, (_, i) => ({ mailbox: `u${i}@contoso.com`, messageId: `m${i}`, internetMessageId: '<phish@evil.example>', folder: 'inbox', depth: 0 }));
const newJob = { action: 'soft-delete' as const, lookupId: 'l1', internetMessageId: '<phish@evil.example>', actor: { oid: 'o1', upn: 'admin@contoso.com' } };

it('stores a job once, with all its targets, when storage wrote a transaction and the job row but their answers were lost', async () => {
  const calls = { tx: { n: 0 }, row: { n: 0 } };
  const targetsTable = failOnce<TableClient>(storage.table('targets'), 'submitTransaction', 'lost-answer', calls.tx);
  const jobsTable = failOnce<TableClient>(storage.table('jobs'), 'createEntity', 'lost-answer', calls.row);
  const flaky: Storage = { ...storage, table: (name) => (name === 'targets' ? targetsTable : name === 'jobs' ? jobsTable : storage.table(name)) };
  const n = 230;
  const created = await new JobStore(flaky).create('t1', newJob, targets(n));
  // 3 transactions of targets (100, 100, 30), the first tried twice; the job row tried twice.
  expect(calls.tx.n).toBe(4);
  expect(calls.row.n).toBe(2);
  const store = new JobStore(storage);
  const job = await store.view('t1', created.jobId);
  expect(job).toMatchObject({ status: 'queued', counts: { targets: n, done: 0, alreadyGone: 0, failed: 0, pending: n } });
  expect(job!.results!.map((r) => r.messageId)).toEqual(targets(n).map((t) => t.messageId));
  expect(created.chunkCount).toBe(Math.ceil(n / CHUNK_SIZE));
});

it('still refuses a job id that is already taken (a conflict on the first try is real)', async () => {
  const store = new JobStore(storage);
  const { jobId } = await store.create('t2', newJob, targets(3));
  await expect(store.create('t2', newJob, targets(3), jobId)).rejects.toMatchObject({ statusCode: 409 });
});

it('enqueues a work item for every chunk when a send is refused while storage is away', async () => {
  const calls = { n: 0 };
  const flaky: Storage = { ...storage, queue: failOnce(storage.queue, 'sendMessage', 'refused', calls) };
  await enqueueChunks(flaky, 't3', 'job-3', 5);
  expect(calls.n).toBe(6);
  const seen = new Set<number>();
  for (;;) {
    const got = await storage.queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 60 });
    if (!got.receivedMessageItems.length) break;
    for (const m of got.receivedMessageItems) seen.add((JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')) as { chunk: number }).chunk);
  }
  expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
});
