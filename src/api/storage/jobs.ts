/**
 * Jobs and their targets. A job row (partition = tenant id) holds what was asked; each target is
 * a row of its own (partition = job id, row key = chunk and index) holding its outcome. A job's
 * status and counts are never stored: they are computed from its targets every time they are
 * read, so they are always exactly what the targets say, however often a work item runs.
 */
import { randomUUID } from 'node:crypto';
import type { TableEntityResult, TransactionAction } from '@azure/data-tables';
import { countOutcomes, jobStatusFrom, type JobAction, type Outcome } from '../../core';
import type { Actor, Job, JobResult, JobSummary } from '../../contracts';
import { listAll, odata, statusOf, type Storage } from './clients';
import { API_STORAGE_RETRY_DEADLINE_MS, withCreateRetry } from './retry';

/** One work item acts on at most this many targets: one Graph `$batch`. */
export const CHUNK_SIZE = 20;

export interface JobRow {
  action: JobAction;
  lookupId: string;
  internetMessageId: string;
  createdAt: string;
  actor: string;
  reason?: string;
  undoOf?: string;
  undoneBy?: string;
  cancelled: boolean;
  started: boolean;
  targetCount: number;
  chunkCount: number;
  /** Set once a job has ended completed, partial or failed (its targets no longer change): JSON counts. */
  finalCounts?: string;
}

export interface TargetRow {
  chunk: number;
  index: number;
  mailbox: string;
  messageId: string;
  internetMessageId: string;
  folder: string;
  depth: number;
  outcome: Outcome;
  error?: string;
  /** The folder the item was in before the job moved it (undo puts it back there). */
  fromFolder?: string;
  /** The item's id after the move, when Graph gave it a new one. */
  newMessageId?: string;
  /** Undo jobs: the folder to put the item back into. */
  restoreTo?: string;
  /**
   * Hard-delete jobs: when a worker was about to send this target's purge (written before the
   * purge is sent). A later attempt that finds the item gone counts it `done`, not `already-gone`:
   * Graph offers no read that tells a purge of ours from anyone else's.
   */
  purgeSentAt?: string;
}

export interface NewTarget {
  mailbox: string;
  messageId: string;
  internetMessageId: string;
  folder: string;
  depth: number;
  restoreTo?: string;
}

export interface NewJob {
  action: JobAction;
  lookupId: string;
  internetMessageId: string;
  actor: Actor;
  reason?: string;
  undoOf?: string;
}

export const targetKey = (chunk: number, index: number): string =>
  `c${String(chunk).padStart(6, '0')}-${String(index).padStart(7, '0')}`;

export class JobStore {
  constructor(private readonly storage: Storage) {}

  /**
   * Stores the targets, then the job (a job is visible only with all its targets). Each write is
   * retried through a short storage outage; a write whose answer was lost is not written twice.
   */
  async create(
    tenantId: string,
    job: NewJob,
    targets: NewTarget[],
    jobId: string = randomUUID(),
  ): Promise<{ jobId: string; chunkCount: number; row: JobRow }> {
    const actions: TransactionAction[] = targets.map((t, index) => {
      const chunk = Math.floor(index / CHUNK_SIZE);
      const row: TargetRow = { chunk, index, ...t, outcome: 'pending' };
      return ['create', { partitionKey: jobId, rowKey: targetKey(chunk, index), ...stripUndefined(row) }];
    });
    const retry = { deadlineMs: API_STORAGE_RETRY_DEADLINE_MS };
    for (let i = 0; i < actions.length; i += 100) {
      const part = actions.slice(i, i + 100);
      await withCreateRetry(() => this.storage.table('targets').submitTransaction(part), retry);
    }
    const chunkCount = Math.ceil(targets.length / CHUNK_SIZE);
    const row: JobRow = {
      action: job.action,
      lookupId: job.lookupId,
      internetMessageId: job.internetMessageId,
      createdAt: new Date().toISOString(),
      actor: JSON.stringify(job.actor),
      reason: job.reason,
      undoOf: job.undoOf,
      cancelled: false,
      started: false,
      targetCount: targets.length,
      chunkCount,
    };
    await withCreateRetry(() => this.storage.table('jobs').createEntity({ partitionKey: tenantId, rowKey: jobId, ...stripUndefined(row) }), retry);
    return { jobId, chunkCount, row };
  }

  async getRow(tenantId: string, jobId: string): Promise<TableEntityResult<JobRow> | null> {
    try {
      return await this.storage.table('jobs').getEntity<JobRow>(tenantId, jobId);
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
  }

  async targets(jobId: string): Promise<TableEntityResult<TargetRow>[]> {
    const rows = await listAll<TargetRow>(this.storage.table('targets'), `PartitionKey eq ${odata(jobId)}`);
    rows.sort((a, b) => a.index - b.index);
    return rows as TableEntityResult<TargetRow>[];
  }

  async chunkTargets(jobId: string, chunk: number): Promise<TableEntityResult<TargetRow>[]> {
    const lo = targetKey(chunk, 0).slice(0, 7);
    const hi = targetKey(chunk + 1, 0).slice(0, 7);
    const rows = await listAll<TargetRow>(
      this.storage.table('targets'),
      `PartitionKey eq ${odata(jobId)} and RowKey ge ${odata(lo)} and RowKey lt ${odata(hi)}`,
    );
    rows.sort((a, b) => a.index - b.index);
    return rows as TableEntityResult<TargetRow>[];
  }

  /**
   * Records a target's outcome once: only while it is still pending, and only under the ETag it
   * was read with. Returns false when another worker recorded it first.
   */
  async recordOutcome(
    jobId: string,
    target: TableEntityResult<TargetRow>,
    result: { outcome: Outcome; error?: string; fromFolder?: string; newMessageId?: string },
  ): Promise<boolean> {
    if (target.outcome !== 'pending') return false;
    try {
      await this.storage.table('targets').updateEntity(
        { partitionKey: jobId, rowKey: targetKey(target.chunk, target.index), ...stripUndefined(result) },
        'Merge',
        { etag: target.etag },
      );
      return true;
    } catch (err) {
      if (statusOf(err) === 412) return false;
      throw err;
    }
  }

  /**
   * Records the outcomes of several targets of one chunk in one transaction; when another worker
   * recorded any of them first (an ETag no longer matches), falls back to one at a time so that
   * the others are still recorded once.
   */
  async recordOutcomes(
    jobId: string,
    items: Array<{ target: TableEntityResult<TargetRow>; result: { outcome: Outcome; error?: string; fromFolder?: string; newMessageId?: string } }>,
  ): Promise<void> {
    const open = items.filter((i) => i.target.outcome === 'pending');
    // One transaction per 100 (the service's limit; a work item holds at most CHUNK_SIZE).
    for (let at = 0; at < open.length; at += 100) {
      const part = open.slice(at, at + 100);
      try {
        await this.storage.table('targets').submitTransaction(
          part.map((i): TransactionAction => [
            'update',
            { partitionKey: jobId, rowKey: targetKey(i.target.chunk, i.target.index), ...stripUndefined(i.result) },
            'Merge',
            { etag: i.target.etag },
          ]),
        );
      } catch (err) {
        const status = statusOf(err);
        if (status !== 412 && status !== 409 && status !== 404) throw err;
        for (const i of part) await this.recordOutcome(jobId, i.target, i.result);
      }
    }
  }

  /**
   * Notes on pending targets of one chunk that their purge is about to be sent (purgeSentAt),
   * under the ETags they were read with. A target another worker changed meanwhile is left as it
   * is (the caller reads the chunk again after this, and acts only on what is still pending).
   */
  async notePurges(jobId: string, targets: Array<TableEntityResult<TargetRow>>, at: string = new Date().toISOString()): Promise<void> {
    const open = targets.filter((t) => t.outcome === 'pending' && !t.purgeSentAt);
    const update = (t: TableEntityResult<TargetRow>): TransactionAction => ['update', { partitionKey: jobId, rowKey: targetKey(t.chunk, t.index), purgeSentAt: at }, 'Merge', { etag: t.etag }];
    for (let i = 0; i < open.length; i += 100) {
      const part = open.slice(i, i + 100);
      try {
        await this.storage.table('targets').submitTransaction(part.map(update));
      } catch (err) {
        const status = statusOf(err);
        if (status !== 412 && status !== 409 && status !== 404) throw err;
        for (const t of part) {
          try {
            await this.storage.table('targets').updateEntity(update(t)[1], 'Merge', { etag: t.etag });
          } catch (one) {
            if (statusOf(one) !== 412) throw one;
          }
        }
      }
    }
  }

  /** Whether any target of the job is still pending (reads one row at most). */
  async anyPending(jobId: string): Promise<boolean> {
    const pages = this.storage
      .table('targets')
      .listEntities({ queryOptions: { filter: `PartitionKey eq ${odata(jobId)} and outcome eq 'pending'`, select: ['RowKey'] } })
      .byPage({ maxPageSize: 1 });
    for await (const page of pages) {
      if (page.length > 0) return true;
      // An empty page with a continuation token: the service stopped early; keep reading.
    }
    return false;
  }

  /** Sets flags on the job row under its ETag; retries when someone else changed it meanwhile. */
  async updateRow(
    tenantId: string,
    jobId: string,
    change: (row: JobRow) => Partial<JobRow> | null,
  ): Promise<JobRow | null> {
    for (let i = 0; i < 50; i++) {
      const row = await this.getRow(tenantId, jobId);
      if (!row) return null;
      const patch = change(row);
      if (!patch) return row;
      try {
        await this.storage.table('jobs').updateEntity({ partitionKey: tenantId, rowKey: jobId, ...stripUndefined(patch) }, 'Merge', {
          etag: row.etag,
        });
        return { ...row, ...patch };
      } catch (err) {
        if (statusOf(err) !== 412) throw err;
      }
    }
    throw new Error('The job could not be updated: too many concurrent changes. Try again.');
  }

  async view(tenantId: string, jobId: string): Promise<Job | null> {
    const row = await this.getRow(tenantId, jobId);
    if (!row) return null;
    return toJob(jobId, row, await this.targets(jobId), true) as Job;
  }

  async list(tenantId: string, since?: string): Promise<JobSummary[]> {
    const filters = [`PartitionKey eq ${odata(tenantId)}`];
    if (since) filters.push(`createdAt ge ${odata(new Date(since).toISOString())}`);
    const rows = await listAll<JobRow>(this.storage.table('jobs'), filters.join(' and '));
    rows.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
    const recent = rows.slice(0, 200);
    // An ended job's counts were taken from its targets when it ended; others are counted now.
    return Promise.all(
      recent.map(async (r) => (r.finalCounts ? endedSummary(r.rowKey, r) : toJob(r.rowKey, r, await this.targets(r.rowKey), false))),
    );
  }
}

function endedSummary(jobId: string, row: JobRow): JobSummary {
  const counts = JSON.parse(row.finalCounts!) as { targets: number; done: number; alreadyGone: number; failed: number; pending: number };
  const summary = toJob(jobId, row, [], false);
  return { ...summary, status: jobStatusFrom(counts, { cancelled: row.cancelled, started: row.started }), counts };
}

export function toJob(jobId: string, row: JobRow, targets: TargetRow[], withResults: boolean): JobSummary {
  const counts = countOutcomes(targets);
  const status = jobStatusFrom(counts, { cancelled: row.cancelled, started: row.started });
  const results: JobResult[] = targets.map((t) => ({
    mailbox: t.mailbox,
    messageId: t.messageId,
    outcome: t.outcome,
    ...(t.error ? { error: t.error } : {}),
    internetMessageId: t.internetMessageId,
    ...(t.fromFolder ? { fromFolder: t.fromFolder } : {}),
    depth: t.depth,
  }));
  return {
    jobId,
    status,
    action: row.action,
    lookupId: row.lookupId,
    counts: { targets: counts.targets, done: counts.done, alreadyGone: counts.alreadyGone, failed: counts.failed, pending: counts.pending },
    internetMessageId: row.internetMessageId,
    createdAt: row.createdAt,
    actor: JSON.parse(row.actor) as Actor,
    ...(row.reason ? { reason: row.reason } : {}),
    ...(row.undoOf ? { undoOf: row.undoOf } : {}),
    ...(row.undoneBy ? { undoneBy: row.undoneBy } : {}),
    ...(withResults ? { results } : {}),
  };
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
