/**
 * Jobs: POST /api/jobs acts on exactly one lookup's targets (minus `exclude`, plus the ambiguous
 * forwards named in `include`), never on a search made now. Status and counts are read from the
 * targets. Undo is a job of its own; cancel leaves work not yet started `pending`.
 */
import { randomUUID } from 'node:crypto';
import type { HttpResponseInit } from '@azure/functions';
import { isUndoable, selectTargets } from '../../core';
import { jobListQuerySchema, jobPathSchema, jobRequestSchema } from '../../contracts';
import { recheckAdmin } from '../auth/access';
import { expectNoBody, readJsonBody, readQuery } from '../http/body';
import { ProblemError, badRequest, json } from '../http/problem';
import { actorOf, caller, type RouteContext } from '../http/route';
import type { Services } from '../services';
import { toJob, type NewJob, type NewTarget } from '../storage/jobs';
import { finishJob } from '../worker/process-work-item';
import { enqueueChunks } from '../worker/work-items';
import { API_STORAGE_RETRY_DEADLINE_MS, withStorageRetry } from '../storage/retry';

function jobIdOf(ctx: RouteContext): string {
  const parsed = jobPathSchema.safeParse({ jobId: ctx.req.params.jobId });
  if (!parsed.success) throw badRequest(parsed.error, 'query');
  return parsed.data.jobId;
}

const notFound = (jobId: string): ProblemError =>
  new ProblemError(404, `There is no job ${jobId} in your organisation. Check the id, or list the jobs with GET /api/jobs.`);

/**
 * How long an undo's claim on a job may stand without its undo job before a new undo may take it:
 * longer than any dispatch can take (the Functions host ends an HTTP call after 230 s).
 */
export const UNDO_CLAIM_STALE_MS = 5 * 60_000;

/**
 * Stores the job and its targets, writes the audit's intent record, then enqueues the work. A
 * storage outage in between must not leave a job `queued` forever with no work behind it: the
 * intent record is written once however often it is retried, and if the job still cannot be
 * started it is cancelled (no work item acts on a cancelled job) and the caller told so.
 */
async function dispatch(services: Services, tenantId: string, job: NewJob, targets: NewTarget[], options: Record<string, unknown>, jobId?: string): Promise<string> {
  const created = await services.jobs.create(tenantId, job, targets, jobId);
  try {
    await withStorageRetry(
      () =>
        services.audit.append(
          tenantId,
          {
            section: 'Retract',
            event: job.action === 'undo' ? 'undo' : 'job',
            phase: 'intent',
            actor: job.actor,
            internetMessageId: job.internetMessageId,
            lookupId: job.lookupId,
            jobId: created.jobId,
            options: { action: job.action, targets: targets.length, ...options },
            outcome: 'dispatched',
          },
          { once: `intent:${created.jobId}` },
        ),
      { deadlineMs: API_STORAGE_RETRY_DEADLINE_MS },
    );
    if (created.chunkCount === 0) await finishJob(services, tenantId, created.jobId);
    else await enqueueChunks(services.storage, tenantId, created.jobId, created.chunkCount);
  } catch (err) {
    if (err instanceof ProblemError) throw err;
    // A conditional write: repeating it through the outage is safe.
    const cancelled = await withStorageRetry(() => services.jobs.updateRow(tenantId, created.jobId, (r) => (r.cancelled ? null : { cancelled: true })), { deadlineMs: API_STORAGE_RETRY_DEADLINE_MS }).then(
      () => true,
      () => false,
    );
    if (cancelled) await finishJob(services, tenantId, created.jobId).catch(() => undefined);
    const state = cancelled
      ? 'The job was cancelled: no further work on it will start'
      : 'Retract could not mark the job cancelled either, so it may show as queued; no work on it was enqueued after the failure';
    throw new ProblemError(
      503,
      `Retract could not start the job ${created.jobId}: its storage did not answer. ${state}. Check it with GET /api/jobs/${created.jobId}, and try again in a minute.`,
      { jobId: created.jobId },
      { 'retry-after': '60' },
    );
  }
  return created.jobId;
}

export async function createJob(ctx: RouteContext): Promise<HttpResponseInit> {
  const p = caller(ctx);
  // A job acts on mail (a hard delete for good): the role is confirmed in the directory, not only in the token.
  await recheckAdmin(ctx.services, ctx.req, p, ctx.routeName);
  const body = await readJsonBody(ctx.req, jobRequestSchema);
  const found = await ctx.services.lookups.get(p.tenantId, body.lookupId);
  if (found.status === 'missing') {
    throw new ProblemError(404, `There is no lookup ${body.lookupId} in your organisation. Make a lookup first (POST /api/lookups) and use the lookupId it returns.`, {
      errors: [{ field: 'lookupId', message: 'No such lookup in your organisation.' }],
    });
  }
  if (found.status === 'expired') {
    throw new ProblemError(410, `The lookup ${body.lookupId} expired at ${found.expiresAt} (lookups are kept 24 hours). Make a new lookup and review its preview again.`, {
      errors: [{ field: 'lookupId', message: 'The lookup expired.' }],
    });
  }
  const lookup = found.lookup;
  const selection = selectTargets(lookup, { exclude: body.exclude, include: body.include });
  if (!selection.ok) {
    throw new ProblemError(400, selection.reason, { errors: [{ field: selection.field, message: selection.reason }] });
  }
  const targets: NewTarget[] = selection.targets.map((t) => ({
    mailbox: t.mailbox,
    messageId: t.messageId,
    internetMessageId: t.internetMessageId,
    folder: t.folder,
    depth: t.depth,
  }));
  const jobId = await dispatch(
    ctx.services,
    p.tenantId,
    { action: body.action, lookupId: lookup.lookupId, internetMessageId: lookup.internetMessageId, actor: actorOf(p), reason: body.reason },
    targets,
    {
      depth: lookup.depth,
      ...(body.exclude?.length ? { exclude: body.exclude } : {}),
      ...(body.include?.length ? { include: body.include } : {}),
      ...(body.reason ? { reason: body.reason } : {}),
    },
  );
  return json(202, { jobId }, { location: `/api/jobs/${jobId}` });
}

export async function getJob(ctx: RouteContext): Promise<HttpResponseInit> {
  const p = caller(ctx);
  const jobId = jobIdOf(ctx);
  const job = await ctx.services.jobs.view(p.tenantId, jobId);
  if (!job) throw notFound(jobId);
  return json(200, job);
}

export async function listJobs(ctx: RouteContext): Promise<HttpResponseInit> {
  const p = caller(ctx);
  const q = readQuery(ctx.req, jobListQuerySchema);
  return json(200, { jobs: await ctx.services.jobs.list(p.tenantId, q.since) });
}

export async function undoJob(ctx: RouteContext): Promise<HttpResponseInit> {
  const p = caller(ctx);
  // Before anything about the job is read: a caller who lost the role learns nothing of it.
  await recheckAdmin(ctx.services, ctx.req, p, ctx.routeName);
  const jobId = jobIdOf(ctx);
  await expectNoBody(ctx.req);
  const { jobs } = ctx.services;
  const row = await jobs.getRow(p.tenantId, jobId);
  if (!row) throw notFound(jobId);
  if (!isUndoable(row.action)) {
    throw new ProblemError(409, row.action === 'hard-delete'
      ? 'A hard delete cannot be undone from Retract. The items may still be in Recoverable Items; ask an Exchange administrator to restore them.'
      : 'An undo cannot itself be undone. Run a new job from a fresh lookup instead.');
  }
  const targets = await jobs.targets(jobId);
  const view = toJob(jobId, row, targets, false);
  if (view.status === 'queued' || view.status === 'running') {
    throw new ProblemError(409, `The job ${jobId} is still ${view.status}. Wait until it ends (or cancel it), then undo it.`);
  }
  const undoId = randomUUID();
  // A claim whose undo job was never stored (storage failed in between, and releasing the claim
  // failed too) is taken over once it is old: the job is not left forever undoable by nobody.
  // So is a claim whose undo job was cancelled before it changed anything (its dispatch failed,
  // or an admin cancelled it at once).
  let staleClaim: string | undefined;
  if (row.undoneBy) {
    const claimedBy = await jobs.getRow(p.tenantId, row.undoneBy);
    if (!claimedBy) {
      const since = Date.parse(row.timestamp ?? '');
      if (!Number.isNaN(since) && Date.now() - since > UNDO_CLAIM_STALE_MS) staleClaim = row.undoneBy;
    } else if (claimedBy.cancelled && (await jobs.targets(row.undoneBy)).every((t) => t.outcome === 'pending')) {
      staleClaim = row.undoneBy;
    }
  }
  // Claim the undo first, so two admins pressing Undo at once start one undo job, not two.
  const claimed = await jobs.updateRow(p.tenantId, jobId, (r) => (r.undoneBy && r.undoneBy !== staleClaim ? null : { undoneBy: undoId }));
  if (!claimed || claimed.undoneBy !== undoId) {
    throw new ProblemError(409, `The job ${jobId} was already undone by job ${claimed?.undoneBy ?? 'another job'}.`, { undoneBy: claimed?.undoneBy });
  }
  const done = targets.filter((t) => t.outcome === 'done');
  const undoTargets: NewTarget[] = done.map((t) => ({
    mailbox: t.mailbox,
    messageId: t.newMessageId ?? t.messageId,
    internetMessageId: t.internetMessageId,
    folder: t.folder,
    depth: t.depth,
    restoreTo: t.fromFolder ?? t.folder,
  }));
  try {
    await dispatch(
      ctx.services,
      p.tenantId,
      { action: 'undo', lookupId: row.lookupId, internetMessageId: row.internetMessageId, actor: actorOf(p), undoOf: jobId },
      undoTargets,
      { undoOf: jobId },
      undoId,
    );
  } catch (err) {
    // No undo job was stored: give the claim back, so that the admin can simply press Undo again.
    // (An undo job that was stored and then cancelled by dispatch is taken over by the next Undo.)
    const stored = await jobs.getRow(p.tenantId, undoId).catch(() => 'unknown' as const);
    if (stored === null) {
      await withStorageRetry(() => jobs.updateRow(p.tenantId, jobId, (r) => (r.undoneBy === undoId ? { undoneBy: '' } : null)), { deadlineMs: API_STORAGE_RETRY_DEADLINE_MS }).catch(() => undefined);
    }
    if (err instanceof ProblemError) throw err;
    throw new ProblemError(503, `Retract could not start the undo of job ${jobId}: its storage did not answer. Nothing was undone; try again in a minute.`, {}, { 'retry-after': '60' });
  }
  return json(202, { jobId: undoId }, { location: `/api/jobs/${undoId}` });
}

export async function cancelJob(ctx: RouteContext): Promise<HttpResponseInit> {
  const p = caller(ctx);
  const jobId = jobIdOf(ctx);
  await expectNoBody(ctx.req);
  const { jobs, audit } = ctx.services;
  const row = await jobs.getRow(p.tenantId, jobId);
  if (!row) throw notFound(jobId);
  const view = toJob(jobId, row, await jobs.targets(jobId), false);
  if (view.status !== 'queued' && view.status !== 'running' && view.status !== 'cancelled') {
    throw new ProblemError(409, `The job ${jobId} already ended (${view.status}); there is nothing left to cancel.`);
  }
  if (!row.cancelled) {
    await jobs.updateRow(p.tenantId, jobId, (r) => (r.cancelled ? null : { cancelled: true }));
    await audit.append(p.tenantId, {
      section: 'Retract',
      event: 'cancel',
      actor: actorOf(p),
      internetMessageId: row.internetMessageId,
      lookupId: row.lookupId,
      jobId,
      outcome: 'ok',
    });
    await finishJob(ctx.services, p.tenantId, jobId);
  }
  return json(202, { jobId });
}
