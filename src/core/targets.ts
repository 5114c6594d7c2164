import { normalizeAddress } from './address';
import type { SkipReason } from './recipients';

/** The depths a lookup may follow: 0 (copies only) to 5 hops of forwards and replies. */
export const MIN_DEPTH = 0;
export const MAX_DEPTH = 5;
export const DEFAULT_DEPTH = 1;

/** Well-known folder names, as Graph and `/_sim` name them. */
export type WellKnownFolder =
  | 'inbox'
  | 'sentitems'
  | 'deleteditems'
  | 'junkemail'
  | 'recoverableitemsdeletions'
  | 'recoverableitemspurges';

/** One message a job may act on: a copy, a forward or a reply, in one mailbox. */
export interface Target {
  /** The mailbox owner's primary SMTP address (`mail`). */
  mailbox: string;
  /** Graph immutable item id. */
  messageId: string;
  internetMessageId: string;
  /** Well-known folder name or the folder's display name, where the lookup found it. */
  folder: string;
  /** Hops from the original: 0 for its copies. */
  depth: number;
  isRead: boolean;
  /** internetMessageId of the direct parent; null at depth 0. */
  via: string | null;
}

/** An address that cannot be retracted, with why. */
export interface Skipped {
  address: string;
  reason: SkipReason;
  error?: string;
}

/** A forward the forged-index guard stopped: shown to the admin, never silently dropped. */
export interface Ambiguous {
  mailbox: string;
  messageId: string;
  internetMessageId: string;
  why: string;
  /** Optional extras so an included forward can become a target without a new search. */
  folder?: string;
  depth?: number;
  via?: string | null;
  isRead?: boolean;
}

export interface LookupStats {
  mailboxesSearched: number;
  graphRequests: number;
  ms: number;
}

export interface LookupResult {
  targets: Target[];
  skipped: Skipped[];
  ambiguous: Ambiguous[];
  stats: LookupStats;
}

export const ACTIONS = ['soft-delete', 'hard-delete', 'move-to-deleted-items', 'move-to-junk'] as const;
export type Action = (typeof ACTIONS)[number];
export const JOB_ACTIONS = [...ACTIONS, 'undo'] as const;
export type JobAction = (typeof JOB_ACTIONS)[number];

export const OUTCOMES = ['pending', 'done', 'already-gone', 'failed'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const JOB_STATUSES = ['queued', 'running', 'completed', 'partial', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export function isAction(value: unknown): value is Action {
  return typeof value === 'string' && (ACTIONS as readonly string[]).includes(value);
}

/** Where an action puts an item (a `hard-delete` leaves it in Purges, or nowhere). */
export function destinationFolder(
  action: Action,
): 'recoverableitemsdeletions' | 'deleteditems' | 'junkemail' | 'recoverableitemspurges' {
  switch (action) {
    case 'soft-delete':
      return 'recoverableitemsdeletions';
    case 'hard-delete':
      return 'recoverableitemspurges';
    case 'move-to-deleted-items':
      return 'deleteditems';
    case 'move-to-junk':
      return 'junkemail';
  }
}

/** A soft delete or a move can be undone; a hard delete cannot (nor can an undo). */
export function isUndoable(action: JobAction): boolean {
  return action === 'soft-delete' || action === 'move-to-deleted-items' || action === 'move-to-junk';
}

export interface OutcomeCounts {
  targets: number;
  done: number;
  alreadyGone: number;
  failed: number;
  pending: number;
}

export function countOutcomes(results: Iterable<{ outcome: Outcome }>): OutcomeCounts {
  const counts: OutcomeCounts = { targets: 0, done: 0, alreadyGone: 0, failed: 0, pending: 0 };
  for (const r of results) {
    counts.targets++;
    switch (r.outcome) {
      case 'done':
        counts.done++;
        break;
      case 'already-gone':
        counts.alreadyGone++;
        break;
      case 'failed':
        counts.failed++;
        break;
      case 'pending':
        counts.pending++;
        break;
    }
  }
  return counts;
}

/**
 * A job's status is always what its targets' outcomes say:
 * - `cancelled` once cancelled while work was still pending (those targets stay `pending`);
 * - `queued` while nothing has an outcome and no worker has `started`; `running` while any is pending;
 * - then `completed` (every target done or already gone), `failed` (every target failed) or
 *   `partial` (some failed, some not).
 * A job with no targets is `completed`.
 */
export function jobStatusFrom(
  counts: Pick<OutcomeCounts, 'targets' | 'done' | 'alreadyGone' | 'failed'> & { pending?: number },
  options: { cancelled: boolean; started?: boolean },
): JobStatus {
  const pending = counts.pending ?? counts.targets - counts.done - counts.alreadyGone - counts.failed;
  if (pending > 0) {
    if (options.cancelled) return 'cancelled';
    if (options.started === false && pending === counts.targets) return 'queued';
    return 'running';
  }
  if (counts.failed === 0) return 'completed';
  if (counts.failed >= counts.targets) return 'failed';
  return 'partial';
}

export type TargetSelection = { ok: true; targets: Target[] } | { ok: false; field: 'exclude' | 'include'; reason: string };

/**
 * The targets of a job: exactly the lookup's targets minus `exclude`, plus those of its
 * `ambiguous` forwards named in `include` — never anything else. An id in `include` that is not
 * one of the lookup's ambiguous forwards, or in `exclude` that is neither a target nor an
 * ambiguous forward of the lookup, is refused (a typo must not silently act on what the admin
 * meant to leave alone).
 */
export function selectTargets(
  lookup: Pick<LookupResult, 'targets' | 'ambiguous'>,
  choice: { exclude?: readonly string[]; include?: readonly string[] },
): TargetSelection {
  const targetIds = new Set(lookup.targets.map((t) => t.messageId));
  const ambiguousById = new Map(lookup.ambiguous.map((a) => [a.messageId, a] as const));
  const exclude = new Set(choice.exclude ?? []);
  for (const id of exclude) {
    if (!targetIds.has(id) && !ambiguousById.has(id)) {
      return {
        ok: false,
        field: 'exclude',
        reason: `The message ${id} you asked to exclude is not one of this lookup's targets. Check the id against the preview.`,
      };
    }
  }
  const included: Target[] = [];
  for (const id of new Set(choice.include ?? [])) {
    const a = ambiguousById.get(id);
    if (!a) {
      return {
        ok: false,
        field: 'include',
        reason: `The message ${id} you asked to include is not one of this lookup's ambiguous forwards; only those may be added to a job.`,
      };
    }
    if (exclude.has(id)) continue;
    included.push({
      mailbox: a.mailbox,
      messageId: a.messageId,
      internetMessageId: a.internetMessageId,
      folder: a.folder ?? 'sentitems',
      depth: a.depth ?? 1,
      isRead: a.isRead ?? true,
      via: a.via ?? null,
    });
  }
  const kept = lookup.targets.filter((t) => !exclude.has(t.messageId));
  return { ok: true, targets: dedupeTargets([...kept, ...included]) };
}

/**
 * One target per item (mailbox + messageId), keeping the one found at the lowest depth, in
 * first-seen order. Linear time.
 */
export function dedupeTargets<T extends Pick<Target, 'mailbox' | 'messageId' | 'depth'>>(targets: readonly T[]): T[] {
  const index = new Map<string, number>();
  const out: T[] = [];
  for (const t of targets) {
    const key = `${normalizeAddress(t.mailbox)}\u0000${t.messageId}`;
    const at = index.get(key);
    if (at === undefined) {
      index.set(key, out.length);
      out.push(t);
    } else if (t.depth < out[at]!.depth) {
      out[at] = t;
    }
  }
  return out;
}

/** Splits a list into chunks of at most `size` (a `$batch` holds at most 20 requests). */
export function chunk<T>(items: readonly T[], size = 20): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new Error('A chunk size must be a positive whole number.');
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
