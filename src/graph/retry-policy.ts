/**
 * When to try a Graph request again, and after how long. Pure pieces, shared by the single
 * request path and the `$batch` items: a throttled item inside a 200 batch carries its own
 * `Retry-After`, exactly as a throttled request does.
 */

/** Statuses Graph documents as transient: throttled (429) or unavailable (503, 504). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 503 || status === 504;
}

/**
 * Milliseconds a `Retry-After` value asks for: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Undefined when absent or unreadable, so the caller falls back to backoff.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

export interface BackoffOptions {
  /** First delay, before jitter. */
  baseMs: number;
  /** No single wait is longer than this. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 200, maxMs: 30_000 };

/**
 * Exponential backoff with "full jitter" (a random wait between 0 and base·2^attempt), so that
 * many clients throttled at once do not come back at once. `attempt` counts from 0; a large
 * one (Infinity included) gives the capped pace, `maxMs` jittered.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * How long one call may keep waiting on answers that say the service is busy or unavailable
 * (429, 503, 504), in total, before its last answer is returned. Microsoft asks clients to keep
 * honouring Retry-After rather than give up after a fixed count, and documents 503 and 504 as
 * transient: a storm or an outage of a few seconds or minutes must not cost a target, and a
 * service that never comes back must still end the job. Each wait is charged at least
 * `MIN_THROTTLE_CHARGE_MS`, so a server that keeps answering `Retry-After: 0` still ends.
 */
export const DEFAULT_THROTTLE_BUDGET_MS = 5 * 60_000;
export const MIN_THROTTLE_CHARGE_MS = 1000;

/** The wait before the next attempt: the server's `Retry-After` when given, else backoff. */
export function retryDelay(retryAfter: string | null | undefined, attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const asked = parseRetryAfter(retryAfter);
  // A server may ask for longer than our cap; honour it — coming back early only earns another 429.
  return asked ?? backoffDelay(attempt, options, random);
}

/**
 * A retry budget: retries are paid from a balance that starts at `capacity` and earns a tenth
 * of a retry for every request that succeeds. Under a long outage the client stops hammering
 * the service instead of multiplying its load; under ordinary throttling it never runs dry.
 */
export class RetryBudget {
  // Kept in tenths of a retry, so that ten successes earn exactly one retry.
  private tenths: number;
  private readonly capacityTenths: number;

  constructor(capacity: number) {
    this.capacityTenths = Math.max(0, Math.floor(capacity)) * 10;
    this.tenths = this.capacityTenths;
  }

  /** Takes one retry from the budget; false when it is spent. */
  tryWithdraw(): boolean {
    if (this.tenths < 10) return false;
    this.tenths -= 10;
    return true;
  }

  recordSuccess(): void {
    this.tenths = Math.min(this.capacityTenths, this.tenths + 1);
  }

  get remaining(): number {
    return Math.floor(this.tenths / 10);
  }
}

/** The error a cancelled job sees: the same shape `fetch` uses when its signal aborts. */
export function abortError(signal?: AbortSignal): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  const err = new Error('The operation was cancelled.');
  err.name = 'AbortError';
  return err;
}

/** Waits `ms`, or rejects as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
