/**
 * Starting a job or an undo while storage refuses part of the work (real API host, Azurite, the
 * simulated tenant and a worker): a job whose work items cannot be enqueued is cancelled and the
 * caller gets a 503 that names it, instead of a job left `queued` forever; an undo whose job
 * cannot be stored gives its claim back, so pressing Undo again works. Nothing in any mailbox
 * changes until the work really starts.
 */
import { RestError } from '@azure/data-tables';
import { runWorker, type RunningWorker } from '../../../src/dev/worker';
import { startStack, type Stack } from './stack';

let stack: Stack;
let worker: RunningWorker;
let admin: string;
let phishId: string;

interface SimMessage { ref: string | null; internetMessageId: string; folder: string }
const megan = async (): Promise<SimMessage[]> => (await (await fetch(`${stack.sim.origin}/_sim/mailboxes/megan%40contoso.com/messages`)).json()) as SimMessage[];
// A refusal the storage client does not retry (the account refuses the request), so the test is quick.
const refused = (): RestError => new RestError('This request is not authorized to perform this operation.', { statusCode: 403, code: 'AuthorizationFailure' });

async function waitForEnd(jobId: string): Promise<any> { // eslint-disable-line @typescript-eslint/no-explicit-any -- the §5 job as JSON
  for (let i = 0; i < 300; i++) {
    const r = await stack.call('GET', `jobs/${jobId}`, { token: admin });
    if (!['queued', 'running'].includes(r.body.status)) return r.body;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`job ${jobId} did not end`);
}

beforeAll(async () => {
  stack = await startStack();
  worker = runWorker({ services: stack.api.services, idlePollMs: 50 });
  admin = await stack.appToken('retract-cli');
  phishId = (await megan()).find((m) => m.ref === 'phish')!.internetMessageId;
}, 60_000);

afterAll(async () => {
  await worker?.stop();
  await stack?.close();
});

it('cancels a job whose work cannot be enqueued and says so with a 503; the same lookup then runs', async () => {
  const lookup = await stack.call('POST', 'lookups', { token: admin, body: { internetMessageId: phishId, depth: 0 } });
  expect(lookup.status).toBe(200);
  const queue = stack.api.services.storage.queue;
  const send = queue.sendMessage.bind(queue);
  queue.sendMessage = async () => Promise.reject(refused());
  let failed;
  try {
    failed = await stack.call('POST', 'jobs', { token: admin, body: { lookupId: lookup.body.lookupId, action: 'soft-delete' } });
  } finally {
    queue.sendMessage = send;
  }
  expect(failed.status).toBe(503);
  expect(failed.headers.get('retry-after')).toBe('60');
  expect(failed.body.detail).toMatch(/^Retract could not start the job [0-9a-f-]+: its storage did not answer\. The job was cancelled: no further work on it will start\./);
  // A storage blip while the pane polls is a 503 to retry, not an internal error.
  const view = stack.api.services.jobs.view.bind(stack.api.services.jobs);
  stack.api.services.jobs.view = async () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:10002'), { code: 'ECONNREFUSED' }));
  let blip;
  try {
    blip = await stack.call('GET', `jobs/${failed.body.jobId}`, { token: admin });
  } finally {
    stack.api.services.jobs.view = view;
  }
  expect(blip.status).toBe(503);
  expect(blip.headers.get('retry-after')).toBe('10');
  expect(blip.body.detail).toBe("Retract's storage did not answer just now. Try again in a few seconds.");
  const cancelled = await stack.call('GET', `jobs/${failed.body.jobId}`, { token: admin });
  expect(cancelled.body).toMatchObject({ status: 'cancelled', counts: { targets: lookup.body.targets.length, done: 0, pending: lookup.body.targets.length } });
  expect((await megan()).find((m) => m.ref === 'phish')!.folder).toBe('inbox');

  const again = await stack.call('POST', 'jobs', { token: admin, body: { lookupId: lookup.body.lookupId, action: 'soft-delete' } });
  expect(again.status).toBe(202);
  expect(await waitForEnd(again.body.jobId)).toMatchObject({ status: 'completed', counts: { done: lookup.body.targets.length, failed: 0 } });
  expect((await megan()).find((m) => m.ref === 'phish')!.folder).toBe('recoverableitemsdeletions');

  // The audit still verifies: the cancelled job's intent record (if written) and its outcome.
  const verify = await stack.call('GET', 'audit/verify', { token: admin });
  expect(verify.body.ok).toBe(true);

  // An undo whose job cannot be stored gives its claim back: pressing Undo again works.
  const jobsStore = stack.api.services.jobs;
  const create = jobsStore.create.bind(jobsStore);
  jobsStore.create = async () => Promise.reject(refused());
  let undoFailed;
  try {
    undoFailed = await stack.call('POST', `jobs/${again.body.jobId}/undo`, { token: admin });
  } finally {
    jobsStore.create = create;
  }
  expect(undoFailed.status).toBe(503);
  expect(undoFailed.body.detail).toMatch(/could not start the undo of job .*Nothing was undone; try again in a minute\./);
  const notUndone = await stack.call('GET', `jobs/${again.body.jobId}`, { token: admin });
  expect(notUndone.body.undoneBy).toBeUndefined();

  // An undo job stored but never started (its work items refused) is cancelled; it holds the
  // claim, and the next Undo takes it over since it changed nothing.
  const queue2 = stack.api.services.storage.queue;
  const send2 = queue2.sendMessage.bind(queue2);
  queue2.sendMessage = async () => Promise.reject(refused());
  let undoCancelled;
  try {
    undoCancelled = await stack.call('POST', `jobs/${again.body.jobId}/undo`, { token: admin });
  } finally {
    queue2.sendMessage = send2;
  }
  expect(undoCancelled.status).toBe(503);
  expect((await stack.call('GET', `jobs/${undoCancelled.body.jobId}`, { token: admin })).body).toMatchObject({ status: 'cancelled', counts: { done: 0 } });

  const undo = await stack.call('POST', `jobs/${again.body.jobId}/undo`, { token: admin });
  expect(undo.status).toBe(202);
  expect(undo.body.jobId).not.toBe(undoCancelled.body.jobId);
  expect(await waitForEnd(undo.body.jobId)).toMatchObject({ status: 'completed', counts: { failed: 0 } });
  expect((await megan()).find((m) => m.ref === 'phish')!.folder).toBe('inbox');
  // A second undo is refused: the claim now stands for an undo job that ran.
  const twice = await stack.call('POST', `jobs/${again.body.jobId}/undo`, { token: admin });
  expect(twice.status).toBe(409);
}, 120_000);
