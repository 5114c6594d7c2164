/**
 * The audit: append-only records in one hash chain per tenant (Azure Table `RetractAudit`,
 * partition = tenant id). Each record holds the SHA-256 of the previous one over its canonical
 * JSON (core's chain functions). Many writers append safely: a record is written in one
 * entity-group transaction together with the chain's head row, replaced only under the ETag it
 * was read with; a writer that loses the race reads the new head and tries again.
 * Per-target outcomes are rows of their own (`RetractAuditOutcomes`); the record holds their
 * count and digest. Nothing here updates or deletes a record.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { TableEntity, TableEntityResult, TransactionAction } from '@azure/data-tables';
import { listAll, odata, safeKey, splitForTable, statusOf, writeBatched, type Storage } from '../storage/clients';
import { GENESIS_HASH, chainRecord, digestOutcomes, verifyRecords, type AuditOutcomeRow } from './chain';

export const AUDIT_SECTIONS = ['Retract', 'Revoke', 'Setup', 'Access'] as const;
export type AuditSection = (typeof AUDIT_SECTIONS)[number];

export interface AuditActor {
  oid?: string;
  upn?: string;
  name?: string;
  app?: string;
}

/** What a caller supplies; the store adds id, seq, time, prev and hash. */
export interface AuditEntry {
  section: AuditSection;
  /** What happened: `lookup`, `job`, `undo`, `cancel`, `ome-status`, `ome-revoke`, `settings`, `refused`. */
  event: string;
  /** `intent` before an action is dispatched, `outcome` with its result. */
  phase?: 'intent' | 'outcome';
  actor: AuditActor;
  internetMessageId?: string;
  jobId?: string;
  lookupId?: string;
  options?: Record<string, unknown>;
  /** A short result: `ok`, a job status, an HTTP status for a refusal … */
  outcome?: string;
  detail?: string;
}

/** A record as stored and returned (contracts' auditRecordSchema, plus `id`). */
export interface AuditRecord extends AuditEntry {
  /** Names the record's per-target outcome rows (written before the record itself). */
  id: string;
  seq: number;
  time: string;
  outcomesDigest?: string;
  outcomesCount?: number;
  prevHash: string;
  hash: string;
  /** Folded refusals (read beside the record, outside the chain). */
  count?: number;
}

interface HeadEntity {
  seq: number;
  hash: string;
}

const HEAD = 'h';
const recordKey = (seq: number): string => `r${String(seq).padStart(12, '0')}`;
const markerKey = (key: string): string => `m${safeKey(key)}`;
const outcomeRowKey = (i: number): string => String(i).padStart(8, '0');
/** Claims on a `once` key's outcome rows: `c{key}|{record id}` (ids hold no `|`). */
const claimPrefix = (once: string): string => `c${safeKey(once)}|`;

/** A UUID-shaped id that follows from the tenant, the `once` key and the outcomes' digest. */
export function onceRecordId(tenantId: string, once: string, outcomesDigest = ''): string {
  const h = createHash('sha256').update(`${tenantId}\u0000${once}\u0000${outcomesDigest}`, 'utf8').digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}
/** The partition holding a record's per-target outcome rows. */
export const outcomesPartition = (tenantId: string, recordId: string): string => `${safeKey(tenantId)}|${safeKey(recordId)}`;

export interface AuditQuery {
  section?: AuditSection;
  actor?: string;
  internetMessageId?: string;
  since?: string;
  until?: string;
  cursor?: string;
  limit?: number;
}

export interface AuditVerifyResult {
  ok: boolean;
  records: number;
  head: string | null;
  brokenAt?: number;
  why?: string;
}

export class AuditStore {
  constructor(private readonly storage: Storage) {}

  /**
   * Appends one record. With `once`, the record is written at most once for that key (even by
   * racing writers, or a retried work item): later calls return null. With `once` and
   * `outcomes`, an append that crashes at any point and is retried leaves no outcome row that
   * no record names: the rows' id follows from the key and the outcomes, and each attempt
   * claims its rows before writing them, so the one that wins clears the others'.
   */
  async append(
    tenantId: string,
    entry: AuditEntry,
    extra: { outcomes?: AuditOutcomeRow[]; once?: string; id?: string } = {},
  ): Promise<AuditRecord | null> {
    const table = this.storage.table('audit');
    const pk = safeKey(tenantId);
    const outcomes = extra.outcomes ? { outcomesDigest: digestOutcomes(extra.outcomes), outcomesCount: extra.outcomes.length } : undefined;
    // A `once` record's id follows from its key and its outcomes, so a retried or redelivered
    // append names the same outcome rows as the attempt before it (rewriting them changes
    // nothing) instead of leaving that attempt's rows behind under a fresh id.
    const id = extra.id ?? (extra.once ? onceRecordId(tenantId, extra.once, outcomes?.outcomesDigest) : randomUUID());
    const once = extra.once;
    // Written already (a redelivered work item, a racing writer): write nothing, and clear the
    // rows of every attempt that lost (this one's, or a crashed one's with other outcomes).
    const already = async (): Promise<boolean> => {
      if (!once) return false;
      const winner = await this.onceRecordIdOf(pk, once);
      if (winner === null) return false;
      await this.settleClaims(tenantId, once, winner);
      // Own rows too: a racing winner may have settled (and removed this append's claim) while
      // they were still being written.
      if (extra.outcomes && id !== winner) await this.clearOutcomeRows(tenantId, id);
      return true;
    };
    if (await already()) return null;
    if (extra.outcomes) {
      // A claim names the rows before they are written, so that whichever append wins can find
      // and clear the rows of those that did not (even of one that crashed half-way).
      if (once) await table.upsertEntity({ partitionKey: pk, rowKey: `${claimPrefix(once)}${id}` }, 'Replace');
      // Rows before the record: a record never names a digest whose rows are missing.
      await this.writeOutcomeRows(outcomesPartition(tenantId, id), extra.outcomes);
    }
    for (let attempt = 0; attempt < 200; attempt++) {
      if (attempt > 0 && (await already())) return null;
      let head: TableEntityResult<HeadEntity> | undefined;
      try {
        head = await table.getEntity<HeadEntity>(pk, HEAD);
      } catch (err) {
        if (statusOf(err) !== 404) throw err;
      }
      const seq = (head?.seq ?? 0) + 1;
      const prev = head?.hash ?? GENESIS_HASH;
      const body: Omit<AuditRecord, 'hash'> = {
        ...stripUndefined(entry),
        id,
        seq,
        time: new Date().toISOString(),
        ...(outcomes ?? {}),
        prevHash: prev,
      };
      const record = chainRecord(body);
      const pieces = splitForTable(JSON.stringify(record));
      const recordEntity: TableEntity<Record<string, unknown>> = {
        partitionKey: pk,
        rowKey: recordKey(seq),
        // Search columns beside the record; verify reads only the record pieces.
        section: record.section,
        actorOid: record.actor.oid ?? '',
        actorUpn: (record.actor.upn ?? '').toLowerCase(),
        actorApp: record.actor.app ?? '',
        internetMessageId: record.internetMessageId ?? '',
        time: record.time,
        pieces: pieces.length,
      };
      pieces.forEach((p, i) => (recordEntity[`p${i}`] = p));
      const headEntity = { partitionKey: pk, rowKey: HEAD, seq, hash: record.hash };
      // The record before the head: Azure applies the transaction at once, but Azurite applies
      // it in order, and a reader there must never see a head naming a record not yet written.
      const actions: TransactionAction[] = [
        ['create', recordEntity],
        head ? ['update', headEntity, 'Replace', { etag: head.etag }] : ['create', headEntity],
      ];
      if (extra.once) actions.push(['create', { partitionKey: pk, rowKey: markerKey(extra.once), seq, id }]);
      try {
        await table.submitTransaction(actions);
      } catch (err) {
        const status = statusOf(err);
        if (status !== 412 && status !== 409) throw err;
        // Lost the race for the head (or for the marker): back off a little (with jitter), then
        // look for the marker and read the head again.
        await sleep(Math.min(200, 5 + Math.random() * 10 * (attempt + 1)));
        continue;
      }
      // A failure here leaves the record written and the claims for the next append of this
      // key (a retry) to settle; it is thrown so that the caller does retry.
      if (once && extra.outcomes) await this.settleClaims(tenantId, once, id);
      return record;
    }
    throw new Error('The audit could not be written: too many concurrent writers. Try again.');
  }

  /**
   * Writes outcome rows in transactions of 100 creates; a transaction that meets rows already
   * there (an earlier try of this same append: the same id, so the same rows) is written again as
   * upserts. Creates, not upserts, first: Azurite takes several times longer over an upsert.
   */
  private async writeOutcomeRows(opk: string, rows: AuditOutcomeRow[]): Promise<void> {
    const client = this.storage.table('auditOutcomes');
    for (let at = 0; at < rows.length; at += 100) {
      const part = rows.slice(at, at + 100).map((r, i) => ({ partitionKey: opk, rowKey: outcomeRowKey(at + i), row: JSON.stringify(r) }));
      try {
        await client.submitTransaction(part.map((e): TransactionAction => ['create', e]));
      } catch (err) {
        if (statusOf(err) !== 409) throw err;
        await client.submitTransaction(part.map((e): TransactionAction => ['upsert', e, 'Replace']));
      }
    }
  }

  /** The id of the record written for a `once` key, or null when none was. */
  private async onceRecordIdOf(pk: string, once: string): Promise<string | null> {
    const table = this.storage.table('audit');
    let marker: { seq: number; id?: string };
    try {
      marker = await table.getEntity<{ seq: number; id?: string }>(pk, markerKey(once));
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw err;
    }
    if (typeof marker.id === 'string') return marker.id;
    // Markers written before they named the record: read the record they point at.
    return parseRecord(await table.getEntity<Record<string, unknown>>(pk, recordKey(marker.seq))).id;
  }

  /**
   * Clears the outcome rows of every claim on a `once` key but the winner's, then the claims
   * (rows first: a crash in between leaves the claim, and the next settle clears again).
   */
  private async settleClaims(tenantId: string, once: string, winner: string): Promise<void> {
    const table = this.storage.table('audit');
    const pk = safeKey(tenantId);
    const prefix = claimPrefix(once);
    const claims = await listAll<object>(table, `PartitionKey eq ${odata(pk)} and RowKey ge ${odata(prefix)} and RowKey lt ${odata(`${prefix.slice(0, -1)}}`)}`);
    for (const claim of claims) {
      const claimed = claim.rowKey.slice(prefix.length);
      if (claimed !== winner) await this.clearOutcomeRows(tenantId, claimed);
      try {
        await table.deleteEntity(pk, claim.rowKey);
      } catch (err) {
        if (statusOf(err) !== 404) throw err;
      }
    }
  }

  /** Removes outcome rows that no record names (left by an append that another one beat). */
  private async clearOutcomeRows(tenantId: string, recordId: string): Promise<void> {
    const client = this.storage.table('auditOutcomes');
    const opk = outcomesPartition(tenantId, recordId);
    const rows = await listAll<{ row: string }>(client, `PartitionKey eq ${odata(opk)}`);
    try {
      await writeBatched(client, rows.map((r): TransactionAction => ['delete', { partitionKey: opk, rowKey: r.rowKey }]));
    } catch (err) {
      // Another writer cleared them first.
      if (statusOf(err) !== 404) throw err;
    }
  }

  private async headSeq(pk: string): Promise<number> {
    try {
      return (await this.storage.table('audit').getEntity<HeadEntity>(pk, HEAD)).seq;
    } catch (err) {
      if (statusOf(err) === 404) return 0;
      throw err;
    }
  }

  /** Records newest first, filtered, paged with an opaque cursor (the last seq returned). */
  async search(tenantId: string, q: AuditQuery): Promise<{ records: AuditRecord[]; nextCursor: string | null }> {
    const pk = safeKey(tenantId);
    const limit = Math.min(Math.max(q.limit ?? 100, 1), 500);
    let top: number;
    if (q.cursor) {
      const seq = Number(Buffer.from(q.cursor, 'base64url').toString('utf8'));
      if (!Number.isSafeInteger(seq) || seq < 1) throw new RangeError('cursor');
      top = seq - 1;
    } else {
      top = await this.headSeq(pk);
    }
    const filters: string[] = [];
    if (q.section) filters.push(`section eq ${odata(q.section)}`);
    if (q.internetMessageId) filters.push(`internetMessageId eq ${odata(q.internetMessageId)}`);
    if (q.since) filters.push(`time ge ${odata(new Date(q.since).toISOString())}`);
    if (q.until) filters.push(`time le ${odata(new Date(q.until).toISOString())}`);
    if (q.actor) {
      const a = odata(q.actor);
      filters.push(`(actorOid eq ${a} or actorUpn eq ${odata(q.actor.toLowerCase())} or actorApp eq ${a})`);
    }
    // Newest first, read backwards in windows of the chain (table queries return ascending keys),
    // so a page costs a few windows, not the whole audit.
    const rows: Record<string, unknown>[] = [];
    let window = 1000;
    let hi = top;
    while (hi >= 1 && rows.length <= limit) {
      const lo = Math.max(1, hi - window + 1);
      const range = [`PartitionKey eq ${odata(pk)}`, `RowKey ge ${odata(recordKey(lo))}`, `RowKey le ${odata(recordKey(hi))}`, ...filters];
      const found = await listAll<Record<string, unknown>>(this.storage.table('audit'), range.join(' and '));
      found.sort((a, b) => (String(a.rowKey) < String(b.rowKey) ? 1 : -1));
      rows.push(...found);
      hi = lo - 1;
      window = Math.min(window * 2, 64_000);
    }
    const page = rows.slice(0, limit).map(parseRecord);
    const folds = await this.foldCounts(tenantId, page);
    const records = page.map((r) => (folds.has(r.id) ? { ...r, count: folds.get(r.id) } : r));
    const last = page[page.length - 1];
    return {
      records,
      nextCursor: rows.length > limit && last ? Buffer.from(String(last.seq)).toString('base64url') : null,
    };
  }

  /** Walks the whole chain and every outcome digest; names the first record that does not hold. */
  async verify(tenantId: string): Promise<AuditVerifyResult> {
    const pk = safeKey(tenantId);
    const table = this.storage.table('audit');
    const readHead = async (): Promise<TableEntityResult<HeadEntity> | undefined> => {
      try {
        return await table.getEntity<HeadEntity>(pk, HEAD);
      } catch (err) {
        if (statusOf(err) !== 404) throw err;
        return undefined;
      }
    };
    // The records up to the head, read as of one moment. An append that commits (record and
    // head in one transaction) while they are read, or a listing that has not caught up with it
    // yet (Azurite's does lag its point reads), would otherwise look like records removed at the
    // end: read again, a few times and soon, until the records reach the head. A real removal
    // stays, and is reported below.
    let head: TableEntityResult<HeadEntity> | undefined;
    let rows: Array<TableEntity<Record<string, unknown>>> = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      if (attempt > 0) await sleep(25 * 2 ** attempt);
      head = await readHead();
      const upTo = head?.seq ?? 0;
      const listed = await listAll<Record<string, unknown>>(table, `PartitionKey eq ${odata(pk)} and RowKey ge 'r' and RowKey lt 's'`);
      // A record past the head is an append still being committed: the chain is checked up to the head.
      rows = listed.filter((r) => Number(String(r.rowKey).slice(1)) <= upTo);
      if (rows.length === upTo) break;
    }
    rows.sort((a, b) => (a.rowKey < b.rowKey ? -1 : 1));
    const records: AuditRecord[] = [];
    for (const row of rows) {
      try {
        records.push(parseRecord(row));
      } catch {
        const seq = Number(String(row.rowKey).slice(1));
        return broken(rows.length, null, seq, `Record ${seq} is not readable: it was changed after it was written.`);
      }
    }
    const verdict = verifyRecords(records.map((r) => ({ record: r, prevHash: r.prevHash, hash: r.hash, seq: r.seq })));
    if (!verdict.ok) return broken(verdict.records, verdict.head, verdict.brokenAt, verdict.why);
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      const seqFromKey = Number(String(rows[i]!.rowKey).slice(1));
      if (record.seq !== i + 1 || record.seq !== seqFromKey) {
        return broken(rows.length, verdict.head, seqFromKey, `Record ${seqFromKey} is out of place: a record was removed or moved.`);
      }
      if (record.outcomesDigest !== undefined) {
        const opk = outcomesPartition(tenantId, record.id);
        const outRows = await listAll<{ row: string }>(this.storage.table('auditOutcomes'), `PartitionKey eq ${odata(opk)}`);
        let parsed: AuditOutcomeRow[];
        try {
          parsed = outRows.map((r) => JSON.parse(r.row) as AuditOutcomeRow);
        } catch {
          return broken(rows.length, verdict.head, record.seq, `The per-target outcomes of record ${record.seq} are not readable.`);
        }
        if (parsed.length !== record.outcomesCount || digestOutcomes(parsed) !== record.outcomesDigest) {
          return broken(rows.length, verdict.head, record.seq, `The per-target outcomes of record ${record.seq} were changed after they were written.`);
        }
      }
    }
    const prev = verdict.head ?? GENESIS_HASH;
    const headSeq = head?.seq ?? 0;
    if (headSeq !== rows.length || (head && head.hash !== prev)) {
      return broken(rows.length, prev, rows.length + 1, `The chain's head names record ${headSeq}, but ${rows.length} records remain: records were removed at the end.`);
    }
    return { ok: true, records: rows.length, head: verdict.head };
  }

  /** Per-target outcome rows of a record (for jobs' outcome records). */
  async outcomesOf(tenantId: string, recordId: string): Promise<AuditOutcomeRow[]> {
    const rows = await listAll<{ row: string }>(this.storage.table('auditOutcomes'), `PartitionKey eq ${odata(outcomesPartition(tenantId, recordId))}`);
    rows.sort((a, b) => (a.rowKey < b.rowKey ? -1 : 1));
    return rows.map((r) => JSON.parse(r.row) as AuditOutcomeRow);
  }

  /**
   * Folds refusals: the first from a source in a minute is appended as a record; later ones in
   * that minute only raise a counter beside it (so nobody can grow the chain without a token).
   */
  async refusal(tenantId: string, source: string, entry: AuditEntry, now = new Date()): Promise<void> {
    const minute = now.toISOString().slice(0, 16);
    const folds = this.storage.table('access');
    const pk = safeKey(tenantId);
    const rk = `${safeKey(source)}|${minute}`;
    try {
      await folds.createEntity({ partitionKey: pk, rowKey: rk, count: 1 });
    } catch (err) {
      if (statusOf(err) !== 409) throw err;
      for (let i = 0; i < 20; i++) {
        const e = await folds.getEntity<{ count: number }>(pk, rk);
        try {
          await folds.updateEntity({ partitionKey: pk, rowKey: rk, count: e.count + 1 }, 'Merge', { etag: e.etag });
          return;
        } catch (e2) {
          if (statusOf(e2) !== 412) throw e2;
        }
      }
      return;
    }
    await this.append(tenantId, { ...entry, options: { ...entry.options, fold: rk } });
  }

  private async foldCounts(tenantId: string, records: AuditRecord[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const access = records.filter((r) => r.section === 'Access' && typeof r.options?.fold === 'string');
    if (!access.length) return out;
    const pk = safeKey(tenantId);
    await Promise.all(
      access.map(async (r) => {
        try {
          const e = await this.storage.table('access').getEntity<{ count: number }>(pk, String(r.options?.fold));
          out.set(r.id, e.count);
        } catch (err) {
          if (statusOf(err) !== 404) throw err;
        }
      }),
    );
    return out;
  }
}

function broken(records: number, head: string | null, seq: number, why: string): AuditVerifyResult {
  return { ok: false, records, head, brokenAt: seq, why };
}

/** A stored record entity back to the record (its JSON may be split across pieces). */
export function parseRecord(row: Record<string, unknown>): AuditRecord {
  const n = Number(row.pieces);
  let text = '';
  for (let i = 0; i < n; i++) text += String(row[`p${i}`] ?? '');
  return JSON.parse(text) as AuditRecord;
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
