/**
 * A queue poller with the Functions host's semantics, for local use and tests: it takes work
 * items from the queue (base64 text), hides each for a visibility timeout (renewed while it
 * works), calls the same queue handler Azure calls with `dequeueCount` in the trigger metadata,
 * deletes the message when the handler succeeds, lets it reappear when it fails, and moves it to
 * `{queue}-poison` after 5 attempts. Several workers may poll one queue.
 *
 * `node --import tsx src/dev/worker.ts` runs one with the environment of CONTRACTS §2;
 * SIGTERM/SIGINT stop it after the work in hand.
 */
import { InvocationContext } from '@azure/functions';
import type { DequeuedMessageItem } from '@azure/storage-queue';
import { createServices, type Services } from '../api/services';
import type { Storage } from '../api/storage/clients';
import { storageErrorCode, withStorageRetry, type StorageRetryOptions } from '../api/storage/retry';
import { processWorkItem, MAX_DEQUEUE_COUNT } from '../api/worker/process-work-item';

export type QueueHandler = (entry: unknown, context: InvocationContext) => Promise<void>;

export interface WorkerOptions {
  env?: Record<string, string | undefined>;
  services?: Services;
  /** The queue handler (default: the API's work-item handler) and the storage it polls. */
  handler?: QueueHandler;
  storage?: Storage;
  /** Messages handled at once (the host's batchSize). */
  batchSize?: number;
  visibilityTimeoutSec?: number;
  /** Wait between polls of an empty queue. */
  idlePollMs?: number;
  /** Called after each message is handled (tests count them). */
  onHandled?: (ok: boolean) => void;
}

export interface RunningWorker {
  stop(): Promise<void>;
  done: Promise<void>;
}

export function runWorker(options: WorkerOptions = {}): RunningWorker {
  const services = options.handler && options.storage ? undefined : (options.services ?? createServices(options.env ?? process.env));
  const storage = options.storage ?? services!.storage;
  const handler: QueueHandler = options.handler ?? ((entry, context) => processWorkItem(services!, entry, context));
  const batchSize = options.batchSize ?? 8;
  const visibility = options.visibilityTimeoutSec ?? Number(options.env?.RETRACT_WORKER_VISIBILITY_SEC ?? process.env.RETRACT_WORKER_VISIBILITY_SEC ?? 30);
  const idle = options.idlePollMs ?? 250;
  let stopping = false;
  let wake: (() => void) | undefined;
  // Settling a message waits through a short outage, but not past its visibility timeout.
  const retryOptions: StorageRetryOptions = { deadlineMs: visibility * 1000 };

  // Messages this worker is handling now: one that reappears (its visibility lapsed while the
  // machine was busy) is left for later rather than handled twice at once.
  const handling = new Set<string>();

  const handle = async (msg: DequeuedMessageItem): Promise<void> => {
    const { queue, poisonQueue } = storage;
    if (handling.has(msg.messageId)) return;
    handling.add(msg.messageId);
    try {
      await handleOnce(msg, queue, poisonQueue);
    } finally {
      handling.delete(msg.messageId);
    }
  };

  const handleOnce = async (msg: DequeuedMessageItem, queue: Storage['queue'], poisonQueue: Storage['poisonQueue']): Promise<void> => {
    let popReceipt = msg.popReceipt;
    if (msg.dequeueCount > MAX_DEQUEUE_COUNT) {
      try {
        await toPoison(msg, queue, poisonQueue, popReceipt);
      } catch {
        // Storage went away meanwhile: the message reappears and is moved on its next delivery.
      }
      options.onHandled?.(false);
      return;
    }
    // Keep the message hidden while it is worked on, as the host does.
    const renew = setInterval(() => {
      queue
        .updateMessage(msg.messageId, popReceipt, undefined, visibility)
        .then((r) => {
          if (r.popReceipt) popReceipt = r.popReceipt;
        })
        .catch(() => undefined);
    }, Math.max(500, (visibility * 1000) / 3));
    let ok = false;
    try {
      const text = Buffer.from(msg.messageText, 'base64').toString('utf8');
      let entry: unknown = text;
      try {
        entry = JSON.parse(text);
      } catch {
        // Not JSON: the handler gets the text, as the host would pass it.
      }
      const context = new InvocationContext({
        functionName: 'work-items',
        invocationId: msg.messageId,
        triggerMetadata: { dequeueCount: msg.dequeueCount, id: msg.messageId, insertionTime: msg.insertedOn, popReceipt },
        logHandler: (level, ...args) => {
          if (level === 'error' || level === 'warning') process.stderr.write(`worker ${level}: ${args.map(String).join(' ')}\n`);
        },
      });
      await handler(entry, context);
      ok = true;
    } catch (err) {
      process.stderr.write(`worker: work item ${msg.messageId} failed (attempt ${msg.dequeueCount}): ${err instanceof Error ? err.name : 'error'}\n`);
    } finally {
      clearInterval(renew);
    }
    // Settling the message is retried through a short storage outage; were it given up, the
    // message would only come back once its visibility lapsed (a repeat that changes nothing).
    try {
      if (ok) {
        await withStorageRetry(() => queue.deleteMessage(msg.messageId, popReceipt), retryOptions);
      } else if (msg.dequeueCount >= MAX_DEQUEUE_COUNT) {
        await toPoison(msg, queue, poisonQueue, popReceipt);
      } else {
        // Let it reappear soon for the next attempt.
        await withStorageRetry(() => queue.updateMessage(msg.messageId, popReceipt, undefined, 1), retryOptions);
      }
    } catch {
      // The message was taken over by another worker after its visibility lapsed (its receipt
      // no longer holds), or storage stayed away: it reappears, and a repeat changes nothing.
    }
    options.onHandled?.(ok);
  };

  const toPoison = async (msg: DequeuedMessageItem, queue: Storage['queue'], poisonQueue: Storage['poisonQueue'], popReceipt: string): Promise<void> => {
    await withStorageRetry(() => poisonQueue.sendMessage(msg.messageText), retryOptions);
    await withStorageRetry(() => queue.deleteMessage(msg.messageId, popReceipt), retryOptions);
  };

  const inFlight = new Set<Promise<void>>();
  const pause = (ms: number): Promise<void> =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    }).finally(() => (wake = undefined));
  // Unreachable storage (not started yet, restarting) is waited out, never a reason to exit: a
  // supervisor restarting a worker that exits at once would only spin.
  let unreachableSince: number | undefined;
  const unreachable = async (err: unknown): Promise<void> => {
    if (unreachableSince === undefined) {
      unreachableSince = Date.now();
      process.stderr.write(`worker: the work-item queue could not be read (${storageErrorCode(err)}); trying again until it can\n`);
    }
    const waited = Date.now() - unreachableSince;
    await pause(Math.min(5000, idle + waited / 4) * (0.75 + Math.random() * 0.5));
  };
  const reachable = (): void => {
    if (unreachableSince !== undefined) process.stderr.write(`worker: the work-item queue answered again after ${Date.now() - unreachableSince} ms\n`);
    unreachableSince = undefined;
  };
  const loop = async (): Promise<void> => {
    while (!stopping) {
      try {
        await storage.ensure();
        break;
      } catch (err) {
        await unreachable(err);
      }
    }
    reachable();
    while (!stopping) {
      const room = batchSize - inFlight.size;
      let got = 0;
      if (room > 0) {
        try {
          const res = await storage.queue.receiveMessages({ numberOfMessages: Math.min(32, room), visibilityTimeout: visibility });
          reachable();
          for (const msg of res.receivedMessageItems) {
            got++;
            const p = handle(msg)
              // The kind of failure only: SDK messages may quote a URL with a SAS.
              .catch((err: unknown) => void process.stderr.write(`worker error: a work item failed unexpectedly (${storageErrorCode(err)})\n`))
              .finally(() => {
                inFlight.delete(p);
                wake?.();
              });
            inFlight.add(p);
          }
        } catch (err) {
          // Storage not reachable for a moment: poll again, less often the longer it lasts.
          await unreachable(err);
          continue;
        }
      }
      if (stopping) break;
      if (got === 0 || inFlight.size >= batchSize) {
        await pause(got === 0 ? idle : 1000);
      }
    }
    await Promise.all(inFlight);
  };
  const done = loop();
  return {
    done,
    async stop() {
      stopping = true;
      wake?.();
      await done;
    },
  };
}

if (require.main === module) {
  const worker = runWorker();
  const stop = (): void => {
    void worker.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  worker.done.catch((err: unknown) => {
    process.stderr.write(`worker stopped: ${err instanceof Error ? err.message : 'error'}\n`);
    process.exit(1);
  });
}
