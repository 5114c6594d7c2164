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
      await poisonQueue.sendMessage(msg.messageText);
      await queue.deleteMessage(msg.messageId, popReceipt);
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
    try {
      if (ok) {
        await queue.deleteMessage(msg.messageId, popReceipt);
      } else if (msg.dequeueCount >= MAX_DEQUEUE_COUNT) {
        await poisonQueue.sendMessage(msg.messageText);
        await queue.deleteMessage(msg.messageId, popReceipt);
      } else {
        // Let it reappear soon for the next attempt.
        await queue.updateMessage(msg.messageId, popReceipt, undefined, 1);
      }
    } catch {
      // The message was taken over by another worker after its visibility lapsed: theirs now.
    }
    options.onHandled?.(ok);
  };

  const inFlight = new Set<Promise<void>>();
  const loop = async (): Promise<void> => {
    await storage.ensure();
    while (!stopping) {
      const room = batchSize - inFlight.size;
      let got = 0;
      if (room > 0) {
        try {
          const res = await storage.queue.receiveMessages({ numberOfMessages: Math.min(32, room), visibilityTimeout: visibility });
          for (const msg of res.receivedMessageItems) {
            got++;
            const p = handle(msg).finally(() => {
              inFlight.delete(p);
              wake?.();
            });
            inFlight.add(p);
          }
        } catch {
          // Storage not reachable for a moment: poll again shortly.
        }
      }
      if (stopping) break;
      if (got === 0 || inFlight.size >= batchSize) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, got === 0 ? idle : 1000);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        wake = undefined;
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
