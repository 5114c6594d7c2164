/**
 * Work items: one per chunk of a job's targets (at most one Graph `$batch`). The queue holds
 * base64 text, as the Functions host expects by default.
 */
import { z } from 'zod';
import type { Storage } from '../storage/clients';
import { API_STORAGE_RETRY_DEADLINE_MS, isUnsentStorageError, withStorageRetry } from '../storage/retry';

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
 * Enqueues one work item per chunk, a few at a time. A send is retried through a short outage
 * only when it surely did not arrive (connection refused, service busy): a send whose answer was
 * lost may have enqueued its item, and a second copy of a work item could be worked at the same
 * time as the first, acting on the same targets twice. Any other failure is the caller's to
 * handle (dispatch cancels the job).
 */
export async function enqueueChunks(storage: Storage, tenantId: string, jobId: string, chunkCount: number): Promise<void> {
  const chunks = Array.from({ length: chunkCount }, (_, i) => i);
  for (let i = 0; i < chunks.length; i += 16) {
    await Promise.all(
      chunks
        .slice(i, i + 16)
        .map((chunk) => withStorageRetry(() => storage.queue.sendMessage(encodeWorkItem({ tenantId, jobId, chunk })), { deadlineMs: API_STORAGE_RETRY_DEADLINE_MS, retryable: isUnsentStorageError })),
    );
  }
}
