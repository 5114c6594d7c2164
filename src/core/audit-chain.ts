/**
 * The audit's hash chain, pure: the hash function is given by the caller (node:crypto in the
 * API), so this room does no I/O. Each record holds the SHA-256 of the previous one; a record's
 * own hash covers its canonical JSON with `prevHash` in it, so editing, removing or reordering
 * any record breaks every link after it.
 */

/** Hex SHA-256 of UTF-8 text. */
export type Sha256 = (text: string) => string;

/** The `prevHash` of the first record. */
export const GENESIS = '0'.repeat(64);

/**
 * Canonical JSON: object keys sorted (by UTF-16 code units, as RFC 8785), no whitespace,
 * strings and numbers as JSON.stringify writes them, so equal data always gives equal text.
 * A property whose value is undefined is left out, as JSON does, so a record hashes the same
 * before and after a round trip through storage. Anything JSON cannot carry faithfully is
 * refused: undefined in an array or as the whole value, NaN, ±Infinity, bigint, functions,
 * symbols, Maps, Sets and cycles. `toJSON` (a Date) is honoured, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  return write(value, new Set(), '$');
}

function write(value: unknown, seen: Set<object>, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${path} is ${value}, which JSON cannot hold.`);
      return JSON.stringify(value);
    case 'undefined':
      throw new TypeError(`canonicalJson: ${path} is undefined, which JSON cannot hold.`);
    case 'bigint':
    case 'function':
    case 'symbol':
      throw new TypeError(`canonicalJson: ${path} is a ${typeof value}, which JSON cannot hold.`);
  }
  const obj = value as object & { toJSON?: unknown };
  if (typeof obj.toJSON === 'function') return write((obj.toJSON as () => unknown)(), seen, path);
  if (seen.has(obj)) throw new TypeError(`canonicalJson: ${path} refers back to itself.`);
  seen.add(obj);
  try {
    if (Array.isArray(obj)) {
      return `[${obj.map((item, i) => write(item, seen, `${path}[${i}]`)).join(',')}]`;
    }
    const proto = Object.getPrototypeOf(obj) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      throw new TypeError(`canonicalJson: ${path} is not a plain object.`);
    }
    const record = obj as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const v = record[key];
      if (v === undefined) continue;
      parts.push(`${JSON.stringify(key)}:${write(v, seen, `${path}.${key}`)}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    seen.delete(obj);
  }
}

/** A record's hash: SHA-256 of its canonical JSON with `prevHash` set (its own `hash` left out). */
export function recordHash(record: object, prevHash: string, sha256: Sha256): string {
  const { hash: _hash, prevHash: _prev, ...body } = record as Record<string, unknown>;
  return sha256(canonicalJson({ ...body, prevHash }));
}

/** Links a new record after `prevHash` (null for the first record). */
export function linkRecord(prevHash: string | null, record: object, sha256: Sha256): { prevHash: string; hash: string } {
  const prev = prevHash ?? GENESIS;
  return { prevHash: prev, hash: recordHash(record, prev, sha256) };
}

export interface ChainEntry {
  /** The record's content (its `prevHash` and `hash` fields, if present, are ignored here). */
  record: object;
  prevHash: string;
  hash: string;
  /** The record's sequence number, reported as `brokenAt` when present (else its index). */
  seq?: number;
}

export type ChainVerdict =
  | { ok: true; records: number; head: string | null }
  | { ok: false; records: number; head: string | null; brokenAt: number; why: string };

/**
 * Walks the chain from the start and names the first broken record: one whose `prevHash` is
 * not the hash of the one before (a record removed, inserted or reordered), or whose `hash` is
 * not the hash of its content (a record edited). `head` is the last stored hash.
 */
export function verifyChain(entries: readonly ChainEntry[], sha256: Sha256, options: { genesis?: string } = {}): ChainVerdict {
  let expectedPrev = options.genesis ?? GENESIS;
  const head = entries.length > 0 ? entries[entries.length - 1]!.hash : null;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const at = entry.seq ?? i;
    if (entry.prevHash !== expectedPrev) {
      return {
        ok: false,
        records: entries.length,
        head,
        brokenAt: at,
        why:
          i === 0
            ? `Record ${at} does not start the chain: records before it are missing.`
            : `Record ${at} does not follow the record before it: a record was removed, inserted or reordered.`,
      };
    }
    if (recordHash(entry.record, entry.prevHash, sha256) !== entry.hash) {
      return {
        ok: false,
        records: entries.length,
        head,
        brokenAt: at,
        why: `Record ${at} was changed after it was written: its content no longer matches its hash.`,
      };
    }
    expectedPrev = entry.hash;
  }
  return { ok: true, records: entries.length, head };
}

/**
 * The digest of a job's per-target outcome rows, independent of their order (rows are stored
 * apart from the record and may be read back in any order).
 */
export function outcomesDigest(outcomes: readonly object[], sha256: Sha256): string {
  const rows = outcomes.map((row) => canonicalJson(row)).sort();
  return sha256(canonicalJson(rows));
}
