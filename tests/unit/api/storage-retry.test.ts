import { RestError } from '@azure/data-tables';
import { isTransientStorageError, isUnsentStorageError, storageErrorCode, withCreateRetry, withStorageRetry } from '../../../src/api/storage/retry';

const refused = (): RestError => new RestError('connect ECONNREFUSED 127.0.0.1:10002', { code: 'ECONNREFUSED' });
const status = (n: number): RestError => new RestError(`status ${n}`, { statusCode: n });

/** A clock that moves only when the retry sleeps, so the tests take no time. */
function fakeClock(): { now: () => number; sleep: (ms: number) => Promise<void>; slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
    slept,
  };
}

describe('isTransientStorageError', () => {
  it('counts an unreachable service, a reset and a 5xx/408/429 as transient', () => {
    expect(isTransientStorageError(refused())).toBe(true);
    expect(isTransientStorageError(new RestError('socket hang up', { code: 'ECONNRESET' }))).toBe(true);
    for (const n of [408, 429, 500, 503]) expect(isTransientStorageError(status(n))).toBe(true);
    expect(isTransientStorageError(Object.assign(new Error('fetch failed'), { cause: { code: 'ECONNREFUSED' } }))).toBe(true);
  });

  it('never retries an answer that refused the call (ETag, conflict, not found, bad request)', () => {
    for (const n of [400, 403, 404, 409, 412]) expect(isTransientStorageError(status(n))).toBe(false);
    expect(isTransientStorageError(new TypeError('x is undefined'))).toBe(false);
    expect(isTransientStorageError(undefined)).toBe(false);
  });
});

describe('withStorageRetry', () => {
  it('waits out a short outage with growing waits and returns the answer', async () => {
    const clock = fakeClock();
    let calls = 0;
    const onRetry = jest.fn();
    const value = await withStorageRetry(
      async () => {
        calls++;
        if (calls < 5) throw refused();
        return 'recorded';
      },
      { ...clock, onRetry, baseDelayMs: 100, maxDelayMs: 1000 },
    );
    expect(value).toBe('recorded');
    expect(calls).toBe(5);
    expect(clock.slept).toHaveLength(4);
    // Doubling, within the jitter of ±25 %.
    expect(clock.slept[0]).toBeGreaterThanOrEqual(75);
    expect(clock.slept[3]).toBeGreaterThanOrEqual(600);
    expect(onRetry).toHaveBeenCalledTimes(1);
  });

  it('rethrows the last error once the deadline has passed', async () => {
    const clock = fakeClock();
    let calls = 0;
    await expect(
      withStorageRetry(
        async () => {
          calls++;
          throw refused();
        },
        { ...clock, deadlineMs: 10_000, baseDelayMs: 200, maxDelayMs: 2000 },
      ),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(calls).toBeGreaterThan(3);
    expect(clock.now()).toBeLessThanOrEqual(10_000);
  });

  it('does not retry a refusal', async () => {
    const clock = fakeClock();
    let calls = 0;
    await expect(
      withStorageRetry(async () => {
        calls++;
        throw status(412);
      }, clock),
    ).rejects.toMatchObject({ statusCode: 412 });
    expect(calls).toBe(1);
    expect(clock.slept).toEqual([]);
  });
});

describe('isUnsentStorageError (what a queue send may retry without sending twice)', () => {
  it('is true only when the request surely did not reach the store', () => {
    expect(isUnsentStorageError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isUnsentStorageError(new RestError('Server busy', { statusCode: 503 }))).toBe(true);
    expect(isUnsentStorageError(new RestError('Too many', { statusCode: 429 }))).toBe(true);
    // The request may have been stored and only its answer lost.
    expect(isUnsentStorageError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(false);
    expect(isUnsentStorageError(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' }))).toBe(false);
    expect(isUnsentStorageError(new RestError('Internal error', { statusCode: 500 }))).toBe(false);
    expect(isUnsentStorageError(new RestError('Forbidden', { statusCode: 403 }))).toBe(false);
  });

  it('limits withStorageRetry to those failures when given as retryable', async () => {
    let calls = 0;
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    await expect(withStorageRetry(async () => { calls++; throw reset; }, { retryable: isUnsentStorageError, sleep: async () => undefined })).rejects.toBe(reset);
    expect(calls).toBe(1);
    calls = 0;
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    await expect(withStorageRetry(async () => { calls++; if (calls < 3) throw refused; return 'sent'; }, { retryable: isUnsentStorageError, sleep: async () => undefined })).resolves.toBe('sent');
    expect(calls).toBe(3);
  });
});

describe('withCreateRetry', () => {
  it('counts a 409 after a lost answer as written (the earlier try went through)', async () => {
    const clock = fakeClock();
    const tries: string[] = [];
    await withCreateRetry(async () => {
      tries.push(tries.length === 0 ? 'reset' : 'conflict');
      throw tries.length === 1 ? new RestError('socket hang up', { code: 'ECONNRESET' }) : status(409);
    }, clock);
    expect(tries).toEqual(['reset', 'conflict']);
  });

  it('throws a 409 met on the first try: a real conflict', async () => {
    await expect(withCreateRetry(async () => Promise.reject(status(409)), fakeClock())).rejects.toMatchObject({ statusCode: 409 });
  });
});

describe('storageErrorCode', () => {
  it('names the code or status, never the message (it may hold a URL)', () => {
    expect(storageErrorCode(refused())).toBe('ECONNREFUSED');
    expect(storageErrorCode(status(503))).toBe('HTTP 503');
    expect(storageErrorCode(new RestError('https://acct.table.core.windows.net/?sig=secret'))).toBe('RestError');
  });
});
