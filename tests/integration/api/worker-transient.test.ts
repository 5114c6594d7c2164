/**
 * A work item whose targets fail on the way to Graph (no answer after every try) leaves them
 * pending and asks the queue for another delivery, recording the rest; the next delivery, with
 * Graph back, finishes them; only the last delivery records such a target failed, with its
 * reason. The real job store on Azurite and the simulated tenant; the worker's handler is called
 * as the Functions host calls it, with Graph made unreachable by giving it a closed port.
 */
import net from 'node:net';
import { InvocationContext } from '@azure/functions';
import { createGraphGateway } from '../../../src/graph';
import { createServices, type Services } from '../../../src/api/services';
import { MAX_DEQUEUE_COUNT, TargetsToRetryError, processWorkItem } from '../../../src/api/worker/process-work-item';
import { startStack, type Stack } from './stack';

let stack: Stack;
let admin: string;
let services: Services;
/** The same services, with Graph on a port where nothing listens (and no retries left to spend). */
let unreachable: Services;

const idOf = async (mailbox: string, ref: string): Promise<string> => {
  const res = await fetch(`${stack.sim.origin}/_sim/mailboxes/${encodeURIComponent(mailbox)}/messages`);
  return ((await res.json()) as Array<{ ref: string | null; internetMessageId: string }>).find((m) => m.ref === ref)!.internetMessageId;
};

const closedPort = async (): Promise<number> => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
};

beforeAll(async () => {
  stack = await startStack();
  admin = await stack.appToken('retract-cli');
  services = createServices(stack.env);
  const graph = createGraphGateway({ ...services.credentials, graphBase: `https://localhost:${await closedPort()}/v1.0`, retryBudget: 0, throttleBudgetMs: 0 });
  unreachable = { ...services, graph: () => graph };
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

const delivery = (n: number): InvocationContext => new InvocationContext({ functionName: 'work-items', triggerMetadata: { dequeueCount: n }, logHandler: () => undefined });

async function startJob(ref: string): Promise<{ jobId: string; targets: number }> {
  const lookup = await stack.call('POST', 'lookups', { token: admin, body: { internetMessageId: await idOf('megan@contoso.com', ref), depth: 0 } });
  expect(lookup.status).toBe(200);
  const job = await stack.call('POST', 'jobs', { token: admin, body: { lookupId: lookup.body.lookupId, action: 'move-to-junk' } });
  expect(job.status).toBe(202);
  return { jobId: job.body.jobId, targets: lookup.body.targets.length };
}

it('keeps targets that failed on the way pending for the next delivery, which finishes them', async () => {
  const { jobId, targets } = await startJob('phish');
  const entry = { tenantId: stack.fixture.tenant.id, jobId, chunk: 0 };
  await expect(processWorkItem(unreachable, entry, delivery(1))).rejects.toBeInstanceOf(TargetsToRetryError);
  const between = await stack.call('GET', `jobs/${jobId}`, { token: admin });
  expect(between.body.counts).toEqual({ targets, done: 0, alreadyGone: 0, failed: 0, pending: targets });
  await processWorkItem(services, entry, delivery(2));
  const after = await stack.call('GET', `jobs/${jobId}`, { token: admin });
  expect({ status: after.body.status, counts: after.body.counts }).toEqual({ status: 'completed', counts: { targets, done: targets, alreadyGone: 0, failed: 0, pending: 0 } });
});

it('records them failed, with the reason, on the last delivery', async () => {
  const { jobId, targets } = await startJob('welcome');
  const entry = { tenantId: stack.fixture.tenant.id, jobId, chunk: 0 };
  await processWorkItem(unreachable, entry, delivery(MAX_DEQUEUE_COUNT));
  const job = await stack.call('GET', `jobs/${jobId}`, { token: admin });
  expect({ status: job.body.status, counts: job.body.counts }).toEqual({ status: 'failed', counts: { targets, done: 0, alreadyGone: 0, failed: targets, pending: 0 } });
  for (const r of job.body.results as Array<{ error?: string }>) expect(r.error).toMatch(/Microsoft Graph/);
});
