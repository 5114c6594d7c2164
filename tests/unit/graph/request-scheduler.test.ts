import { cannedGateway } from './canned-graph';
import { RequestScheduler, type GraphCall, type GraphResponse, type GraphTransport } from '../../../src/graph';

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

  it('stops a failure that is not the service saying it is unavailable (502) at the retry budget, and returns the last answer', async () => {
    const { gateway, graph } = cannedGateway(() => ({ status: 502, headers: { 'Retry-After': '0' }, body: { error: { code: 'BadGateway', message: 'down' } } }), {
      retryBudget: 3,
    });
    const res = await gateway.send(call(1));
    expect(res.status).toBe(502);
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

describe('throttling: Retry-After is honoured for as long as the call may wait, not a fixed count', () => {
  const throttledAnswer = (retryAfter?: string): GraphResponse => ({
    status: 429,
    headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter },
    body: { error: { code: 'TooManyRequests', message: 'Please retry again later.' } },
  });

  /** A fake transport: each URL is throttled `times` times, then answered 200; every single request is counted. */
  function throttling(times: number, retryAfter: string | undefined) {
    const seen = new Map<string, number>();
    const transport: GraphTransport = async (c) => {
      const n = (seen.get(c.url) ?? 0) + 1;
      seen.set(c.url, n);
      return n <= times ? throttledAnswer(retryAfter) : { status: 200, headers: {}, body: { url: c.url } };
    };
    return { transport, seen };
  }

  it('keeps retrying a call throttled many more times than maxAttempts, and charges none of it to the shared retry budget', async () => {
    const { transport, seen } = throttling(12, '0');
    // batchSize 1: every call is its own request, so the fake sees each attempt.
    const scheduler = new RequestScheduler({ transport, batchSize: 1, maxAttempts: 3, retryBudget: 5 });
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => scheduler.send({ method: 'GET', url: `/users?i=${i}` })));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect([...seen.values()]).toEqual(Array(10).fill(13));
    expect(scheduler.budget.remaining).toBe(5);
  });

  it('gives up once the total wait asked for would pass throttleBudgetMs, and returns the 429', async () => {
    const { transport, seen } = throttling(Number.POSITIVE_INFINITY, '0');
    // Each wait is charged at least a second, so Retry-After: 0 forever still ends: 4 retries in 4.5 s.
    const scheduler = new RequestScheduler({ transport, throttleBudgetMs: 4500 });
    const res = await scheduler.send({ method: 'GET', url: '/users?i=1' });
    expect(res.status).toBe(429);
    expect(seen.get('/users?i=1')).toBe(5);
  });

  it('waits what Retry-After asks before trying again', async () => {
    const { transport, seen } = throttling(1, '1');
    const scheduler = new RequestScheduler({ transport });
    const started = Date.now();
    const res = await scheduler.send({ method: 'GET', url: '/users?i=1' });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(seen.get('/users?i=1')).toBe(2);
  });

  it('still caps a 502 and network failures at maxAttempts, paid from the budget', async () => {
    const backoff = { baseMs: 1, maxMs: 2 };
    let sent = 0;
    const scheduler = new RequestScheduler({ transport: async () => (sent++, { status: 502, headers: {}, body: null }), maxAttempts: 4, backoff, retryBudget: 50 });
    expect((await scheduler.send({ method: 'GET', url: '/users?i=1' })).status).toBe(502);
    expect(sent).toBe(4);
    expect(scheduler.budget.remaining).toBe(47);
    sent = 0;
    const failing: GraphTransport = async () => {
      sent++;
      throw new TypeError('fetch failed');
    };
    const unreachable = new RequestScheduler({ transport: failing, maxAttempts: 3, backoff });
    const res = await unreachable.send({ method: 'GET', url: '/users?i=1' });
    expect(res.status).toBe(0);
    expect(sent).toBe(3);
  });

  it('keeps the remaining tries of a call with no answer at the capped pace once the budget is dry, and gets through', async () => {
    const backoff = { baseMs: 1, maxMs: 20 };
    let sent = 0;
    // Three answers lost on the way, then one that arrives; the shared budget pays for none.
    const scheduler = new RequestScheduler({ transport: async () => (++sent <= 3 ? { status: 0, headers: {}, body: null } : { status: 200, headers: {}, body: { ok: true } }), backoff, retryBudget: 0 });
    const res = await scheduler.send({ method: 'GET', url: '/users/u/messages/m' });
    expect(res.status).toBe(200);
    expect(sent).toBe(4);
    // A 502 with the budget dry still ends at once.
    sent = 0;
    const gateway502 = new RequestScheduler({ transport: async () => (sent++, { status: 502, headers: {}, body: null }), backoff, retryBudget: 0 });
    expect((await gateway502.send({ method: 'GET', url: '/users/u/messages/m' })).status).toBe(502);
    expect(sent).toBe(1);
  });

  it('retries throttled $batch items inside a 200 the same way: a storm on half of the items loses none', async () => {
    const tries = new Map<string, number>();
    const { gateway, graph } = cannedGateway(
      (c) => {
        // Half of the items (the even ones) are throttled ten times each before they pass.
        const n = (tries.get(c.url) ?? 0) + 1;
        tries.set(c.url, n);
        const even = Number(/i=(\d+)/.exec(c.url)![1]) % 2 === 0;
        return even && n <= 10 ? { status: 429, headers: { 'Retry-After': '0' }, body: { error: { code: 'TooManyRequests' } } } : { status: 200, body: { echo: c.url } };
      },
      { retryBudget: 2 },
    );
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => gateway.send(call(i))));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(graph.items).toHaveLength(20 * 11 + 20);
    expect(gateway.scheduler.budget.remaining).toBe(2);
  });
});

describe('a request that never answers', () => {
  it('is abandoned after the time limit and tried again, so the call still succeeds', async () => {
    let held = 0;
    const { gateway, graph } = cannedGateway(() => {
      // The first answer never comes (well past the limit); the retry is answered at once.
      if (held++ === 0) return { status: 200, body: { late: true }, delayMs: 60_000 };
      return { status: 200, body: { late: false } };
    }, { timeoutMs: 300 });
    const started = Date.now();
    const res = await gateway.send(call(1));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ late: false });
    expect(graph.http).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('fails as a network failure naming the time limit when every attempt runs out of time', async () => {
    // A dry budget and no time to wait at the capped pace: 1 try and 2 paid retries.
    const { gateway, graph } = cannedGateway(() => ({ status: 200, body: {}, delayMs: 60_000 }), { timeoutMs: 100, retryBudget: 2, throttleBudgetMs: 0 });
    const res = await gateway.send(call(1));
    expect(res.status).toBe(0);
    expect(res.body).toEqual({ error: { code: 'NetworkError', message: 'Microsoft Graph did not answer within 0.1 s.' } });
    expect(graph.http).toHaveLength(3);
  });

  it('still ends at once when the caller aborts, before the time limit', async () => {
    const { gateway } = cannedGateway(() => ({ status: 200, body: {}, delayMs: 60_000 }), { timeoutMs: 30_000 });
    const controller = new AbortController();
    const pending = gateway.send(call(1), { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe('a change marked once', () => {
  it('is handed back, not sent again, when its answer is lost; a 429 is still retried', async () => {
    const answers: GraphResponse[] = [
      { status: 429, headers: { 'retry-after': '0' }, body: null },
      { status: 0, headers: {}, body: null },
      { status: 200, headers: {}, body: {} },
    ];
    let sent = 0;
    const scheduler = new RequestScheduler({ transport: async () => answers[sent++]! });
    const res = await scheduler.send({ method: 'POST', url: '/users/u/messages/m/move', body: {}, once: true });
    expect(res.status).toBe(0);
    expect(sent).toBe(2);
    // The same loss on a read is retried.
    sent = 1;
    expect((await scheduler.send({ method: 'GET', url: '/users/u/messages/m' })).status).toBe(200);
    expect(sent).toBe(3);
  });
});

describe('the retry budget under whole-batch failures', () => {
  it('charges a failed $batch one retry, not one per item, so a budget of one still saves all twenty items', async () => {
    let failed = 0;
    const { gateway, graph } = cannedGateway(() => ({ status: 200, body: {} }), { retryBudget: 1 });
    const origExecute = graph.execute.bind(graph);
    graph.execute = async (context) => {
      if (failed++ === 0) {
        context.response = new Response(JSON.stringify({ error: { code: 'ServiceUnavailable', message: 'busy' } }), { status: 503, headers: { 'Retry-After': '0' } });
        return;
      }
      await origExecute(context);
    };
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => gateway.send(call(i))));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(graph.items).toHaveLength(20);
  });
});

describe('an outage: 503, 504 and a 429 without Retry-After are ridden out for the time budget, at a pace that does not multiply the load', () => {
  // Fake time: the scheduler's setTimeout, setImmediate and Date.now all run on Jest's clock.
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** Advances the fake clock a second at a time until every promise has settled. */
  async function settle<T>(promises: Array<Promise<T>>, maxMs = 3_600_000): Promise<T[]> {
    let done = false;
    const all = Promise.all(promises).finally(() => (done = true));
    for (let t = 0; !done && t < maxMs; t += 1000) await jest.advanceTimersByTimeAsync(1000);
    return all;
  }

  /**
   * A fake Graph that answers every request and `$batch` item `failure` until `outageMs` after
   * it starts (forever when Infinity), then 200; each try of each URL is recorded with its time.
   */
  function outage(outageMs: number, failure: GraphResponse) {
    const start = Date.now();
    const tries = new Map<string, number[]>();
    let httpRequests = 0;
    const answer = (url: string): GraphResponse => {
      tries.set(url, [...(tries.get(url) ?? []), Date.now() - start]);
      return Date.now() - start < outageMs ? failure : { status: 200, headers: {}, body: { url } };
    };
    const transport: GraphTransport = async (c) => {
      httpRequests++;
      if (c.url !== '/$batch') return answer(c.url);
      const requests = (c.body as { requests: Array<{ id: string; url: string }> }).requests;
      return { status: 200, headers: {}, body: { responses: requests.map((r) => ({ id: r.id, ...answer(r.url) })) } };
    };
    return { transport, tries, requests: () => httpRequests };
  }

  const unavailable = (status: number, retryAfter?: string): GraphResponse => ({
    status,
    headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter },
    body: { error: { code: status === 429 ? 'TooManyRequests' : 'ServiceUnavailable', message: 'Service unavailable, please retry later.' } },
  });

  it.each([
    ['503 without Retry-After', unavailable(503)],
    ['503 with Retry-After: 1', unavailable(503, '1')],
    ['504', unavailable(504)],
    ['429 without Retry-After', unavailable(429)],
  ])('a three-minute outage answering %s costs none of 60 calls; once the shared budget is dry each call tries at most every 15 s', async (_name, failure) => {
    const OUTAGE = 180_000;
    const { transport, tries } = outage(OUTAGE, failure);
    // A small budget, so that it runs dry early in the outage, as it would under a long one.
    const scheduler = new RequestScheduler({ transport, retryBudget: 20 });
    const answers = await settle(Array.from({ length: 60 }, (_, i) => scheduler.send({ method: 'GET', url: `/users/u${i % 6}/messages/m${i}`, mailbox: `u${i % 6}` })));
    expect(answers.map((a) => a.status)).toEqual(Array(60).fill(200));
    const perCall = [...tries.values()];
    // Each call came back soon after the outage: within one capped wait (30 s).
    for (const t of perCall) expect(t[t.length - 1]!).toBeLessThan(OUTAGE + 30_000);
    // Quick tries are paid from the budget: 60 first tries and at most 20 quick retries between them.
    // Every other retry waited at least half the 30 s cap, so none of the calls sent more than
    // its share of the 8 quick tries plus one per 15 s of outage.
    const total = perCall.reduce((n, t) => n + t.length, 0);
    expect(total).toBeLessThanOrEqual(60 + 20 + 60 * (OUTAGE / 15_000 + 1));
    for (const t of perCall) expect(t.length).toBeLessThanOrEqual(8 + OUTAGE / 15_000 + 1);
    // The budget was spent during the outage and is earned back by the successes (a tenth each).
    expect(scheduler.budget.remaining).toBe(6);
  });

  it('wakes the calls waiting at the capped pace as soon as one of them gets through after the outage, not up to 30 s later', async () => {
    const OUTAGE = 120_000;
    const { transport, tries } = outage(OUTAGE, unavailable(503));
    const scheduler = new RequestScheduler({ transport, retryBudget: 20 });
    const answers = await settle(Array.from({ length: 60 }, (_, i) => scheduler.send({ method: 'GET', url: `/users/u${i % 6}/messages/m${i}`, mailbox: `u${i % 6}` })));
    expect(answers.map((a) => a.status)).toEqual(Array(60).fill(200));
    const lastTries = [...tries.values()].map((t) => t[t.length - 1]!);
    const firstBack = Math.min(...lastTries);
    expect(firstBack).toBeGreaterThanOrEqual(OUTAGE);
    // Without the wake-up each call would come back on its own timer, spread over 15–30 s.
    expect(Math.max(...lastTries) - firstBack).toBeLessThan(1000);
    // During the outage nobody was woken: every call still waited at least 15 s between its slow tries.
    for (const t of tries.values()) {
      const slowGaps = t
        .slice(1)
        .map((v, i) => v - t[i]!)
        .filter((gap, i) => i >= 8 && t[i + 1]! < OUTAGE);
      for (const gap of slowGaps) expect(gap).toBeGreaterThanOrEqual(15_000);
    }
  });

  it('ends a call to a service that never comes back after the five-minute time budget, with its last 503, honouring Retry-After on every try', async () => {
    const { transport, tries } = outage(Number.POSITIVE_INFINITY, unavailable(503, '1'));
    const scheduler = new RequestScheduler({ transport });
    const started = Date.now();
    const [res] = await settle([scheduler.send({ method: 'GET', url: '/users/u/messages/m', mailbox: 'u' })]);
    expect(res!.status).toBe(503);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThanOrEqual(300_000 + 1000);
    expect(elapsed).toBeGreaterThan(300_000 - 30_000 - 1000);
    const t = tries.get('/users/u/messages/m')!;
    const gaps = t.slice(1).map((v, i) => v - t[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000);
    // The 8 quick tries, then one per 15–30 s for the rest of the five minutes.
    expect(t.length).toBeGreaterThanOrEqual(8 + 5);
    expect(t.length).toBeLessThanOrEqual(8 + 300_000 / 15_000 + 1);
  });

  it('rides out a whole $batch answered 503 for two minutes though the budget pays for only three retries', async () => {
    const start = Date.now();
    let requests = 0;
    const transport: GraphTransport = async (c) => {
      requests++;
      if (Date.now() - start < 120_000) return unavailable(503);
      // Retries spread by jitter come back one by one, as plain requests.
      if (c.url !== '/$batch') return { status: 200, headers: {}, body: {} };
      const items = (c.body as { requests: Array<{ id: string }> }).requests;
      return { status: 200, headers: {}, body: { responses: items.map((r) => ({ id: r.id, status: 200, headers: {}, body: {} })) } };
    };
    const scheduler = new RequestScheduler({ transport, retryBudget: 3 });
    const answers = await settle(Array.from({ length: 20 }, (_, i) => scheduler.send({ method: 'GET', url: `/users?i=${i}` })));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    // One batch, three quick retries of it, then each call at most once per 15 s.
    expect(requests).toBeLessThanOrEqual(1 + 3 + 20 * (120_000 / 15_000 + 1));
  });

  it('hands a change marked once back at once on a 504 (its answer lost), and rides out a 503 (not acted on)', async () => {
    let sent = 0;
    const scheduler = new RequestScheduler({ transport: async () => (sent++, unavailable(504)) });
    const [lost] = await settle([scheduler.send({ method: 'POST', url: '/users/u/messages/m/move', body: {}, once: true })]);
    expect(lost!.status).toBe(504);
    expect(sent).toBe(1);
    const { transport, tries } = outage(60_000, unavailable(503));
    const riding = new RequestScheduler({ transport });
    const [moved] = await settle([riding.send({ method: 'POST', url: '/users/u/messages/m/move', body: {}, once: true })]);
    expect(moved!.status).toBe(200);
    expect(tries.get('/users/u/messages/m/move')!.length).toBeGreaterThan(8);
  });
});
