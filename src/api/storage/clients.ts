/**
 * The API's Azure Storage: Tables for lookups, jobs, job targets, settings and the audit, and
 * one Queue of work items with its `-poison` queue. Azurite locally, Azure Storage in Azure;
 * the connection string decides which.
 */
import { TableClient, type TableEntity, type TransactionAction } from '@azure/data-tables';
import { QueueClient, QueueServiceClient } from '@azure/storage-queue';

export const TABLES = {
  lookups: 'RetractLookups',
  jobs: 'RetractJobs',
  targets: 'RetractTargets',
  settings: 'RetractSettings',
  audit: 'RetractAudit',
  auditOutcomes: 'RetractAuditOutcomes',
  access: 'RetractAccessFolds',
} as const;

export type TableName = keyof typeof TABLES;

export interface Storage {
  table(name: TableName): TableClient;
  queue: QueueClient;
  poisonQueue: QueueClient;
  /** Creates the tables and queues when missing (idempotent). */
  ensure(): Promise<void>;
}

export function createStorage(connectionString: string, queueName: string): Storage {
  const insecure = /DefaultEndpointsProtocol=http;|Endpoint=http:\/\//i.test(connectionString);
  const tables = new Map<TableName, TableClient>();
  const table = (name: TableName): TableClient => {
    let client = tables.get(name);
    if (!client) {
      client = TableClient.fromConnectionString(connectionString, TABLES[name], {
        allowInsecureConnection: insecure,
      });
      tables.set(name, client);
    }
    return client;
  };
  const service = QueueServiceClient.fromConnectionString(connectionString);
  const queue = service.getQueueClient(queueName);
  const poisonQueue = service.getQueueClient(`${queueName}-poison`);
  let ensured: Promise<void> | undefined;
  return {
    table,
    queue,
    poisonQueue,
    ensure() {
      ensured ??= (async () => {
        await Promise.all(
          (Object.keys(TABLES) as TableName[]).map(async (name) => {
            try {
              await table(name).createTable();
            } catch (err) {
              if (statusOf(err) !== 409) throw err;
            }
          }),
        );
        await queue.createIfNotExists();
        await poisonQueue.createIfNotExists();
      })().catch((err) => {
        ensured = undefined;
        throw err;
      });
      return ensured;
    },
  };
}

export function statusOf(err: unknown): number | undefined {
  if (err && typeof err === 'object' && 'statusCode' in err) {
    const code = (err as { statusCode?: unknown }).statusCode;
    return typeof code === 'number' ? code : undefined;
  }
  return undefined;
}

/** Lists every entity of a partition (or matching a filter), all pages. */
export async function listAll<T extends object>(client: TableClient, filter: string): Promise<TableEntity<T>[]> {
  const out: TableEntity<T>[] = [];
  for await (const e of client.listEntities<T>({ queryOptions: { filter } })) out.push(e as TableEntity<T>);
  return out;
}

/** Writes entities of one partition in transactions of at most 100 (the service's limit). */
export async function writeBatched(client: TableClient, actions: TransactionAction[]): Promise<void> {
  for (let i = 0; i < actions.length; i += 100) {
    await client.submitTransaction(actions.slice(i, i + 100));
  }
}

/** An OData string literal for a table filter (single quotes doubled). */
export function odata(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Azure Tables keys may not hold / \ # ? or control characters: those are escaped. */
export function safeKey(value: string): string {
  return value.replace(/[/\\#?%\p{Cc}]/gu, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Splits a string into pieces that each fit one Table property (64 KiB, UTF-16). */
export function splitForTable(text: string, pieceChars = 30_000): string[] {
  const pieces: string[] = [];
  let i = 0;
  while (i < text.length) {
    let end = Math.min(i + pieceChars, text.length);
    // Never split a surrogate pair: a lone half would not survive the trip through UTF-8.
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    pieces.push(text.slice(i, end));
    i = end;
  }
  return pieces.length ? pieces : [''];
}
