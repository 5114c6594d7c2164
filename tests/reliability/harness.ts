/**
 * Shared pieces of the reliability tests: a tenant fixture with a block of generated mailboxes,
 * full mailbox snapshots from the simulator's /_sim endpoints and their difference, the
 * simulator's request log, job polling that survives an API restart, and the checks every fault
 * scenario ends with (targets moved exactly once, nothing else changed, counts exact, audit
 * complete and verifiable).
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { loadTenantFixture, parseTenantFixture, type TenantFixture } from '../../src/sim/fixture';
import { DEMO_FIXTURE, type Stack } from '../integration/api/stack';
import type { RequestRecord } from '../../src/sim/control';

/** `RETRACT_RELIABILITY=long` runs the full-size forms of the scenarios. */
export const LONG = process.env.RETRACT_RELIABILITY === 'long';

export interface SimMessage {
  id: string;
  folder: string;
  internetMessageId: string;
  conversationId: string;
  subject: string;
  from: string;
  toRecipients: string[];
  receivedDateTime: string;
  isRead: boolean;
  ref: string | null;
}

export type Snapshot = Map<string, SimMessage[]>;

export interface Target {
  mailbox: string;
  messageId: string;
  internetMessageId: string;
  folder: string;
}

/**
 * What every job scenario starts from: a lookup (depth 0) of the message `ref` as delivered to
 * `mailbox`, its `count` targets with two excluded (the second and the second to last), and the
 * state before any job — every mailbox's snapshot and the simulator's request log position.
 */
export async function previewExcludingTwo(
  stack: Stack,
  token: string,
  mailbox: string,
  ref: string,
  count: number,
): Promise<{ lookupId: string; selected: Target[]; excluded: Target[]; before: Snapshot; seqBefore: number }> {
  const copies = await mailboxMessages(stack, mailbox);
  const internetMessageId = copies.find((m) => m.ref === ref)!.internetMessageId;
  const lookup = await stack.call('POST', 'lookups', { token, body: { internetMessageId, depth: 0 } });
  expect(lookup.status).toBe(200);
  const targets: Target[] = lookup.body.targets;
  expect(targets).toHaveLength(count);
  const excluded = [targets[1]!, targets[count - 2]!];
  const selected = targets.filter((t) => !excluded.includes(t));
  return { lookupId: lookup.body.lookupId, selected, excluded, before: await snapshot(stack), seqBefore: await requestSeq(stack) };
}

export const bulkAddress = (prefix: string, i: number): string => `${prefix}${String(i).padStart(4, '0')}@contoso.com`;

/**
 * The demo tenant plus `count` generated users (`{prefix}0000@contoso.com` …) in one group
 * (`{prefix}@contoso.com`), and one phish delivered to that group per ref in `phishRefs`.
 */
export function bulkFixture(opts: { prefix: string; count: number; phishRefs: string[]; extraMail?: TenantFixture['mail'] }): TenantFixture {
  const demo = loadTenantFixture(DEMO_FIXTURE);
  const users = Array.from({ length: opts.count }, (_, i) => {
    const address = bulkAddress(opts.prefix, i);
    return { id: randomUUID(), displayName: `${opts.prefix} ${i}`, userPrincipalName: address, mail: address, proxyAddresses: [`SMTP:${address}`], mailbox: 'enabled' as const };
  });
  return parseTenantFixture({
    ...demo,
    users: [...demo.users, ...users],
    groups: [...(demo.groups ?? []), { id: randomUUID(), displayName: opts.prefix, mail: `${opts.prefix}@contoso.com`, members: users.map((u) => u.id) }],
    mail: [
      ...demo.mail,
      ...opts.phishRefs.map((ref) => ({
        op: 'deliver' as const,
        ref,
        internetMessageId: `<${ref}.${randomUUID()}@evil.example>`,
        from: 'billing@evil.example',
        to: [`${opts.prefix}@contoso.com`],
        cc: [],
        bcc: [],
        subject: `Invoice ${ref}`,
        body: 'Pay now',
      })),
      ...(opts.extraMail ?? []),
    ],
  });
}

export async function simJson<T>(stack: Stack, pathAndQuery: string, init?: RequestInit): Promise<T> {
  const res = await fetch(`${stack.sim.origin}${pathAndQuery}`, init);
  if (!res.ok) throw new Error(`${init?.method ?? 'GET'} ${pathAndQuery}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export function setFaults(stack: Stack, faults: unknown): Promise<unknown> {
  return simJson(stack, '/_sim/faults', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
}

export const NO_FAULTS = { latencyMs: 0, throttle: { perMailboxConcurrency: null, ratePerSecond: null }, errorRate: {}, connection: { reset: 0, hang: 0, lostAnswer: 0 } };

export function mailboxMessages(stack: Stack, address: string): Promise<SimMessage[]> {
  return simJson<SimMessage[]>(stack, `/_sim/mailboxes/${encodeURIComponent(address)}/messages`);
}

/** Every mailbox of the tenant, every folder (Recoverable Items included). */
export async function snapshot(stack: Stack): Promise<Snapshot> {
  const addresses = stack.fixture.users.filter((u) => u.mailbox !== 'none' && u.mail).map((u) => u.mail!.toLowerCase());
  const out: Snapshot = new Map();
  for (let i = 0; i < addresses.length; i += 25) {
    const part = addresses.slice(i, i + 25);
    const lists = await Promise.all(part.map((a) => mailboxMessages(stack, a)));
    part.forEach((a, j) => out.set(a, lists[j]!));
  }
  return out;
}

export interface Change {
  mailbox: string;
  id: string;
  kind: 'moved' | 'added' | 'removed' | 'edited';
  from?: string;
  to?: string;
}

/** Every difference between two snapshots, message by message (by immutable id). */
export function diffSnapshots(before: Snapshot, after: Snapshot): Change[] {
  const changes: Change[] = [];
  for (const mailbox of new Set([...before.keys(), ...after.keys()])) {
    const a = new Map((before.get(mailbox) ?? []).map((m) => [m.id, m]));
    const b = new Map((after.get(mailbox) ?? []).map((m) => [m.id, m]));
    for (const [id, m] of a) {
      const n = b.get(id);
      if (!n) changes.push({ mailbox, id, kind: 'removed', from: m.folder });
      else {
        const { folder: f1, ...rest1 } = m;
        const { folder: f2, ...rest2 } = n;
        if (JSON.stringify(rest1) !== JSON.stringify(rest2)) changes.push({ mailbox, id, kind: 'edited' });
        if (f1 !== f2) changes.push({ mailbox, id, kind: 'moved', from: f1, to: f2 });
      }
    }
    for (const [id, n] of b) if (!a.has(id)) changes.push({ mailbox, id, kind: 'added', to: n.folder });
  }
  return changes;
}

/** One row of GET /_sim/requests, as the simulator defines it. */
export type SimRequestRecord = RequestRecord;

/** How many requests in a log met a connection fault. */
export function faultsMet(log: SimRequestRecord[], fault: NonNullable<SimRequestRecord['fault']>): number {
  return log.filter((r) => r.fault === fault).length;
}

export async function requestSeq(stack: Stack): Promise<number> {
  // `next` is the larger of `since` and the last seq + 1, so ask from 0.
  return (await simJson<{ next: number }>(stack, '/_sim/requests?since=0')).next;
}

export async function requestsSince(stack: Stack, seq: number): Promise<SimRequestRecord[]> {
  return (await simJson<{ requests: SimRequestRecord[] }>(stack, `/_sim/requests?since=${seq}`)).requests;
}

/** Graph and Exchange requests only (not the token endpoint or /_sim). */
export function graphRequests(log: SimRequestRecord[]): SimRequestRecord[] {
  return log.filter((r) => r.path.startsWith('/v1.0/') || r.path.includes('/InvokeCommand'));
}

/** Successful moves and deletes per message id, from the simulator's request log. */
export function removalsPerMessage(log: SimRequestRecord[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of log) {
    // Status 0: a request reset or left hanging before the service did anything.
    if (r.status < 200 || r.status >= 300) continue;
    const move = /\/messages\/([^/]+)\/(move|permanentDelete)$/.exec(r.path);
    const del = r.method === 'DELETE' ? /\/messages\/([^/?]+)$/.exec(r.path) : null;
    const id = (r.method === 'POST' ? move?.[1] : undefined) ?? del?.[1];
    if (id) out.set(decodeURIComponent(id), (out.get(decodeURIComponent(id)) ?? 0) + 1);
  }
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** GET /api/jobs/{id}, retried through connection errors and 5xx (an API being restarted). */
export async function readJob(stack: Stack, jobId: string, token: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any -- the §5 job as JSON
  const r = await stack.call('GET', `jobs/${jobId}`, { token });
  if (r.status !== 200) throw new Error(`GET jobs/${jobId}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function waitForJobEnd(stack: Stack, jobId: string, token: string, opts: { timeoutMs?: number; pollMs?: number; onError?: (e: unknown) => void } = {}): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any -- the §5 job as JSON
  const end = Date.now() + (opts.timeoutMs ?? 120_000);
  for (;;) {
    try {
      const j = await readJob(stack, jobId, token);
      if (!['queued', 'running'].includes(j.status)) return j;
    } catch (e) {
      opts.onError?.(e);
    }
    if (Date.now() > end) throw new Error(`job ${jobId} did not end within ${opts.timeoutMs ?? 120_000} ms`);
    await sleep(opts.pollMs ?? 250);
  }
}

export async function until<T>(what: string, read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000, pollMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(pollMs);
  }
}

export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

/** The folder each action leaves a message in (as /_sim names folders; /_sim lists purged items in Purges). */
export const ACTION_FOLDER: Record<string, string> = {
  'soft-delete': 'recoverableitemsdeletions',
  'move-to-deleted-items': 'deleteditems',
  'move-to-junk': 'junkemail',
  'hard-delete': 'recoverableitemspurges',
};

export interface JobFigures {
  targets: number;
  mismatches: number;
  removals: number;
  graphRequests: number;
  throttled: number;
  unavailable: number;
}

/**
 * The end-of-scenario checks: the job completed with exact counts; each selected target moved
 * exactly once to the action's folder and nothing else in any mailbox changed; the excluded
 * targets stayed; the audit has this job's intent and outcome records and verifies.
 */
export async function expectExactJob(
  stack: Stack,
  token: string,
  args: { job: any; selected: Target[]; excluded: Target[]; action: string; before: Snapshot; seqBefore: number }, // eslint-disable-line @typescript-eslint/no-explicit-any -- the §5 job as JSON
): Promise<JobFigures> {
  const { job, selected, excluded, action, before, seqBefore } = args;
  const n = selected.length;
  const errors = [...new Set(job.results.filter((r: { outcome: string }) => r.outcome !== 'done').map((r: { outcome: string; error?: string }) => `${r.outcome}: ${r.error ?? ''}`))];
  expect({ status: job.status, counts: job.counts, errors }).toEqual({ status: 'completed', counts: { targets: n, done: n, alreadyGone: 0, failed: 0, pending: 0 }, errors: [] });
  expect(job.results.map((r: { messageId: string }) => r.messageId).sort()).toEqual(selected.map((t) => t.messageId).sort());

  const after = await snapshot(stack);
  const changes = diffSnapshots(before, after);
  const expected = selected.map((t) => ({ mailbox: t.mailbox.toLowerCase(), id: t.messageId, kind: 'moved', from: t.folder, to: ACTION_FOLDER[action] }));
  const key = (c: { mailbox: string; id: string }) => `${c.mailbox}|${c.id}`;
  expect([...changes].sort((a, b) => key(a).localeCompare(key(b)))).toEqual([...expected].sort((a, b) => key(a).localeCompare(key(b))));
  for (const t of excluded) {
    const still = after.get(t.mailbox.toLowerCase())!.find((m) => m.id === t.messageId);
    expect(still?.folder).toBe(t.folder);
  }

  const log = await requestsSince(stack, seqBefore);
  const removals = removalsPerMessage(log);
  const selectedIds = new Set(selected.map((t) => t.messageId));
  const extra = [...removals.entries()].filter(([id, count]) => !selectedIds.has(id) || count !== 1);
  expect(extra).toEqual([]);
  expect(removals.size).toBe(n);

  type AuditRecord = { id: string; event: string; phase?: string; outcome: string; jobId?: string };
  const records: AuditRecord[] = await until(
    'the outcome record',
    async () => ((await stack.call('GET', `audit?section=Retract&internetMessageId=${encodeURIComponent(selected[0]!.internetMessageId)}`, { token })).body.records as AuditRecord[]).filter((r) => r.jobId === job.jobId),
    (rs) => rs.some((r) => r.phase === 'outcome'),
    30_000,
  );
  expect(records.map((r) => `${r.event}/${r.phase}/${r.outcome}`).sort()).toEqual(['job/intent/dispatched', 'job/outcome/completed']);
  const verify = await stack.call('GET', 'audit/verify', { token });
  expect(verify.status).toBe(200);
  expect(verify.body.ok).toBe(true);
  const outcome = records.find((r) => r.phase === 'outcome')!;
  const rows = await stack.api.services.audit.outcomesOf(stack.fixture.tenant.id, outcome.id);
  expect(rows).toHaveLength(n);
  expect(rows.every((r) => r.outcome === 'done')).toBe(true);

  const graph = graphRequests(log);
  return {
    targets: n,
    mismatches: changes.length - expected.length,
    removals: [...removals.values()].reduce((a, b) => a + b, 0),
    graphRequests: graph.length,
    throttled: graph.filter((r) => r.status === 429).length,
    unavailable: graph.filter((r) => r.status >= 500).length,
  };
}

/** Collects one line of figures per scenario and prints them at the end of the file. */
export const figures: string[] = [];
export function report(line: string): void {
  figures.push(line);
  process.stdout.write(`reliability: ${line}\n`);
}

export interface AnswerProxy {
  /** e.g. `https://localhost:PORT` — put `${origin}/v1.0` in RETRACT_GRAPH_BASE. */
  origin: string;
  /** Where requests go on to (the simulator's origin), set once the simulator runs. */
  target: string;
  /**
   * Called with each Graph answer from the simulator before it is passed on to the product; the
   * answer waits for the returned promise (a test kills a worker here, after the service acted
   * but before the worker heard of it).
   */
  onAnswer?: (answer: { method: string; url: string; requestBody: string | undefined; status: number; text: string }) => void | Promise<void>;
  close(): Promise<void>;
}

/**
 * An HTTPS proxy in front of the simulator's Graph that shows a test each answer before the
 * product gets it, so that a worker can be killed at the one moment no fault setting names:
 * after the service acted, before the worker heard. Every fault itself comes from the simulator
 * (PUT /_sim/faults); a connection the simulator cuts is cut here too.
 */
export async function startAnswerProxy(): Promise<AnswerProxy> {
  const https = await import('node:https');
  const { ensureDevCerts } = await import('../../src/dev/certs');
  const certs = ensureDevCerts();
  const proxy: AnswerProxy = { origin: '', target: '', close: async () => undefined };
  const server = https.createServer({ cert: certs.cert, key: certs.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const url = req.url ?? '/';
        const method = req.method ?? 'GET';
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !['host', 'connection', 'content-length', 'accept-encoding'].includes(k)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        const body = chunks.length ? Buffer.concat(chunks).toString('utf8') : undefined;
        const up = await fetch(proxy.target + url, { method, headers, body: method === 'GET' || method === 'DELETE' ? undefined : body });
        const text = await up.text();
        await proxy.onAnswer?.({ method, url, requestBody: body, status: up.status, text });
        const out: Record<string, string> = {};
        up.headers.forEach((v, k) => {
          if (!['content-length', 'transfer-encoding', 'content-encoding', 'connection', 'keep-alive'].includes(k)) out[k] = v;
        });
        res.writeHead(up.status, out);
        res.end(text);
      })().catch(() => req.socket.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as import('node:net').AddressInfo).port;
  proxy.origin = `https://localhost:${port}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

/** Successful moves (or purges) in one Graph answer seen by the answer proxy: a lone `…/move`, or the `…/move` items of a `$batch`. */
export function successfulMoves(answer: { method: string; url: string; requestBody: string | undefined; status: number; text: string }, verb: 'move' | 'permanentDelete' = 'move'): number {
  const ok = (status: number) => status >= 200 && status < 300;
  const change = new RegExp(`/messages/[^/]+/${verb}$`);
  if (change.test(answer.url)) return answer.method === 'POST' && ok(answer.status) ? 1 : 0;
  if (!answer.url.startsWith('/v1.0/$batch') || answer.status !== 200 || !answer.requestBody) return 0;
  const sent = (JSON.parse(answer.requestBody) as { requests: Array<{ id: string; method: string; url: string }> }).requests;
  const changeIds = new Set(sent.filter((r) => r.method === 'POST' && change.test(r.url)).map((r) => r.id));
  const got = (JSON.parse(answer.text) as { responses: Array<{ id: string; status: number }> }).responses;
  return got.filter((r) => changeIds.has(r.id) && ok(r.status)).length;
}
