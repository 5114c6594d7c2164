/**
 * The audit store on Azurite: many writers (separate clients, as separate workers would be)
 * append at once and the chain stays whole; `once` writes a record at most once however many
 * race for it; removing the last record is detected.
 */
import { TableClient } from '@azure/data-tables';
import { startAzurite, type AzuriteHandle } from '../../../src/dev/azurite';
import { AuditStore } from '../../../src/api/audit/store';
import { createStorage } from '../../../src/api/storage/clients';

let azurite: AzuriteHandle;
beforeAll(async () => {
  azurite = await startAzurite();
}, 30000);
afterAll(async () => {
  await azurite?.stop();
});

function writer(): AuditStore {
  const storage = createStorage(azurite.connectionString, 'audit-test');
  return new AuditStore(storage);
}

it('keeps one unbroken chain when many writers append at once', async () => {
  await createStorage(azurite.connectionString, 'audit-test').ensure();
  const writers = [writer(), writer(), writer(), writer()];
  const appended = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      writers[i % writers.length]!.append('tenant-a', { section: 'Retract', event: 'lookup', actor: { oid: `u${i}` }, outcome: 'ok' }),
    ),
  );
  const seqs = appended.map((r) => r!.seq).sort((a, b) => a - b);
  expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  const verdict = await writers[0]!.verify('tenant-a');
  expect(verdict).toMatchObject({ ok: true, records: 40 });
  expect(verdict.head).toBe(appended.find((r) => r!.seq === 40)!.hash);
  // Another tenant's chain is its own.
  expect(await writers[1]!.verify('tenant-b')).toEqual({ ok: true, records: 0, head: null });
});

it('verifies ok while other writers append (an append committing mid-read is not a removal)', async () => {
  await createStorage(azurite.connectionString, 'audit-test').ensure();
  const writers = [writer(), writer()];
  let appending = true;
  const appends = (async () => {
    for (let i = 0; appending; i++) await writers[i % 2]!.append('tenant-v', { section: 'Retract', event: 'lookup', actor: { oid: `v${i}` }, outcome: 'ok' });
  })();
  const verdicts = [];
  try {
    // Before the fix about a third of these verdicts said "records were removed at the end".
    for (let i = 0; i < 30; i++) verdicts.push(await writer().verify('tenant-v'));
  } finally {
    appending = false;
    await appends;
  }
  expect(verdicts.filter((v) => !v.ok)).toEqual([]);
  expect(verdicts.at(-1)!.records).toBeGreaterThan(verdicts[0]!.records);
});

it('writes a `once` record exactly once when several writers race for it', async () => {
  const writers = [writer(), writer(), writer()];
  const results = await Promise.all(
    writers.map((w) =>
      w.append('tenant-c', { section: 'Retract', event: 'job', phase: 'outcome', actor: {}, jobId: 'j1', outcome: 'completed' }, {
        once: 'job-outcome-j1',
        outcomes: [{ mailbox: 'a@contoso.com', messageId: 'm1', outcome: 'done' }],
      }),
    ),
  );
  expect(results.filter((r) => r !== null)).toHaveLength(1);
  const page = await writers[0]!.search('tenant-c', {});
  expect(page.records).toHaveLength(1);
  expect(await writers[0]!.verify('tenant-c')).toMatchObject({ ok: true, records: 1 });
});

it('pages newest first with a cursor and filters by section and actor', async () => {
  const w = writer();
  for (let i = 0; i < 5; i++) await w.append('tenant-d', { section: i % 2 ? 'Setup' : 'Revoke', event: 'x', actor: { oid: `o${i}`, upn: `User${i}@Contoso.com` } });
  const first = await w.search('tenant-d', { limit: 2 });
  expect(first.records.map((r) => r.seq)).toEqual([5, 4]);
  const second = await w.search('tenant-d', { limit: 2, cursor: first.nextCursor! });
  expect(second.records.map((r) => r.seq)).toEqual([3, 2]);
  const last = await w.search('tenant-d', { limit: 2, cursor: second.nextCursor! });
  expect(last.records.map((r) => r.seq)).toEqual([1]);
  expect(last.nextCursor).toBeNull();
  expect((await w.search('tenant-d', { section: 'Setup' })).records.map((r) => r.seq)).toEqual([4, 2]);
  expect((await w.search('tenant-d', { actor: 'user3@contoso.com' })).records.map((r) => r.seq)).toEqual([4]);
});

it('detects the last record removed, and names where', async () => {
  const table = TableClient.fromConnectionString(azurite.connectionString, 'RetractAudit', { allowInsecureConnection: true });
  await table.deleteEntity('tenant-d', 'r000000000005');
  const verdict = await writer().verify('tenant-d');
  expect(verdict).toMatchObject({ ok: false, records: 4, brokenAt: 5 });
  expect(verdict.why).toMatch(/removed/);
});
