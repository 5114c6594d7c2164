/**
 * The queue handler: acts on one chunk of a job's targets through src/graph and records each
 * outcome. Delivery is at least once, effects exactly once: a target is acted on only while it is
 * `pending`, its outcome is recorded only under the ETag it was read with, and the engine counts
 * an item already where the action puts it as `done` — so a work item run twice (a worker killed
 * after acting, before deleting the message) changes nothing twice and counts nothing twice.
 */
import type { InvocationContext } from '@azure/functions';
import { act, undo, type ActResult } from '../../graph/act';
import { destinationFolder } from '../../core';
import type { Services } from '../services';
import { targetKey, toJob, type TargetRow } from '../storage/jobs';
import { storageErrorCode, withStorageRetry } from '../storage/retry';
import { workItemSchema } from './work-items';

/** The Functions host moves a message to `-poison` after this many attempts (maxDequeueCount). */
export const MAX_DEQUEUE_COUNT = 5;


/** Thrown so that the queue delivers a work item again for targets that failed on the way. */
export class TargetsToRetryError extends Error {
  constructor(readonly targets: number) {
    super(`${targets} target(s) to try again on the next delivery.`);
    this.name = 'TargetsToRetryError';
  }
}

export async function processWorkItem(services: Services, entry: unknown, context: InvocationContext): Promise<void> {
  const parsed = workItemSchema.safeParse(typeof entry === 'string' ? safeJson(entry) : entry);
  if (!parsed.success) {
    // A message that is not a work item can never succeed: say so and let it go.
    context.warn('work item ignored: not a Retract work item');
    return;
  }
  const { tenantId, jobId, chunk } = parsed.data;
  const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
  // Every storage call below is a read or a conditional write, so it is retried through a short
  // outage rather than failing the attempt: after the Graph calls, failing would leave mail moved
  // but not recorded until the queue delivered the item again.
  const stored = <T>(what: string, call: () => Promise<T>): Promise<T> =>
    withStorageRetry(call, {
      onRetry: (err, _attempt, delayMs) => context.warn(`storage not reachable while ${what} (${storageErrorCode(err)}); retrying in ${Math.round(delayMs)} ms`),
    });
  await stored('preparing storage', () => services.storage.ensure());
  const { jobs } = services;
  let row = await stored('reading the job', () => jobs.getRow(tenantId, jobId));
  if (!row) {
    context.warn(`work item for unknown job ${jobId} ignored`);
    return;
  }
  if (!row.cancelled) {
    if (!row.started) await stored('marking the job started', () => jobs.updateRow(tenantId, jobId, (r) => (r.started ? null : { started: true })));
    let pending = (await stored('reading targets', () => jobs.chunkTargets(jobId, chunk))).filter((t) => t.outcome === 'pending');
    // Read the cancel flag again just before acting: a cancel stops work not yet started.
    row = (await stored('reading the job', () => jobs.getRow(tenantId, jobId))) ?? row;
    // A purge leaves nothing to read, so a redelivered item cannot tell a target its first worker
    // purged from one purged by someone else: note on each target that its purge is about to be
    // sent, and count such a target found gone later as done.
    let purgeSentBefore = new Set<string>();
    if (pending.length && !row.cancelled && row.action === 'hard-delete') {
      purgeSentBefore = new Set(pending.filter((t) => t.purgeSentAt).map((t) => targetKey(t.chunk, t.index)));
      const toNote = pending;
      await stored('noting the purges about to be sent', () => jobs.notePurges(jobId, toNote));
      pending = (await stored('reading targets', () => jobs.chunkTargets(jobId, chunk))).filter((t) => t.outcome === 'pending');
    }
    if (pending.length && !row.cancelled) {
      let results: ActResult[];
      try {
        // A redelivered item may find targets its first worker changed before it died: the engine
        // then reads each mailbox's destination folder first and counts those already there as
        // done. On a first delivery nothing can have acted yet, so that read is skipped.
        const firstAttempt = dequeueCount === 1;
        results =
          row.action === 'undo'
            ? await undo(
                services.graph(),
                pending.map((t) => ({ mailbox: t.mailbox, messageId: t.messageId, internetMessageId: t.internetMessageId, restoreTo: t.restoreTo ?? t.folder })),
                { firstAttempt },
              )
            : await act(
                services.graph(),
                pending.map((t) => ({ mailbox: t.mailbox, messageId: t.messageId, internetMessageId: t.internetMessageId })),
                row.action,
                { firstAttempt },
              );
      } catch (err) {
        if (dequeueCount < MAX_DEQUEUE_COUNT) throw err;
        // The last attempt: record the failure on each target rather than leave the job running forever.
        const error = `Retract could not reach Microsoft Graph for this item after ${dequeueCount} attempts. Run a new job for it later.`;
        results = pending.map((t) => ({ mailbox: t.mailbox, messageId: t.messageId, outcome: 'failed' as const, error }));
      }
      if (purgeSentBefore.size) {
        const rowKeyOf = new Map(pending.map((t) => [`${t.mailbox.toLowerCase()}\u0000${t.messageId}`, targetKey(t.chunk, t.index)]));
        results = results.map((r) => (r.outcome === 'already-gone' && purgeSentBefore.has(rowKeyOf.get(`${r.mailbox.toLowerCase()}\u0000${r.messageId}`) ?? '') ? { ...r, outcome: 'done' as const } : r));
      }
      const destination = row.action === 'undo' ? undefined : destinationFolder(row.action);
      // A target that failed on the way (no answer, 429, 5xx after every try of this attempt)
      // stays pending while the queue has deliveries left: the rest is recorded now, and the
      // work item comes back for it. The last delivery records it failed, with its reason.
      const later = results.map((r) => r.transient === true && dequeueCount < MAX_DEQUEUE_COUNT);
      const settled = (i: number): boolean => !later[i];
      await stored('recording outcomes', () => recordResults(services, jobId, pending.filter((_, i) => settled(i)), results.filter((_, i) => settled(i)), destination));
      const retrying = later.filter(Boolean).length;
      if (retrying > 0) {
        context.warn(`work item for job ${jobId}: ${retrying} target(s) failed on the way to Microsoft Graph; the queue delivers it again for them (attempt ${dequeueCount} of ${MAX_DEQUEUE_COUNT})`);
        throw new TargetsToRetryError(retrying);
      }
    }
  }
  await stored('finishing the job', () => finishJob(services, tenantId, jobId));
}

async function recordResults(
  services: Services,
  jobId: string,
  pending: (TargetRow & { etag: string })[],
  results: ActResult[],
  destination: string | undefined,
): Promise<void> {
  const byKey = new Map(results.map((r) => [`${r.mailbox.toLowerCase()}\u0000${r.messageId}`, r]));
  const items = pending.flatMap((t, i) => {
    const r = byKey.get(`${t.mailbox.toLowerCase()}\u0000${t.messageId}`) ?? results[i];
    if (!r) return [];
    return [
      {
        target: t,
        result: {
          outcome: r.outcome,
          ...(r.error ? { error: r.error } : {}),
          // An item found already at the destination (moved by a worker that died before recording
          // it) came from where the lookup found it, not from the destination: undo uses that.
          ...(r.fromFolder && r.fromFolder !== destination ? { fromFolder: r.fromFolder } : {}),
          ...(r.newMessageId && r.newMessageId !== t.messageId ? { newMessageId: r.newMessageId } : {}),
        },
      },
    ];
  });
  await services.jobs.recordOutcomes(jobId, items);
}

/**
 * When a job has ended (no target pending, or cancelled), writes its outcome record to the audit
 * with the per-target outcomes as rows of their own — exactly once, however many workers see the
 * end at the same moment.
 */
export async function finishJob(services: Services, tenantId: string, jobId: string): Promise<void> {
  const row = await services.jobs.getRow(tenantId, jobId);
  if (!row) return;
  // Cheap check first: while targets are pending (and no cancel), the job has not ended.
  if (!row.cancelled && (await services.jobs.anyPending(jobId))) return;
  const targets = await services.jobs.targets(jobId);
  const job = toJob(jobId, row, targets, false);
  if (job.status === 'queued' || job.status === 'running') return;
  if (job.status !== 'cancelled' && !row.finalCounts) {
    const finalCounts = JSON.stringify(job.counts);
    await services.jobs.updateRow(tenantId, jobId, (r) => (r.finalCounts ? null : { finalCounts }));
  }
  await services.audit.append(
    tenantId,
    {
      section: 'Retract',
      event: row.action === 'undo' ? 'undo' : 'job',
      phase: 'outcome',
      actor: job.actor ?? {},
      internetMessageId: row.internetMessageId,
      lookupId: row.lookupId,
      jobId,
      options: { action: row.action, counts: job.counts },
      outcome: job.status,
    },
    {
      once: `job-outcome-${jobId}`,
      outcomes: targets.map((t) => ({ mailbox: t.mailbox, messageId: t.messageId, outcome: t.outcome, ...(t.error ? { error: t.error } : {}) })),
    },
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
