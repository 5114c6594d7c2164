/**
 * One run of the "all-staff" scenario through the real stack: lookups at depth 0 and 2, the
 * soft-delete job on the depth-2 lookup to completion, the check (through /_sim) that every
 * copy of the phish and its forwards was removed, and the naive baseline. Returns every figure.
 */
import { ApiClient, clientToken, mapLimit, setSimFaults, simMail, simMessages } from './api-client';
import { RequestLogReader, summarize, type RequestSummary } from './request-log';
import { buildScenario, PHISH_INTERNET_MESSAGE_ID, userAddress, type Scenario } from './scenario';
import { startBenchStack, type BenchStack } from './stack';

/** Fixed so figures compare across runs (issue 10): 50 ms, 4 per mailbox, 2,000 per second. */
export const BENCH_FAULTS = { latencyMs: 50, throttle: { perMailboxConcurrency: 4, ratePerSecond: 2000 }, errorRate: {} } as const;
/** The per-app rate the bound is computed against (sub-requests per second). */
export const APP_RATE = 2000;

export interface AllStaffOptions {
  mailboxes: number;
  /** Recipients of the naive baseline (one find and one delete each, in sequence). */
  naiveRecipients: number;
  workers: number;
  log: (line: string) => void;
}

export interface Phase {
  name: string;
  ms: number;
  requests?: RequestSummary;
  /** Peak resident memory (MiB) of each process during the phase, from VmRSS samples. */
  peakRssMiB?: Record<string, number>;
  /** CPU seconds each process used during the phase. */
  cpuSeconds?: Record<string, number>;
}

export interface Removal {
  /** Copies of the phish and its forwards the simulator holds. */
  copies: number;
  /** Of those, in Recoverable Items\Deletions (soft-deleted). */
  removed: number;
  /** Copies left where a user sees them: each one is a failure. */
  left: Array<{ mailbox: string; folder: string; ref: string | null }>;
  /** Lookup targets not in Recoverable Items\Deletions after the job. */
  targetsNotRemoved: number;
  mailboxesChecked: number;
}

/** The run stopped part-way: what was measured until then, and why it stopped. */
export class PartialRunError extends Error {
  constructor(
    message: string,
    readonly partial: Partial<AllStaffResult> & Pick<AllStaffResult, 'phases' | 'scenario'>,
  ) {
    super(message);
    this.name = 'PartialRunError';
  }
}

export interface AllStaffResult {
  scenario: Scenario['counts'];
  generateMs: number;
  sim: BenchStack['sim'];
  phases: Phase[];
  lookups: Array<{
    depth: number;
    ms: number;
    targets: number;
    byDepth: Record<string, number>;
    skipped: number;
    /** Skipped addresses by reason, with the first error text of each (why a mailbox was not searched). */
    skippedByReason: Record<string, { count: number; example?: string }>;
    ambiguous: number;
    mailboxesSearched: number;
    apiGraphRequests: number;
  }>;
  job: {
    jobId: string;
    status: string;
    /** From POST /api/jobs to the poll that saw the job ended (polls `pollMs` apart). */
    ms: number;
    pollMs: number;
    /** From POST /api/jobs to the end of the last change (move/delete) the simulator served. */
    lastChangeMs: number | null;
    counts: { targets: number; done: number; alreadyGone: number; failed: number };
    progress: Array<{ atMs: number; done: number }>;
  };
  totals: { httpRequests: Record<string, number>; graphSubRequests: number; throttled: number; errors: number; logRecordsLost: number };
  memory: { peakMiB: Record<string, number>; withScenarioLoadedMiB: number };
  bound: { n: number; h: number; t: number; seconds: number; oursSeconds: number; ratio: number };
  naive: { recipients: number; ms: number; mailboxesPerSecond: number; removed: number; throttled: number };
  ours: { mailboxesPerSecond: number; speedup: number };
  removal: Removal;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; from: number; to: number }> {
  const from = Date.now();
  const value = await fn();
  const to = Date.now();
  return { value, ms: to - from, from, to };
}

/** Every copy of the retracted mail, mailbox by mailbox, through /_sim. */
async function checkRemoval(stack: BenchStack, scenario: Scenario, targetIds: Set<string>): Promise<Removal> {
  const refs = new Set(scenario.retractRefs);
  const addresses = Array.from({ length: scenario.counts.mailboxes }, (_, i) => userAddress(i));
  const lists = await mapLimit(addresses, 16, (a) => simMessages(stack.sim.origin, a));
  let copies = 0;
  let removed = 0;
  const left: Removal['left'] = [];
  const seenTargets = new Set<string>();
  lists.forEach((messages, i) => {
    for (const m of messages) {
      if (targetIds.has(m.id) && m.folder === 'recoverableitemsdeletions') seenTargets.add(m.id);
      if (!m.ref || !refs.has(m.ref)) continue;
      copies++;
      if (m.folder === 'recoverableitemsdeletions') removed++;
      else left.push({ mailbox: addresses[i]!, folder: m.folder, ref: m.ref });
    }
  });
  return { copies, removed, left, targetsNotRemoved: targetIds.size - seenTargets.size, mailboxesChecked: addresses.length };
}

/** The naive script: for each recipient, one find and one delete, one request at a time. */
async function naiveBaseline(stack: BenchStack, recipients: number): Promise<AllStaffResult['naive']> {
  const addresses = Array.from({ length: recipients }, (_, i) => userAddress(i));
  const imid = '<naive-baseline-0001@evil.example>';
  await simMail(stack.sim.origin, [{ op: 'deliver', ref: 'naive-baseline', internetMessageId: imid, from: 'payroll@evil.example', to: addresses, subject: 'Naive baseline' }]);
  const token = await clientToken(stack.sim.origin, stack.fixture, 'retract-api', 'https://graph.microsoft.com/.default');
  const graph = `${stack.sim.origin}/v1.0`;
  let throttled = 0;
  const request = async (method: string, url: string): Promise<Response> => {
    for (;;) {
      const res = await fetch(url, { method, headers: { authorization: `Bearer ${token}` } });
      if (res.status !== 429) return res;
      throttled++;
      await res.arrayBuffer();
      await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? '1')));
    }
  };
  const started = Date.now();
  for (const a of addresses) {
    const filter = encodeURIComponent(`internetMessageId eq '${imid}'`);
    const found = await request('GET', `${graph}/users/${encodeURIComponent(a)}/messages?$filter=${filter}&$select=id`);
    if (!found.ok) throw new Error(`The naive baseline's search of ${a} answered ${found.status}.`);
    const body = (await found.json()) as { value?: Array<{ id: string }> };
    for (const m of body.value ?? []) {
      const del = await request('DELETE', `${graph}/users/${encodeURIComponent(a)}/messages/${encodeURIComponent(m.id)}`);
      await del.arrayBuffer();
      if (del.status !== 204) throw new Error(`The naive baseline's delete in ${a} answered ${del.status}.`);
    }
  }
  const ms = Date.now() - started;
  let removed = 0;
  for (const list of await mapLimit(addresses, 16, (a) => simMessages(stack.sim.origin, a)))
    if (list.some((m) => m.internetMessageId === imid && m.folder === 'recoverableitemsdeletions')) removed++;
  return { recipients, ms, mailboxesPerSecond: recipients / (ms / 1000), removed, throttled };
}

export async function runAllStaff(opts: AllStaffOptions): Promise<AllStaffResult> {
  const { log } = opts;
  const gen = await timed(async () => buildScenario({ mailboxes: opts.mailboxes }));
  const scenario = gen.value;
  log(`scenario: ${scenario.counts.mailboxes.toLocaleString('en')} mailboxes, ${scenario.counts.mailOps.toLocaleString('en')} mail ops, ${scenario.counts.forwarders} forwarders, ${scenario.counts.reforwarders} re-forwarders (built in ${gen.ms} ms)`);
  const stack = await startBenchStack(scenario.fixture, { workers: opts.workers, log });
  const phases: Phase[] = [
    { name: 'build scenario', ms: gen.ms },
    { name: 'simulator: parse fixture', ms: stack.sim.loadMs },
    { name: 'simulator: deliver mail ops', ms: stack.sim.startMs },
  ];
  const reader = new RequestLogReader(stack.sim.origin);
  const lookups: AllStaffResult['lookups'] = [];
  // Where the run got to, for the report if a phase fails (a lookup that takes too long, a job that never ends).
  let stage = 'setting up';
  /** The measured phase under way: if it fails, it is reported with the time and requests it took. */
  let current: { name: string; from: number } | undefined;
  let job: AllStaffResult['job'] | undefined;
  try {
    await setSimFaults(stack.sim.origin, BENCH_FAULTS);
    const token = await clientToken(stack.sim.origin, stack.fixture, 'retract-cli', `${stack.fixture.apps.find((a) => a.name === 'retract-api')!.identifierUri}/.default`);
    const api = new ApiClient(stack.api.url, token);
    const withScenarioLoaded = stack.memory.mark().sim ?? 0;
    stack.memory.cpuMark();
    await reader.poll();
    reader.start();
    const httpBefore = await stack.httpCounts();

    lookups.length = 0;
    let depth2Lookup: Awaited<ReturnType<ApiClient['lookup']>> | undefined;
    let depth2Ms = 0;
    for (const depth of [0, 2]) {
      log(`lookup at depth ${depth} …`);
      stage = `the lookup at depth ${depth}`;
      current = { name: `lookup, depth ${depth}`, from: Date.now() };
      const r = await timed(() => api.lookup(PHISH_INTERNET_MESSAGE_ID, depth));
      await reader.poll();
      const byDepth: Record<string, number> = {};
      for (const t of r.value.targets) byDepth[t.depth] = (byDepth[t.depth] ?? 0) + 1;
      const skippedByReason: Record<string, { count: number; example?: string }> = {};
      for (const sk of r.value.skipped) {
        const e = (skippedByReason[sk.reason] ??= { count: 0 });
        e.count++;
        if (!e.example && sk.error) e.example = sk.error;
      }
      lookups.push({ depth, ms: r.ms, targets: r.value.targets.length, byDepth, skipped: r.value.skipped.length, skippedByReason, ambiguous: r.value.ambiguous.length, mailboxesSearched: r.value.stats.mailboxesSearched, apiGraphRequests: r.value.stats.graphRequests });
      phases.push({ name: `lookup, depth ${depth}`, ms: r.ms, requests: summarize(reader.between(r.from, r.to), r.from, r.to), peakRssMiB: stack.memory.mark(), cpuSeconds: stack.memory.cpuMark() });
      log(`lookup at depth ${depth}: ${r.value.targets.length.toLocaleString('en')} targets in ${(r.ms / 1000).toFixed(1)} s`);
      current = undefined;
      if (depth === 2) {
        depth2Lookup = r.value;
        depth2Ms = r.ms;
      }
    }
    const lookup2 = depth2Lookup!;

    log('soft-delete job …');
    stage = 'the soft-delete job';
    current = { name: 'soft-delete job', from: Date.now() };
    const progress: Array<{ atMs: number; done: number }> = [];
    // Each GET /api/jobs/{id} reads every target of the job to count outcomes: polling a big job
    // often would load the API and Azurite with the benchmark's own reads, so it is polled less.
    const pollMs = lookup2.targets.length >= 5000 ? 5000 : lookup2.targets.length >= 1000 ? 2000 : 250;
    const jobRun = await timed(async () => {
      const jobId = await api.startJob(lookup2.lookupId, 'soft-delete');
      const started = Date.now();
      return api.waitForJob(jobId, {
        pollMs,
        timeoutMs: Math.max(180_000, lookup2.targets.length * 200),
        onPoll: (j) => progress.push({ atMs: Date.now() - started, done: j.counts.done + j.counts.alreadyGone + j.counts.failed }),
      });
    });
    await reader.poll();
    const jobDoc = jobRun.value;
    const changes = reader.between(jobRun.from, jobRun.to).filter((x) => x.kind === 'change');
    const lastChange = changes.length ? changes.reduce((m, x) => Math.max(m, x.endedAt), 0) - jobRun.from : null;
    job = { jobId: jobDoc.jobId, status: jobDoc.status, ms: jobRun.ms, pollMs, lastChangeMs: lastChange, counts: { targets: jobDoc.counts.targets, done: jobDoc.counts.done, alreadyGone: jobDoc.counts.alreadyGone, failed: jobDoc.counts.failed }, progress };
    phases.push({ name: 'soft-delete job', ms: jobRun.ms, requests: summarize(reader.between(jobRun.from, jobRun.to), jobRun.from, jobRun.to), peakRssMiB: stack.memory.mark(), cpuSeconds: stack.memory.cpuMark() });
    current = undefined;
    log(`job ${jobDoc.status}: ${job.counts.done.toLocaleString('en')} done, ${job.counts.alreadyGone} already gone, ${job.counts.failed} failed in ${(jobRun.ms / 1000).toFixed(1)} s`);
    const httpAfter = await stack.httpCounts();
    await reader.stop();

    log('checking every copy through /_sim …');
    stage = 'the removal check';
    current = undefined;
    const check = await timed(() => checkRemoval(stack, scenario, new Set(lookup2.targets.map((t) => t.messageId))));
    phases.push({ name: 'check removal (/_sim)', ms: check.ms });
    const peakMiB = stack.memory.highWater();

    log(`naive baseline on ${opts.naiveRecipients} recipients …`);
    stage = 'the naive baseline';
    const naive = await naiveBaseline(stack, opts.naiveRecipients);
    phases.push({ name: `naive baseline (${opts.naiveRecipients} mailboxes)`, ms: naive.ms });

    const all = summarize(reader.records, reader.records[0]?.startedAt ?? Date.now(), Date.now());
    const httpRequests: Record<string, number> = {};
    for (const k of Object.keys(httpAfter) as Array<keyof typeof httpAfter>) httpRequests[k] = httpAfter[k] - httpBefore[k];

    // The bound (issue 10): N mailboxes searched, H mailboxes whose Sent Items a hop reads (those
    // holding a target of the hop before), T targets acted on — one sub-request each at 2,000/s.
    const hopMailboxes = new Set<string>();
    for (const t of lookup2.targets) if (t.depth < 2) hopMailboxes.add(`${t.depth}\u0000${t.mailbox.toLowerCase()}`);
    const n = lookup2.stats.mailboxesSearched;
    const h = hopMailboxes.size;
    const t = job.counts.targets;
    const boundSeconds = (n + h + t) / APP_RATE;
    const oursSeconds = (depth2Ms + jobRun.ms) / 1000;
    const oursRate = scenario.counts.mailboxes / oursSeconds;

    return {
      scenario: scenario.counts,
      generateMs: gen.ms,
      sim: stack.sim,
      phases,
      lookups,
      job,
      totals: { httpRequests, graphSubRequests: all.graphSubRequests, throttled: all.throttled, errors: all.errors, logRecordsLost: reader.lost },
      memory: { peakMiB, withScenarioLoadedMiB: withScenarioLoaded },
      bound: { n, h, t, seconds: boundSeconds, oursSeconds, ratio: oursSeconds / boundSeconds },
      naive,
      ours: { mailboxesPerSecond: oursRate, speedup: oursRate / naive.mailboxesPerSecond },
      removal: check.value,
    };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    await reader.stop().catch(() => undefined);
    if (current) {
      const to = Date.now();
      phases.push({ name: `${current.name} (stopped)`, ms: to - current.from, requests: summarize(reader.between(current.from, to), current.from, to), peakRssMiB: stack.memory.mark(), cpuSeconds: stack.memory.cpuMark() });
    }
    const peakMiB = stack.memory.highWater();
    throw new PartialRunError(`The run stopped during ${stage}: ${why}`, {
      scenario: scenario.counts,
      generateMs: gen.ms,
      sim: stack.sim,
      phases,
      lookups,
      ...(job ? { job } : {}),
      memory: { peakMiB, withScenarioLoadedMiB: 0 },
    });
  } finally {
    await reader.stop().catch(() => undefined);
    await stack.stop();
  }
}
