/**
 * Lookups (previews) kept 24 hours. A lookup's JSON can be large (thousands of targets), so it
 * is stored in pieces: one row per piece in the lookup's own partition (a property holds at
 * most 64 KiB, an entity at most 1 MiB), beside a `meta` row naming its tenant and expiry.
 */
import type { TransactionAction } from '@azure/data-tables';
import type { Lookup } from '../../contracts';
import { listAll, odata, splitForTable, statusOf, writeBatched, type Storage } from './clients';

export const LOOKUP_TTL_MS = 24 * 60 * 60 * 1000;

interface LookupMeta {
  tenantId: string;
  createdAt: string;
  expiresAt: string;
  pieces: number;
}

export type LookupFetch =
  | { status: 'ok'; lookup: Lookup }
  | { status: 'missing' }
  | { status: 'expired'; expiresAt: string };

export class LookupStore {
  constructor(private readonly storage: Storage) {}

  async save(tenantId: string, lookup: Lookup): Promise<void> {
    const table = this.storage.table('lookups');
    const pk = lookup.lookupId;
    const pieces = splitForTable(JSON.stringify(lookup));
    const actions: TransactionAction[] = pieces.map((p, i) => [
      'create',
      { partitionKey: pk, rowKey: `c${String(i).padStart(6, '0')}`, text: p },
    ]);
    await writeBatched(table, actions);
    // The meta row last: a lookup is visible only once all of its pieces are stored.
    const meta: LookupMeta = {
      tenantId,
      createdAt: lookup.createdAt ?? new Date().toISOString(),
      expiresAt: lookup.expiresAt ?? new Date(Date.now() + LOOKUP_TTL_MS).toISOString(),
      pieces: pieces.length,
    };
    await table.createEntity({ partitionKey: pk, rowKey: 'meta', ...meta });
  }

  /** The lookup, if it exists for this tenant and has not expired. Another tenant's is `missing`. */
  async get(tenantId: string, lookupId: string, now = new Date()): Promise<LookupFetch> {
    const table = this.storage.table('lookups');
    let meta: LookupMeta;
    try {
      meta = await table.getEntity<LookupMeta>(lookupId, 'meta');
    } catch (err) {
      if (statusOf(err) === 404) return { status: 'missing' };
      throw err;
    }
    if (meta.tenantId !== tenantId) return { status: 'missing' };
    if (Date.parse(meta.expiresAt) <= now.getTime()) return { status: 'expired', expiresAt: meta.expiresAt };
    const rows = await listAll<{ text: string }>(table, `PartitionKey eq ${odata(lookupId)} and RowKey ge 'c' and RowKey lt 'd'`);
    rows.sort((a, b) => (a.rowKey < b.rowKey ? -1 : 1));
    if (rows.length !== meta.pieces) return { status: 'missing' };
    return { status: 'ok', lookup: JSON.parse(rows.map((r) => r.text).join('')) as Lookup };
  }
}
