/**
 * A `once` audit record with per-target outcome rows (a job's outcome record) on Azurite, written
 * by an append that crashes at each point, is retried, is redelivered, or races another: the
 * record is written once, it names exactly its own rows, no outcome row is left that no record
 * names, and the chain verifies.
 */
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { startAzurite, type AzuriteHandle } from '../../../src/dev/azurite';
import { AuditStore, type AuditEntry } from '../../../src/api/audit/store';
import type { AuditOutcomeRow } from '../../../src/api/audit/chain';
import { createStorage, listAll, odata, type Storage } from '../../../src/api/storage/clients';

let azurite: AzuriteHandle;
let storage: Storage;
beforeAll(async () => {
  azurite = await startAzurite();
  storage = createStorage(azurite.connectionString, 'audit-once-test');
  await storage.ensure();
}, 30000);
afterAll(async () => {
  await azurite?.stop();
});

const entry = (jobId: string, outcome = 'completed'): AuditEntry => ({ section: 'Retract', event: 'job', phase: 'outcome', actor: { app: 'worker' }, jobId, outcome });
const rows = (n: number, outcome = 'done'): AuditOutcomeRow[] => Array.from({ length: n }, (_, i) => ({ mailbox: `u${i}@contoso.com`, messageId: `m${i}`, outcome }));

/** Every outcome row stored for a tenant, by the record id it is filed under. */
async function outcomeRowsByRecord(tenantId: string): Promise<Map<string, number>> {
  const all = await listAll<{ row: string }>(storage.table('auditOutcomes'), `PartitionKey ge ${odata(`${tenantId}|`)} and PartitionKey lt ${odata(`${tenantId}}`)}`);
  const out = new Map<string, number>();
  for (const r of all) {
    const id = r.partitionKey.slice(tenantId.length + 1);
    out.set(id, (out.get(id) ?? 0) + 1);
  }
  return out;
}

/**
 * A store whose audit transaction (the record with the chain's head) "crashes" once: before it
 * reaches storage, or after storage committed it (the answer lost) — as a worker killed there.
 */
function crashingStore(point: 'before-record' | 'after-record'): { store: AuditStore; crashed: () => boolean } {
  let armed = true;
  const wrap = (client: TableClient): TableClient =>
    new Proxy(client, {
      get(target, prop) {
        if (prop === 'submitTransaction') {
          return async (actions: TransactionAction[]) => {
            const writesRecord = actions.some((a) => a[0] === 'create' && String((a[1] as { rowKey?: unknown }).rowKey).startsWith('r'));
            if (armed && writesRecord) {
              armed = false;
              if (point === 'before-record') throw new Error('worker killed before the record was written');
              await target.submitTransaction(actions);
              throw new Error('worker killed after the record was written');
            }
            return target.submitTransaction(actions);
          };
        }
        const v: unknown = Reflect.get(target, prop, target);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  const crashing: Storage = { ...storage, table: (name) => (name === 'audit' ? wrap(storage.table(name)) : storage.table(name)) };
  return { store: new AuditStore(crashing), crashed: () => !armed };
}

async function expectOneRecordWithItsRows(tenantId: string, n: number): Promise<void> {
  const store = new AuditStore(storage);
  const page = await store.search(tenantId, {});
  expect(page.records).toHaveLength(1);
  const record = page.records[0]!;
  expect(record.outcomesCount).toBe(n);
  expect(await store.outcomesOf(tenantId, record.id)).toHaveLength(n);
  // No row filed under any other id: nothing orphaned.
  expect([...(await outcomeRowsByRecord(tenantId)).entries()]).toEqual([[record.id, n]]);
  expect(await store.verify(tenantId)).toMatchObject({ ok: true, records: 1 });
}

it('a redelivered append writes nothing: one record, its rows only', async () => {
  const store = new AuditStore(storage);
  const first = await store.append('t-redeliver', entry('j1'), { once: 'job-outcome-j1', outcomes: rows(30) });
  expect(first).not.toBeNull();
  expect(await store.append('t-redeliver', entry('j1'), { once: 'job-outcome-j1', outcomes: rows(30) })).toBeNull();
  await expectOneRecordWithItsRows('t-redeliver', 30);
});

it('a worker killed after the rows and before the record: the retry writes the record over the same rows', async () => {
  const { store, crashed } = crashingStore('before-record');
  await expect(store.append('t-crash-before', entry('j2'), { once: 'job-outcome-j2', outcomes: rows(25) })).rejects.toThrow(/killed/);
  expect(crashed()).toBe(true);
  expect(await new AuditStore(storage).search('t-crash-before', {})).toMatchObject({ records: [] });
  const retried = await new AuditStore(storage).append('t-crash-before', entry('j2'), { once: 'job-outcome-j2', outcomes: rows(25) });
  expect(retried).not.toBeNull();
  await expectOneRecordWithItsRows('t-crash-before', 25);
});

it('a worker killed after the record was written: the retry returns null and leaves nothing behind', async () => {
  const { store } = crashingStore('after-record');
  await expect(store.append('t-crash-after', entry('j3'), { once: 'job-outcome-j3', outcomes: rows(12) })).rejects.toThrow(/killed/);
  expect(await new AuditStore(storage).append('t-crash-after', entry('j3'), { once: 'job-outcome-j3', outcomes: rows(12) })).toBeNull();
  await expectOneRecordWithItsRows('t-crash-after', 12);
});

it('a crashed attempt whose outcomes differ from the retry (a cancelled job still settling) leaves no rows behind', async () => {
  const { store } = crashingStore('before-record');
  await expect(store.append('t-differ', entry('j4', 'cancelled'), { once: 'job-outcome-j4', outcomes: rows(10, 'pending') })).rejects.toThrow(/killed/);
  expect((await outcomeRowsByRecord('t-differ')).size).toBe(1);
  const retried = await new AuditStore(storage).append('t-differ', entry('j4', 'cancelled'), { once: 'job-outcome-j4', outcomes: [...rows(6), ...rows(4, 'pending').slice(0, 3)] });
  expect(retried).not.toBeNull();
  await expectOneRecordWithItsRows('t-differ', 9);
  const stored = await new AuditStore(storage).outcomesOf('t-differ', retried!.id);
  expect(stored.filter((r) => r.outcome === 'done')).toHaveLength(6);
});

it('writers racing with different outcomes: one record, only the winner\'s rows remain', async () => {
  const writers = [0, 1, 2, 3].map(() => new AuditStore(createStorage(azurite.connectionString, 'audit-once-test')));
  const results = await Promise.all(writers.map((w, i) => w.append('t-race', entry('j5'), { once: 'job-outcome-j5', outcomes: rows(20 + (i % 2)) })));
  const written = results.filter((r) => r !== null);
  expect(written).toHaveLength(1);
  await expectOneRecordWithItsRows('t-race', written[0]!.outcomesCount!);
});
