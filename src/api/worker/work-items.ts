/**
 * Work items: one per chunk of a job's targets (at most one Graph `$batch`). The queue holds
 * base64 text, as the Functions host expects by default.
 */
import { z } from 'zod';
import type { Storage } from '../storage/clients';
import { API_STORAGE_RETRY_DEADLINE_MS, withStorageRetry } from '../storage/retry';

export const workItemSchema = z.strictObject({
  tenantId: z.string().min(1),
  jobId: z.string().min(1),
  chunk: z.number().int().nonnegative(),
});
export type WorkItem = z.infer<typeof workItemSchema>;

export function encodeWorkItem(item: WorkItem): string {
  return Buffer.from(JSON.stringify(item), 'utf8').toString('base64');
}

/**
 * Enqueues one work item per chunk, a few at a time. Each send is retried through a short
 * storage outage, so that a stored job is not left without its work: a send whose answer was
 * lost may enqueue its item twice, which is harmless (work items are idempotent).
 */
export async function enqueueChunks(storage: Storage, tenantId: string, jobId: string, chunkCount: number): Promise<void> {
  const chunks = Array.from({ length: chunkCount }, (_, i) => i);
  for (let i = 0; i < chunks.length; i += 16) {
    await Promise.all(
      chunks
        .slice(i, i + 16)
        .map((chunk) => withStorageRetry(() => storage.queue.sendMessage(encodeWorkItem({ tenantId, jobId, chunk })), { deadlineMs: API_STORAGE_RETRY_DEADLINE_MS })),
    );
  }
}
