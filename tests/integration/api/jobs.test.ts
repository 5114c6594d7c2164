/**
 * Lookups and jobs over HTTPS with a worker: a job acts on exactly its lookup's targets (another
 * tenant's lookup, an expired one and a made-up id are refused), bad input is refused with the
 * field named and changes nothing, undo puts items back, and editing an audit row directly in
 * Azurite makes verify fail and name it.
 */
import { TableClient } from '@azure/data-tables';
import { randomUUID } from 'node:crypto';
import { runWorker, type RunningWorker } from '../../../src/dev/worker';
import { startStack, type Stack } from './stack';
import { outcomesPartition, parseRecord } from '../../../src/api/audit/store';

let stack: Stack;
let worker: RunningWorker;
let admin: string;
let phishId: string;

interface SimMessage { id: string; ref: string | null; internetMessageId: string; folder: string }

async function simMessages(address: string): Promise<SimMessage[]> {
  const res = await fetch(`${stack.sim.origin}/_sim/mailboxes/${encodeURIComponent(address)}/messages`);
  return (await res.json()) as SimMessage[];
}

async function waitForJob(jobId: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any -- the §5 job as JSON
  for (let i = 0; i < 300; i++) {
    const r = await stack.call('GET', `jobs/${jobId}`, { token: admin });
    if (!['queued', 'running'].includes(r.body.status)) return r.body;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error('job did not end');
}

beforeAll(async () => {
  stack = await startStack();
  worker = runWorker({ services: stack.api.services, idlePollMs: 50 });
  admin = await stack.appToken('retract-cli');
  phishId = (await simMessages('megan@contoso.com')).find((m) => m.ref === 'phish')!.internetMessageId;
}, 60000);

afterAll(async () => {
  await worker?.stop();
  await stack?.close();
});

it("acts on exactly the lookup's targets minus the excluded ones, and undo puts them back", async () => {
  const lookup = await stack.call('POST', 'lookups', { token: admin, body: { internetMessageId: phishId, depth: 0 } });
  expect(lookup.status).toBe(200);
  const targets: Array<{ mailbox: string; messageId: string }> = lookup.body.targets;
  expect(targets.length).toBeGreaterThan(3);
  const kept = targets[0]!;
  const job = await stack.call('POST', 'jobs', { token: admin, body: { lookupId: lookup.body.lookupId, action: 'soft-delete', exclude: [kept.messageId], reason: 'phish' } });
  expect(job.status).toBe(202);
  const done = await waitForJob(job.body.jobId);
  expect(done.status).toBe('completed');
  expect(done.counts).toMatchObject({ targets: targets.length - 1, done: targets.length - 1, alreadyGone: 0, failed: 0 });
  expect(done.results.map((r: { messageId: string }) => r.messageId)).not.toContain(kept.messageId);

  // The list shows the same status and counts as the job itself.
  const listed = (await stack.call('GET', 'jobs', { token: admin })).body.jobs.find((j: { jobId: string }) => j.jobId === job.body.jobId);
  expect({ status: listed.status, counts: listed.counts }).toEqual({ status: done.status, counts: done.counts });
  const keptCopy = (await simMessages(kept.mailbox)).find((m) => m.internetMessageId === phishId)!;
  expect(keptCopy.folder).toBe('inbox');
  const other = targets[1]!;
  expect((await simMessages(other.mailbox)).find((m) => m.internetMessageId === phishId)!.folder).toBe('recoverableitemsdeletions');

  // At-least-once: the same work item delivered again changes nothing and counts nothing twice.
  await stack.api.services.storage.queue.sendMessage(Buffer.from(JSON.stringify({ tenantId: stack.fixture.tenant.id, jobId: job.body.jobId, chunk: 0 })).toString('base64'));
  await new Promise((r) => setTimeout(r, 800));
  const again = await stack.call('GET', `jobs/${job.body.jobId}`, { token: admin });
  expect(again.body.counts).toEqual(done.counts);

  const undo = await stack.call('POST', `jobs/${job.body.jobId}/undo`, { token: admin });
  expect(undo.status).toBe(202);
  const undone = await waitForJob(undo.body.jobId);
  expect(undone).toMatchObject({ status: 'completed', action: 'undo', undoOf: job.body.jobId });
  expect(undone.counts.done).toBe(targets.length - 1);
  expect((await simMessages(other.mailbox)).find((m) => m.internetMessageId === phishId)!.folder).toBe('inbox');
  const original = await stack.call('GET', `jobs/${job.body.jobId}`, { token: admin });
  expect(original.body.undoneBy).toBe(undo.body.jobId);

  // The audit holds intent and outcome records of both jobs, and verifies.
  const audit = await stack.call('GET', `audit?section=Retract&internetMessageId=${encodeURIComponent(phishId)}`, { token: admin });
  const events = (audit.body.records as Array<{ event: string; phase?: string; jobId?: string; outcomesDigest?: string }>).filter((r) => r.jobId === job.body.jobId);
  expect(events.map((e) => `${e.event}/${e.phase}`).sort()).toEqual(['job/intent', 'job/outcome']);
  expect(events.find((e) => e.phase === 'outcome')!.outcomesDigest).toMatch(/^[0-9a-f]{64}$/);
  expect((await stack.call('GET', 'audit/verify', { token: admin })).body.ok).toBe(true);
});

it("refuses a job on another tenant's lookup, an expired lookup and a made-up id", async () => {
  const lookups = stack.api.services.lookups;
  const base = { internetMessageId: phishId, depth: 0, targets: [], skipped: [], ambiguous: [], stats: { mailboxesSearched: 0, graphRequests: 0, ms: 0 } };
  const foreignId = randomUUID();
  await lookups.save(randomUUID(), { ...base, lookupId: foreignId });
  const expiredId = randomUUID();
  await lookups.save(stack.fixture.tenant.id, { ...base, lookupId: expiredId, createdAt: new Date(Date.now() - 25 * 3600_000).toISOString(), expiresAt: new Date(Date.now() - 3600_000).toISOString() });

  const foreign = await stack.call('POST', 'jobs', { token: admin, body: { lookupId: foreignId, action: 'hard-delete' } });
  expect(foreign.status).toBe(404);
  expect(foreign.body.errors[0].field).toBe('lookupId');
  const expired = await stack.call('POST', 'jobs', { token: admin, body: { lookupId: expiredId, action: 'hard-delete' } });
  expect(expired.status).toBe(410);
  expect(expired.body.detail).toMatch(/expired/);
  const madeUp = await stack.call('POST', 'jobs', { token: admin, body: { lookupId: 'no-such-lookup', action: 'hard-delete' } });
  expect(madeUp.status).toBe(404);

  // include may name only the lookup's ambiguous forwards; exclude only its targets.
  const lookup = await stack.call('POST', 'lookups', { token: admin, body: { internetMessageId: phishId, depth: 0 } });
  const include = await stack.call('POST', 'jobs', { token: admin, body: { lookupId: lookup.body.lookupId, action: 'hard-delete', include: ['AAMkAGI2made-up'] } });
  expect(include.status).toBe(400);
  expect(include.body.errors[0].field).toBe('include');
  const exclude = await stack.call('POST', 'jobs', { token: admin, body: { lookupId: lookup.body.lookupId, action: 'hard-delete', exclude: ['AAMkAGI2made-up'] } });
  expect(exclude.status).toBe(400);
  expect(exclude.body.errors[0].field).toBe('exclude');

  const jobs = await stack.call('GET', 'jobs', { token: admin });
  expect(jobs.body.jobs.filter((j: { action: string }) => j.action === 'hard-delete')).toEqual([]);
});

it('refuses bad input with problem+json naming the field, and changes nothing', async () => {
  const before = (await stack.call('GET', 'audit/verify', { token: admin })).body.records;
  const depth = await stack.call('POST', 'lookups', { token: admin, body: { internetMessageId: phishId, depth: 9 } });
  expect(depth.status).toBe(400);
  expect(depth.headers.get('content-type')).toContain('application/problem+json');
  expect(depth.body.errors[0].field).toBe('depth');
  expect(depth.body.detail).toContain('depth');
  const noBrackets = await stack.call('POST', 'lookups', { token: admin, body: { internetMessageId: 'abc@contoso.com' } });
  expect(noBrackets.status).toBe(400);
  expect(noBrackets.body.errors[0].field).toBe('internetMessageId');
  const recipients = await stack.call('POST', 'lookups', { token: admin, body: { internetMessageId: phishId, recipients: ['ok@contoso.com', 'two@@x'] } });
  expect(recipients.body.errors[0].field).toBe('recipients.1');
  const unknownField = await stack.call('POST', 'jobs', { token: admin, body: { lookupId: 'x', action: 'soft-delete', everything: true } });
  expect(unknownField.status).toBe(400);
  const action = await stack.call('POST', 'jobs', { token: admin, body: { lookupId: 'x', action: 'shred' } });
  expect(action.body.errors[0].field).toBe('action');
  const malformed = await stack.call('POST', 'lookups', { token: admin, rawBody: '{"internetMessageId": "<a@b>",' });
  expect(malformed.status).toBe(400);
  expect(malformed.body.detail).toMatch(/not well-formed JSON/);
  const form = await stack.call('POST', 'lookups', { token: admin, rawBody: 'internetMessageId=<a@b>', contentType: 'application/x-www-form-urlencoded' });
  expect(form.status).toBe(415);
  const huge = await stack.call('POST', 'jobs', { token: admin, body: { lookupId: 'x', action: 'soft-delete', exclude: Array.from({ length: 20000 }, (_, i) => `id-${i}-${'x'.repeat(50)}`) } });
  expect(huge.status).toBe(413);
  const query = await stack.call('GET', 'audit?section=Everything', { token: admin });
  expect(query.status).toBe(400);
  expect(query.body.errors[0].field).toBe('section');
  const badJobId = await stack.call('GET', 'jobs/has%20space', { token: admin });
  expect(badJobId.status).toBe(400);
  // Nothing was written.
  expect((await stack.call('GET', 'audit/verify', { token: admin })).body.records).toBe(before);
});

it('detects an audit record edited directly in Azurite and names it', async () => {
  const verify = await stack.call('GET', 'audit/verify', { token: admin });
  expect(verify.body.ok).toBe(true);
  expect(verify.body.records).toBeGreaterThan(3);
  const table = TableClient.fromConnectionString(stack.azurite.connectionString, 'RetractAudit', { allowInsecureConnection: true });
  const victim = await table.getEntity<Record<string, unknown>>(stack.fixture.tenant.id, 'r000000000002');
  const record = String(victim.p0);
  expect(record).toContain('"seq":2');
  // An insider hides who did it.
  const edited = record.replace(/"oid":"[^"]*"/, '"oid":"00000000-0000-0000-0000-000000000000"');
  expect(edited).not.toBe(record);
  await table.updateEntity({ partitionKey: stack.fixture.tenant.id, rowKey: 'r000000000002', p0: edited }, 'Merge');

  const broken = await stack.call('GET', 'audit/verify', { token: admin });
  expect(broken.body).toMatchObject({ ok: false, brokenAt: 2 });
  expect(broken.body.why).toMatch(/changed/);
  await table.updateEntity({ partitionKey: stack.fixture.tenant.id, rowKey: 'r000000000002', p0: record }, 'Merge');
  expect((await stack.call('GET', 'audit/verify', { token: admin })).body.ok).toBe(true);

  // A per-target outcome row edited: the record holding its digest is named.
  const outcomes = TableClient.fromConnectionString(stack.azurite.connectionString, 'RetractAuditOutcomes', { allowInsecureConnection: true });
  // Edit a "done" row of a record that names an outcomes digest. (Rows can also exist that no
  // record names — written before a `once` record that turned out to exist already — and
  // editing those changes nothing in the audit; nor would replacing "done" in a row that
  // holds another outcome.)
  const digested = new Set<string>();
  for await (const e of table.listEntities<Record<string, unknown>>({ queryOptions: { filter: `PartitionKey eq '${stack.fixture.tenant.id}'` } })) {
    if (!String(e.rowKey).startsWith('r')) continue;
    const rec = parseRecord(e);
    if (rec.outcomesDigest !== undefined) digested.add(outcomesPartition(stack.fixture.tenant.id, rec.id));
  }
  let row: { partitionKey?: string; rowKey?: string; row: string } | undefined;
  for await (const r of outcomes.listEntities<{ row: string }>()) {
    if (digested.has(r.partitionKey!) && r.row.includes('"done"')) {
      row = r;
      break;
    }
  }
  expect(row).toBeDefined();
  const tampered = row!.row.replace('"done"', '"failed"');
  expect(tampered).not.toBe(row!.row);
  await outcomes.updateEntity({ partitionKey: row!.partitionKey!, rowKey: row!.rowKey!, row: tampered }, 'Merge');
  const digest = await stack.call('GET', 'audit/verify', { token: admin });
  expect(digest.body.ok).toBe(false);
  expect(digest.body.why).toMatch(/per-target outcomes of record \d+ were changed/);
  const all = await stack.call('GET', 'audit?limit=500', { token: admin });
  const named = all.body.records.find((r: { seq: number }) => r.seq === digest.body.brokenAt);
  expect(named.outcomesDigest).toBeDefined();
});

it('finishes a redelivered work item whose first worker moved the items but died before recording them: no second move, undo still works', async () => {
  await worker.stop();
  const lookup = await stack.call('POST', 'lookups', { token: admin, body: { internetMessageId: phishId, depth: 0 } });
  const targets: Array<{ mailbox: string; messageId: string; internetMessageId: string }> = lookup.body.targets;
  const accepted = await stack.call('POST', 'jobs', { token: admin, body: { lookupId: lookup.body.lookupId, action: 'move-to-junk' } });
  expect(accepted.status).toBe(202);
  // The first worker: takes the work item, acts through the engine, and dies before recording.
  const { act } = await import('../../../src/graph/act');
  const { createServices } = await import('../../../src/api/services');
  const { processWorkItem } = await import('../../../src/api/worker/process-work-item');
  const { InvocationContext } = await import('@azure/functions');
  const first = createServices(stack.env);
  const msg = (await stack.api.services.storage.queue.receiveMessages({ visibilityTimeout: 1 })).receivedMessageItems[0]!;
  const firstResults = await act(first.graph(), targets.slice(0, 20), 'move-to-junk');
  expect(firstResults.every((r) => r.outcome === 'done')).toBe(true);
  const seq = ((await (await fetch(`${stack.sim.origin}/_sim/requests?since=0`)).json()) as { next: number }).next;
  // A second worker process (its own gateway, knowing no folders yet) gets it again.
  await new Promise((r) => setTimeout(r, 1200));
  const again = (await stack.api.services.storage.queue.receiveMessages()).receivedMessageItems[0]!;
  expect(again.messageId).toBe(msg.messageId);
  expect(again.dequeueCount).toBe(2);
  const second = createServices(stack.env);
  const entry = JSON.parse(Buffer.from(again.messageText, 'base64').toString('utf8')) as unknown;
  await processWorkItem(second, entry, new InvocationContext({ triggerMetadata: { dequeueCount: again.dequeueCount } }));
  const log = (await (await fetch(`${stack.sim.origin}/_sim/requests?since=${seq}`)).json()) as { requests: Array<{ method: string; path: string }> };
  expect(log.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/move'))).toHaveLength(0);
  const done = (await stack.call('GET', `jobs/${accepted.body.jobId}`, { token: admin })).body;
  expect(done.status).toBe('completed');
  expect(done.counts.done).toBe(targets.length);
  // Undo puts them back in the Inbox, where the lookup found them.
  const undo = await stack.call('POST', `jobs/${accepted.body.jobId}/undo`, { token: admin });
  const undoJobId: string = undo.body.jobId;
  const w = runWorker({ services: stack.api.services, idlePollMs: 50 });
  try {
    const undone = await waitForJob(undoJobId);
    expect(undone.counts.done).toBe(targets.length);
  } finally {
    await w.stop();
  }
  const back = (await simMessages(targets[0]!.mailbox)).find((m) => m.internetMessageId === phishId)!;
  expect(back.folder).toBe('inbox');
});
