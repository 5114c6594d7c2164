/**
 * A 2,000-target job survives a worker process killed (SIGKILL) halfway: another worker finishes
 * it, every target is done exactly once (one move each at the simulated Exchange), the counts are
 * exact and the audit verifies. A job cancelled halfway stops and leaves its unstarted targets
 * `pending`, visible in its results.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { spawnWorker } from '../../../src/dev/api-host';
import { loadTenantFixture, parseTenantFixture } from '../../../src/sim/fixture';
import { DEMO_FIXTURE, startStack, type Stack } from './stack';

const N = Number(process.env.RETRACT_BIG_JOB_TARGETS ?? 2000);
let stack: Stack;
let admin: string;
let phishId: string;
const children: ChildProcess[] = [];

function bulkFixture() {
  const demo = loadTenantFixture(DEMO_FIXTURE);
  const users = Array.from({ length: N }, (_, i) => {
    const name = `bulk${String(i).padStart(4, '0')}`;
    return { id: randomUUID(), displayName: `Bulk ${i}`, userPrincipalName: `${name}@contoso.com`, mail: `${name}@contoso.com`, proxyAddresses: [`SMTP:${name}@contoso.com`], mailbox: 'enabled' as const };
  });
  return parseTenantFixture({
    ...demo,
    users: [...demo.users, ...users],
    groups: [...(demo.groups ?? []), { id: randomUUID(), displayName: 'Bulk', mail: 'bulk@contoso.com', members: users.map((u) => u.id) }],
    mail: [...demo.mail, { op: 'deliver', ref: 'bulk-phish', from: 'billing@evil.example', to: ['bulk@contoso.com'], cc: [], bcc: [], subject: 'Invoice overdue', body: 'Pay now' }],
  });
}

interface AuditJson { id: string; event: string; phase?: string; outcome: string; jobId?: string }

async function job(jobId: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any -- the §5 job as JSON
  return (await stack.call('GET', `jobs/${jobId}`, { token: admin })).body;
}

// Polls every second: reading a 2,000-target job is itself work for the machine.
async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 200000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

jest.setTimeout(400000);

beforeAll(async () => {
  stack = await startStack({ fixture: bulkFixture() });
  admin = await stack.appToken('retract-cli');
  const res = await fetch(`${stack.sim.origin}/_sim/mailboxes/bulk0000%40contoso.com/messages`);
  phishId = ((await res.json()) as Array<{ ref: string; internetMessageId: string }>).find((m) => m.ref === 'bulk-phish')!.internetMessageId;
}, 120000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(children.map(exited));
  await stack?.close();
}, 60000);

/**
 * The lookup of this message, stored as POST /api/lookups stores it. Its targets are the
 * simulator's own record of the 2,000 delivered copies: the engine's lookup over 2,000 mailboxes
 * takes minutes in the simulator (its directory filters scan every user), and the lookup is
 * tested at smaller scale elsewhere; what this test is about is the job.
 */
async function storedLookup(): Promise<string> {
  const targets: Array<{ mailbox: string; messageId: string; internetMessageId: string; folder: string; depth: number; isRead: boolean; via: null }> = [];
  const addresses = Array.from({ length: N }, (_, i) => `bulk${String(i).padStart(4, '0')}@contoso.com`);
  for (let i = 0; i < addresses.length; i += 50) {
    await Promise.all(
      addresses.slice(i, i + 50).map(async (mailbox) => {
        const res = await fetch(`${stack.sim.origin}/_sim/mailboxes/${encodeURIComponent(mailbox)}/messages`);
        const copy = ((await res.json()) as Array<{ id: string; ref: string; internetMessageId: string; folder: string; isRead: boolean }>).find((m) => m.ref === 'bulk-phish')!;
        targets.push({ mailbox, messageId: copy.id, internetMessageId: copy.internetMessageId, folder: copy.folder, depth: 0, isRead: copy.isRead, via: null });
      }),
    );
  }
  const lookupId = randomUUID();
  await stack.api.services.lookups.save(stack.fixture.tenant.id, {
    lookupId,
    internetMessageId: phishId,
    depth: 0,
    targets,
    skipped: [],
    ambiguous: [],
    stats: { mailboxesSearched: N, graphRequests: 0, ms: 0 },
  });
  return lookupId;
}

it('finishes a 2,000-target job exactly once after a worker is killed halfway', async () => {
  const lookupId = await storedLookup();
  const started = Date.now();

  const seqBefore = ((await (await fetch(`${stack.sim.origin}/_sim/requests?since=0`)).json()) as { next: number }).next;
  const accepted = await stack.call('POST', 'jobs', { token: admin, body: { lookupId, action: 'soft-delete' } });
  expect(accepted.status).toBe(202);
  const jobId: string = accepted.body.jobId;
  expect((await job(jobId)).status).toBe('queued');

  const first = spawnWorker(stack.env);
  children.push(first);
  const half = await until('half the targets', () => job(jobId), (j) => j.counts.done >= N / 2);
  first.kill('SIGKILL');
  await exited(first);
  expect(first.signalCode).toBe('SIGKILL');
  const atKill = await job(jobId);
  expect(atKill.status).toBe('running');
  expect(atKill.counts.done).toBeLessThan(N);

  const second = spawnWorker(stack.env);
  children.push(second);
  const finished = await until('the job to end', () => job(jobId), (j) => j.status !== 'running');
  const jobMs = Date.now() - started;
  const failures = finished.results.filter((r: { outcome: string }) => r.outcome !== 'done');
  expect(failures.slice(0, 3)).toEqual([]);
  expect(finished.status).toBe('completed');
  expect(finished.counts).toEqual({ targets: N, done: N, alreadyGone: 0, failed: 0, pending: 0 });
  expect(finished.results).toHaveLength(N);
  expect(new Set(finished.results.map((r: { messageId: string }) => r.messageId)).size).toBe(N);

  // Exactly once at the mailbox: one move per target, whatever was redelivered.
  const log = (await (await fetch(`${stack.sim.origin}/_sim/requests?since=${seqBefore}`)).json()) as { requests: Array<{ method: string; path: string; status: number }> };
  const moves = log.requests.filter((r) => r.method === 'POST' && /\/messages\/[^/]+\/move$/.test(r.path) && r.status < 300);
  expect(moves).toHaveLength(N);
  expect(new Set(moves.map((m) => m.path)).size).toBe(N);

  // The audit: intent and outcome of this job, outcomes digest over 2,000 rows, chain verifies.
  // The outcome record follows the last outcome (its 2,000 rows are written first).
  const records = await until(
    'the outcome record',
    async () => (await stack.call('GET', `audit?section=Retract&internetMessageId=${encodeURIComponent(phishId)}`, { token: admin })).body.records.filter((r: AuditJson) => r.jobId === jobId) as AuditJson[],
    (rs: AuditJson[]) => rs.some((r) => r.phase === 'outcome'),
    30000,
  );
  expect(records.map((r) => r.phase ?? '').sort()).toEqual(['intent', 'outcome']);
  expect(records.find((r) => r.phase === 'outcome')!.outcome).toBe('completed');
  const verify = await stack.call('GET', 'audit/verify', { token: admin });
  expect(verify.body.ok).toBe(true);
  const rows = await stack.api.services.audit.outcomesOf(stack.fixture.tenant.id, records.find((r) => r.phase === 'outcome')!.id);
  expect(rows).toHaveLength(N);
  expect(rows.every((r) => r.outcome === 'done')).toBe(true);

  // Figures for the report.
  process.stdout.write(`big job: ${N} targets in ${jobMs} ms (first worker killed at ${half.counts.done} done)\n`);
  second.kill('SIGTERM');
  await exited(second);
}, 400000);

it('stops a job cancelled halfway and shows which targets were left pending', async () => {
  const accepted = await stack.call('POST', 'jobs', { token: admin, body: { lookupId: await storedLookup(), action: 'move-to-junk' } });
  const jobId: string = accepted.body.jobId;
  const worker = spawnWorker(stack.env);
  children.push(worker);
  await until('some targets done', () => job(jobId), (j) => j.counts.done >= 200);
  const cancel = await stack.call('POST', `jobs/${jobId}/cancel`, { token: admin });
  expect(cancel.status).toBe(202);
  const cancelled = await job(jobId);
  expect(cancelled.status).toBe('cancelled');
  // Work already in hand may finish; nothing more starts. Give the worker time to prove it.
  await new Promise((r) => setTimeout(r, 3000));
  const settled = await job(jobId);
  await new Promise((r) => setTimeout(r, 2000));
  const later = await job(jobId);
  expect(later.counts).toEqual(settled.counts);
  expect(later.status).toBe('cancelled');
  expect(later.counts.pending).toBeGreaterThan(0);
  expect(later.counts.done + later.counts.pending).toBe(N);
  const pending = later.results.filter((r: { outcome: string }) => r.outcome === 'pending');
  expect(pending).toHaveLength(later.counts.pending);
  // Those targets were really left alone: still in Recoverable Items from the first job.
  const sample = pending[0] as { mailbox: string; messageId: string };
  const msgs = (await (await fetch(`${stack.sim.origin}/_sim/mailboxes/${encodeURIComponent(sample.mailbox)}/messages`)).json()) as Array<{ internetMessageId: string; folder: string }>;
  expect(msgs.find((m) => m.internetMessageId === phishId)!.folder).toBe('recoverableitemsdeletions');
  const again = await stack.call('POST', `jobs/${jobId}/cancel`, { token: admin });
  expect(again.status).toBe(202);
  const mine = await until(
    'the outcome record',
    async () => (await stack.call('GET', `audit?section=Retract&internetMessageId=${encodeURIComponent(phishId)}`, { token: admin })).body.records.filter((r: AuditJson) => r.jobId === jobId) as AuditJson[],
    (rs: AuditJson[]) => rs.some((r) => r.phase === 'outcome'),
    30000,
  );
  expect(mine.map((r: { event: string; phase?: string; outcome: string }) => `${r.event}/${r.phase ?? '-'}/${r.outcome}`).sort()).toEqual([
    'cancel/-/ok',
    'job/intent/dispatched',
    'job/outcome/cancelled',
  ]);
  expect((await stack.call('GET', 'audit/verify', { token: admin })).body.ok).toBe(true);
  worker.kill('SIGTERM');
  await exited(worker);
}, 300000);
