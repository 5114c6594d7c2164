/**
 * The local queue poller keeps the Functions host's semantics: base64 message text decoded and
 * parsed, `dequeueCount` in the trigger metadata, a failed message retried, and moved to
 * `{queue}-poison` after 5 attempts; a handled one deleted. Two workers on one queue handle each
 * message once.
 */
import type { InvocationContext } from '@azure/functions';
import { startAzurite, type AzuriteHandle } from '../../../src/dev/azurite';
import { runWorker } from '../../../src/dev/worker';
import { createStorage, type Storage } from '../../../src/api/storage/clients';

let azurite: AzuriteHandle;
let storage: Storage;

beforeAll(async () => {
  azurite = await startAzurite();
  storage = createStorage(azurite.connectionString, 'worker-test');
  await storage.ensure();
}, 30000);
afterAll(async () => {
  await azurite?.stop();
});

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64');

async function until(ok: () => boolean | Promise<boolean>, ms = 30000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

it('moves a message that keeps failing to the poison queue after 5 attempts', async () => {
  const attempts: number[] = [];
  const worker = runWorker({
    storage,
    idlePollMs: 50,
    visibilityTimeoutSec: 2,
    handler: async (entry: unknown, context: InvocationContext) => {
      expect(entry).toEqual({ hello: 'poison' });
      attempts.push(Number(context.triggerMetadata?.dequeueCount));
      throw new Error('always fails');
    },
  });
  await storage.queue.sendMessage(b64({ hello: 'poison' }));
  await until(async () => (await storage.poisonQueue.peekMessages()).peekedMessageItems.length === 1);
  await worker.stop();
  expect(attempts).toEqual([1, 2, 3, 4, 5]);
  const poisoned = (await storage.poisonQueue.receiveMessages()).receivedMessageItems[0]!;
  expect(JSON.parse(Buffer.from(poisoned.messageText, 'base64').toString('utf8'))).toEqual({ hello: 'poison' });
  expect((await storage.queue.peekMessages()).peekedMessageItems).toHaveLength(0);
});

it('hands each message to exactly one of two workers and deletes it once handled', async () => {
  const seen: number[] = [];
  const handler = async (entry: unknown): Promise<void> => {
    seen.push((entry as { n: number }).n);
    await new Promise((r) => setTimeout(r, 20));
  };
  const a = runWorker({ storage, handler, idlePollMs: 50 });
  const b = runWorker({ storage, handler, idlePollMs: 50 });
  await Promise.all(Array.from({ length: 60 }, (_, n) => storage.queue.sendMessage(b64({ n }))));
  await until(() => seen.length >= 60);
  await new Promise((r) => setTimeout(r, 500));
  await Promise.all([a.stop(), b.stop()]);
  expect([...seen].sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, n) => n));
  expect((await storage.queue.peekMessages()).peekedMessageItems).toHaveLength(0);
});
