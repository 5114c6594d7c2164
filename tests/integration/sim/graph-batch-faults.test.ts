/**
 * $batch, throttling, latency and error faults of the simulated tenant, and how the real
 * graph client's default middleware (retry included) copes with them.
 */
import type { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { copyOf, requestsSince, setFaults, startGraphHarness, type GraphHarness, type RequestRecord } from './graph-harness';

let h: GraphHarness;
let client: Client;

beforeAll(async () => {
  h = await startGraphHarness();
  client = h.client();
});
afterAll(async () => {
  await h.close();
});
afterEach(async () => {
  await setFaults(h, {});
});


function maxInFlight(records: RequestRecord[]): number {
  let max = 0;
  for (const r of records) {
    const at = r.startedAt;
    max = Math.max(max, records.filter((o) => o.startedAt <= at && o.endedAt > at).length);
  }
  return max;
}

interface BatchItem {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: { error?: { code: string; message: string }; value?: unknown[] };
}

async function graphError(p: Promise<unknown>): Promise<GraphError> {
  try {
    await p;
  } catch (e) {
    return e as GraphError;
  }
  throw new Error('the call succeeded');
}

describe('$batch', () => {
  it('answers each item with its own status, in a 200, and lists each item in /_sim/requests with its mailbox', async () => {
    const start = (await requestsSince(h, 0)).next;
    const res = (await client.api('/$batch').post({
      requests: [
        { id: '1', method: 'GET', url: '/users/adele@contoso.com/messages?$top=1&$select=subject' },
        { id: '2', method: 'GET', url: '/users/ghost@contoso.com/messages' },
        { id: '3', method: 'GET', url: "users?$filter=mail eq 'megan@contoso.com'" },
      ],
    })) as { responses: BatchItem[] };
    const byId = new Map(res.responses.map((r) => [r.id, r]));
    expect(byId.get('1')!.status).toBe(200);
    expect(byId.get('1')!.body!.value).toHaveLength(1);
    expect(byId.get('2')!.status).toBe(404);
    expect(byId.get('3')!.status).toBe(200);
    const recs = (await requestsSince(h, start)).requests;
    expect(recs.find((r) => r.path === '/v1.0/users/adele@contoso.com/messages')!.mailbox).toBe('adele@contoso.com');
    expect(recs.some((r) => r.path === '/v1.0/$batch')).toBe(true);
  });

  it('refuses more than 20 items, repeated ids, a body without Content-Type, and unknown dependsOn', async () => {
    const item = (id: string) => ({ id, method: 'GET', url: '/users' });
    const tooMany = await graphError(client.api('/$batch').post({ requests: Array.from({ length: 21 }, (_, i) => item(String(i))) }));
    expect(tooMany.statusCode).toBe(400);
    const dup = await graphError(client.api('/$batch').post({ requests: [item('a'), item('a')] }));
    expect(dup.statusCode).toBe(400);
    const noType = await graphError(client.api('/$batch').post({ requests: [{ id: '1', method: 'POST', url: '/users/adele@contoso.com/messages/x/move', body: { destinationId: 'inbox' } }] }));
    expect(noType.statusCode).toBe(400);
    const badDep = await graphError(client.api('/$batch').post({ requests: [{ ...item('1'), dependsOn: ['9'] }] }));
    expect(badDep.statusCode).toBe(400);
  });

  it('answers 424 for an item whose dependsOn failed, and runs dependants after their dependency', async () => {
    const c = await copyOf(h, 'lee@contoso.com', 'phish');
    const res = (await h.client({ immutable: true }).api('/$batch').post({
      requests: [
        { id: 'bad', method: 'GET', url: '/users/lee@contoso.com/messages/AAMkAGI2doesnotexistAAAAAAAAAAAAAAAA=' },
        { id: 'after-bad', method: 'GET', url: '/users/lee@contoso.com/messages', dependsOn: ['bad'] },
        { id: 'move', method: 'POST', url: `/users/lee@contoso.com/messages/${c.id}/move`, body: { destinationId: 'deleteditems' }, headers: { 'Content-Type': 'application/json' } },
        { id: 'check', method: 'GET', url: `/users/lee@contoso.com/mailFolders/deleteditems/messages?$select=internetMessageId`, dependsOn: ['move'] },
      ],
    })) as { responses: BatchItem[] };
    const byId = new Map(res.responses.map((r) => [r.id, r]));
    expect(byId.get('bad')!.status).toBe(404);
    expect(byId.get('after-bad')!.status).toBe(424);
    expect(byId.get('move')!.status).toBe(201);
    expect((byId.get('check')!.body!.value as { internetMessageId: string }[]).map((m) => m.internetMessageId)).toContain(c.internetMessageId);
  });

  it('runs at most 4 items of one batch at a time against one mailbox', async () => {
    await setFaults(h, { latencyMs: 120 });
    const start = (await requestsSince(h, 0)).next;
    const res = (await client.api('/$batch').post({
      requests: Array.from({ length: 12 }, (_, i) => ({ id: String(i), method: 'GET', url: '/users/lynne@contoso.com/messages?$top=1' })),
    })) as { responses: BatchItem[] };
    expect(res.responses.every((r) => r.status === 200)).toBe(true);
    const recs = (await requestsSince(h, start)).requests.filter((r) => r.mailbox === 'lynne@contoso.com');
    expect(recs).toHaveLength(12);
    expect(maxInFlight(recs)).toBe(4);
  });

  it('answers a throttled item as a 429 with Retry-After inside a 200 batch', async () => {
    await setFaults(h, { throttle: { ratePerSecond: 3 } });
    const res = (await client.api('/$batch').post({
      requests: Array.from({ length: 6 }, (_, i) => ({ id: String(i), method: 'GET', url: '/users/emily@contoso.com/messages?$top=1' })),
    })) as { responses: BatchItem[] };
    const throttled = res.responses.filter((r) => r.status === 429);
    expect(throttled).toHaveLength(3);
    expect(Number(throttled[0]!.headers['Retry-After'])).toBeGreaterThanOrEqual(1);
    expect(throttled[0]!.body!.error!.code).toBe('TooManyRequests');
  });
});

describe('faults', () => {
  it('spends latency on each Graph request', async () => {
    await setFaults(h, { latencyMs: 200 });
    const t0 = Date.now();
    await client.api('/users/adele@contoso.com').get();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
  });

  it('answers requests over the per-mailbox concurrency with 429 ApplicationThrottled and Retry-After', async () => {
    await setFaults(h, { latencyMs: 300, throttle: { perMailboxConcurrency: 4 } });
    const results = await Promise.all(Array.from({ length: 7 }, () => h.raw('GET', '/v1.0/users/raul@contoso.com/messages?$top=1')));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(3);
    const t = results.find((r) => r.status === 429)!;
    expect(t.headers.get('retry-after')).toBe('1');
    expect((t.json as { error: { message: string } }).error.message).toBe('Application is over its MailboxConcurrency limit.');
    // Other mailboxes are not affected.
    const other = await Promise.all([h.raw('GET', '/v1.0/users/adele@contoso.com/messages?$top=1'), h.raw('GET', '/v1.0/users/megan@contoso.com/messages?$top=1')]);
    expect(other.map((r) => r.status)).toEqual([200, 200]);
  });

  it('lets the graph client retry through throttling (Retry-After), never more than 4 in flight per mailbox', async () => {
    await setFaults(h, { latencyMs: 150, throttle: { perMailboxConcurrency: 4 } });
    const start = (await requestsSince(h, 0)).next;
    const results = await Promise.all(Array.from({ length: 8 }, () => client.api('/users/enrico@contoso.com/messages').top(1).get() as Promise<{ value: unknown[] }>));
    expect(results.every((r) => Array.isArray(r.value))).toBe(true);
    const recs = (await requestsSince(h, start)).requests.filter((r) => r.mailbox === 'enrico@contoso.com' && r.status === 200);
    expect(recs).toHaveLength(8);
    expect(maxInFlight(recs)).toBeLessThanOrEqual(4);
  });

  it('fails requests at the configured error rate with 503, which the client retries', async () => {
    await setFaults(h, { errorRate: { '503': 1 } });
    const r = await h.raw('GET', '/v1.0/users/adele@contoso.com');
    expect(r.status).toBe(503);
    expect((r.json as { error: { code: string } }).error.code).toBe('ServiceUnavailable');
    const pending = client.api('/users/adele@contoso.com').get() as Promise<{ mail: string }>;
    await new Promise((res) => setTimeout(res, 300));
    await setFaults(h, {});
    expect((await pending).mail).toBe('adele@contoso.com');
  });

  it('refuses fault settings outside the schema', async () => {
    const r = await h.raw('PUT', '/_sim/faults', { token: null, body: { latencyMs: -1 } });
    expect(r.status).toBe(400);
    const r2 = await h.raw('PUT', '/_sim/faults', { token: null, body: { errorRate: { '418': 0.5 } } });
    expect(r2.status).toBe(400);
  });
});
