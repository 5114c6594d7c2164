import { cannedGateway } from './canned-graph';
import type { GraphCall } from '../../../src/graph';

const call = (i: number, mailbox?: string): GraphCall => ({
  method: 'GET',
  url: mailbox ? `/users/${mailbox}/messages/m${i}` : `/users?i=${i}`,
  ...(mailbox ? { mailbox } : {}),
});

describe('the Graph request scheduler, through the client middleware chain', () => {
  it('packs calls made together into $batch requests of at most 20, each item asking for immutable ids', async () => {
    const { gateway, graph } = cannedGateway((c) => ({ status: 200, body: { echo: c.url } }));
    const answers = await Promise.all(Array.from({ length: 45 }, (_, i) => gateway.send(call(i))));
    expect(answers.map((a) => (a.body as { echo: string }).echo)).toEqual(Array.from({ length: 45 }, (_, i) => `/users?i=${i}`));
    const batches = graph.http.filter((h) => h.url === '/$batch');
    expect(batches).toHaveLength(3);
    expect(batches.map((b) => (b.body as { requests: unknown[] }).requests.length).sort((a, b) => a - b)).toEqual([5, 20, 20]);
    for (const b of batches) {
      expect(b.headers['prefer']).toBe('IdType="ImmutableId"');
      expect(b.headers['authorization']).toBe('Bearer canned-token');
    }
    expect(graph.items.every((i) => i.headers['Prefer'] === 'IdType="ImmutableId"')).toBe(true);
  });

  it('sends a lone call as a plain request with the Prefer header and the bearer token', async () => {
    const { gateway, graph } = cannedGateway(() => ({ status: 200, body: { ok: true } }));
    const res = await gateway.send(call(1));
    expect(res.status).toBe(200);
    expect(graph.http).toHaveLength(1);
    expect(graph.http[0]!.url).toBe('/users?i=1');
    expect(graph.http[0]!.headers['prefer']).toBe('IdType="ImmutableId"');
    expect(graph.http[0]!.headers['authorization']).toBe('Bearer canned-token');
  });

  it('retries a throttled item inside a batch after its Retry-After, without repeating the items that succeeded', async () => {
    let throttled = false;
    const { gateway, graph } = cannedGateway((c) => {
      if (c.url === '/users?i=3' && !throttled) {
        throttled = true;
        return { status: 429, headers: { 'Retry-After': '1' }, body: { error: { code: 'TooManyRequests', message: 'Slow down' } } };
      }
      return { status: 200, body: { echo: c.url } };
    });
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => gateway.send(call(i))));
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const counts = new Map<string, number>();
    for (const i of graph.items) counts.set(i.url, (counts.get(i.url) ?? 0) + 1);
    expect(counts.get('/users?i=3')).toBe(2);
    for (const i of [0, 1, 2, 4, 5]) expect(counts.get(`/users?i=${i}`)).toBe(1);
  });

  it('retries a 503 of the whole $batch and a 503 item with backoff when no Retry-After is given', async () => {
    let outerFailed = false;
    let itemFailed = false;
    const { gateway, graph } = cannedGateway((c) => {
      if (c.url === '/users?i=0' && !itemFailed) {
        itemFailed = true;
        return { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'busy' } } };
      }
      return { status: 200, body: {} };
    });
    // Fail the first outer request by wrapping the answer: a whole-batch 503.
    const origExecute = graph.execute.bind(graph);
    graph.execute = async (context) => {
      if (!outerFailed) {
        outerFailed = true;
        graph.http.push({ method: 'POST', url: '/$batch', headers: {}, body: null });
        context.response = new Response(JSON.stringify({ error: { code: 'ServiceUnavailable', message: 'busy' } }), { status: 503, headers: { 'Retry-After': '0' } });
        return;
      }
      await origExecute(context);
    };
    const answers = await Promise.all(Array.from({ length: 3 }, (_, i) => gateway.send(call(i))));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(graph.items.filter((i) => i.url === '/users?i=0')).toHaveLength(2);
    expect(graph.items.filter((i) => i.url === '/users?i=1')).toHaveLength(1);
  });

  it('never has more than 4 calls of one mailbox in flight, across concurrent batches', async () => {
    const { gateway, graph } = cannedGateway(() => ({ status: 200, body: {}, delayMs: 15 }), { maxConcurrency: 8 });
    const calls = [
      ...Array.from({ length: 13 }, (_, i) => call(i, 'userA')),
      ...Array.from({ length: 9 }, (_, i) => call(i, 'userB')),
      ...Array.from({ length: 30 }, (_, i) => call(i, `user${i}`)),
    ];
    const answers = await Promise.all(calls.map((c) => gateway.send(c)));
    expect(answers).toHaveLength(52);
    expect(graph.maxInFlight.get('userA')).toBe(4);
    expect(graph.maxInFlight.get('userB')).toBe(4);
    expect(Math.max(...graph.maxInFlight.values())).toBeLessThanOrEqual(4);
    // Other mailboxes still fill the batches: far fewer HTTP requests than calls.
    expect(graph.http.length).toBeLessThan(15);
  });

  it('stops at the retry budget and returns the last answer instead of retrying forever', async () => {
    const { gateway, graph } = cannedGateway(() => ({ status: 503, headers: { 'Retry-After': '0' }, body: { error: { code: 'ServiceUnavailable', message: 'down' } } }), {
      retryBudget: 3,
    });
    const res = await gateway.send(call(1));
    expect(res.status).toBe(503);
    expect(graph.http).toHaveLength(4);
  });

  it('releases every queued call at once when the caller aborts, and sends nothing more', async () => {
    const { gateway, graph } = cannedGateway(() => ({ status: 200, body: {}, delayMs: 2000 }), { maxConcurrency: 1 });
    const controller = new AbortController();
    const pending = Array.from({ length: 30 }, (_, i) => gateway.send(call(i, 'userA'), { signal: controller.signal }));
    await new Promise((r) => setTimeout(r, 30));
    const started = Date.now();
    controller.abort();
    const results = await Promise.allSettled(pending);
    expect(Date.now() - started).toBeLessThan(500);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(graph.http).toHaveLength(1);
  });
});
