/**
 * Sends Graph calls the way Graph wants them: grouped into `$batch` requests of at most 20,
 * never more than four in flight per mailbox (Outlook's MailboxConcurrency limit) nor more
 * than `maxConcurrency` HTTP requests at once, each throttled item retried after its own
 * `Retry-After` without repeating the items that succeeded, and an aborted caller released at
 * once.
 *
 * How long a call keeps trying depends on what the service said:
 * - 429 with `Retry-After`: retried after exactly that wait, for as long as the call's total wait
 *   stays within `throttleBudgetMs`, free of the shared retry budget (the service said when).
 * - 503, 504 and a 429 without `Retry-After` (transient per Graph's documentation, but no
 *   promise of when): retried for as long as the call's total wait stays within the same
 *   `throttleBudgetMs`, so an outage of a few minutes costs no target. The pace is exponential
 *   backoff with jitter, never sooner than a `Retry-After` given. The first `maxAttempts` tries
 *   go at the quick pace and each retry is paid from the shared budget; once the budget is dry
 *   (many calls failing, few succeeding: an outage) or the quick tries are spent, the call
 *   keeps trying only at the capped pace (`backoff.maxMs`, jittered) — at most one request per
 *   call per 15–30 s by default — so a long outage does not multiply the load on the service,
 *   and a service that never comes back ends the call after `throttleBudgetMs`.
 * - Other failures (no answer, 502) are tried at most `maxAttempts` times, each retry paid from
 *   the shared budget; once the budget is dry, a call with no answer at all (the network's
 *   outage) keeps its remaining tries at the capped pace, a 502 ends. A change marked `once`
 *   whose answer was lost (no answer, 502, 504) is handed back rather than sent again blind.
 *
 * Callers hand in single calls; calls made in the same tick are batched together. Waiting
 * for a retry holds no mailbox slot.
 */
import { z } from 'zod';
import { PREFER_IMMUTABLE_ID } from './prefer-immutable-id';
import {
  abortError,
  DEFAULT_BACKOFF,
  DEFAULT_THROTTLE_BUDGET_MS,
  isRetryableStatus,
  MIN_THROTTLE_CHARGE_MS,
  parseRetryAfter,
  backoffDelay,
  retryDelay,
  RetryBudget,
  type BackoffOptions,
} from './retry-policy';
import { isSuccess, type GraphCall, type GraphResponse, type GraphTransport, type RequestMeter } from './graph-http';

export const MAX_BATCH_SIZE = 20;
export const PER_MAILBOX_CONCURRENCY = 4;

export interface SchedulerOptions {
  transport: GraphTransport;
  /** HTTP requests in flight at once (a `$batch` counts once). */
  maxConcurrency?: number;
  perMailboxConcurrency?: number;
  batchSize?: number;
  /** Retries paid from a shared budget (see RetryBudget). */
  retryBudget?: number;
  /**
   * Attempts per call, the first included, for failures that are not the service saying it is
   * busy or unavailable (no answer, 502); for those (429, 503, 504) the quick-paced attempts.
   */
  maxAttempts?: number;
  /** Total wait per call on 429, 503 and 504 answers before the last one is returned (default five minutes). */
  throttleBudgetMs?: number;
  backoff?: BackoffOptions;
  random?: () => number;
}

export interface SendOptions {
  signal?: AbortSignal;
  meter?: RequestMeter;
}

interface Pending {
  call: GraphCall;
  key: string;
  signal?: AbortSignal;
  meter?: RequestMeter;
  attempt: number;
  /** Time waited so far on 429, 503 and 504 answers, as charged against `throttleBudgetMs`. */
  waitedMs: number;
  /** Tried at the capped pace: the service looked down when it last failed. */
  slow: boolean;
  /** The wait before the next try, while one is running. */
  timer?: ReturnType<typeof setTimeout>;
  settled: boolean;
  resolve(res: GraphResponse): void;
  reject(err: unknown): void;
}

// Directory calls (no mailbox) share one key with no per-mailbox limit.
const NO_MAILBOX = '';

const batchResponseSchema = z.object({
  responses: z.array(
    z.object({
      id: z.string(),
      status: z.number(),
      headers: z.record(z.string(), z.string()).optional(),
      body: z.unknown().optional(),
    }),
  ),
});

/** A FIFO with O(1) push and shift. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  push(item: T): void {
    this.items.push(item);
  }
  unshift(item: T): void {
    if (this.head > 0) this.items[--this.head] = item;
    else this.items.unshift(item);
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined as T;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }
  get length(): number {
    return this.items.length - this.head;
  }
}

export class RequestScheduler {
  private readonly transport: GraphTransport;
  private readonly maxConcurrency: number;
  private readonly perMailbox: number;
  private readonly batchSize: number;
  private readonly maxAttempts: number;
  private readonly throttleBudgetMs: number;
  private readonly backoff: BackoffOptions;
  private readonly random: () => number;
  readonly budget: RetryBudget;

  private readonly queues = new Map<string, Fifo<Pending>>();
  private readonly ready = new Fifo<string>();
  private readonly readySet = new Set<string>();
  private readonly inFlightPerMailbox = new Map<string, number>();
  /** A mailbox that answered 429 rests until then (ms since epoch). */
  private readonly restingUntil = new Map<string, number>();
  private readonly watched = new Map<AbortSignal, Set<Pending>>();
  /** Calls waiting at the capped pace, woken early once one of them gets through. */
  private readonly slowWaiting = new Set<Pending>();
  private inFlight = 0;
  private pumpScheduled = false;

  constructor(opts: SchedulerOptions) {
    this.transport = opts.transport;
    this.maxConcurrency = Math.max(1, opts.maxConcurrency ?? 16);
    this.perMailbox = Math.max(1, opts.perMailboxConcurrency ?? PER_MAILBOX_CONCURRENCY);
    this.batchSize = Math.min(MAX_BATCH_SIZE, Math.max(1, opts.batchSize ?? MAX_BATCH_SIZE));
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 8);
    this.throttleBudgetMs = Math.max(0, opts.throttleBudgetMs ?? DEFAULT_THROTTLE_BUDGET_MS);
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.random = opts.random ?? Math.random;
    this.budget = new RetryBudget(opts.retryBudget ?? 200);
  }

  /** Sends one call; resolves with its final answer (after any retries), whatever its status. */
  send(call: GraphCall, opts: SendOptions = {}): Promise<GraphResponse> {
    if (opts.signal?.aborted) return Promise.reject(abortError(opts.signal));
    return new Promise<GraphResponse>((resolve, reject) => {
      const pending: Pending = {
        call,
        key: call.mailbox ? call.mailbox.toLowerCase() : NO_MAILBOX,
        signal: opts.signal,
        meter: opts.meter,
        attempt: 0,
        waitedMs: 0,
        slow: false,
        settled: false,
        resolve,
        reject,
      };
      this.watch(pending);
      this.enqueue(pending, false);
    });
  }

  /** Calls in flight for one mailbox right now (for tests and diagnostics). */
  inFlightFor(mailbox: string): number {
    return this.inFlightPerMailbox.get(mailbox.toLowerCase()) ?? 0;
  }

  // One abort listener per signal, however many calls share it.
  private watch(p: Pending): void {
    const signal = p.signal;
    if (!signal) return;
    let set = this.watched.get(signal);
    if (!set) {
      const calls = new Set<Pending>();
      set = calls;
      this.watched.set(signal, calls);
      signal.addEventListener(
        'abort',
        () => {
          this.watched.delete(signal);
          for (const c of calls) this.finish(c, undefined, abortError(signal));
        },
        { once: true },
      );
    }
    set.add(p);
  }

  private finish(p: Pending, res: GraphResponse | undefined, err?: unknown): void {
    if (p.settled) return;
    p.settled = true;
    if (this.slowWaiting.delete(p)) clearTimeout(p.timer);
    if (p.signal) this.watched.get(p.signal)?.delete(p);
    if (err !== undefined) p.reject(err);
    else p.resolve(res!);
  }

  private enqueue(p: Pending, front: boolean): void {
    if (p.settled) return;
    let q = this.queues.get(p.key);
    if (!q) {
      q = new Fifo<Pending>();
      this.queues.set(p.key, q);
    }
    if (front) q.unshift(p);
    else q.push(p);
    this.markReady(p.key);
    this.schedulePump();
  }

  private markReady(key: string): void {
    if (!this.readySet.has(key)) {
      this.readySet.add(key);
      this.ready.push(key);
    }
  }

  private capacity(key: string): number {
    return key === NO_MAILBOX ? Number.POSITIVE_INFINITY : this.perMailbox;
  }

  // Coalesces the calls of one tick into as few batches as possible.
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    const now = Date.now();
    while (this.inFlight < this.maxConcurrency) {
      const batch: Pending[] = [];
      let scanned = 0;
      const readyCount = this.ready.length;
      while (batch.length < this.batchSize && this.ready.length > 0 && scanned <= readyCount) {
        const key = this.ready.peek()!;
        const q = this.queues.get(key);
        const resting = this.restingUntil.get(key);
        if (resting !== undefined && resting <= now) this.restingUntil.delete(key);
        if (resting !== undefined && resting > now) {
          this.ready.shift();
          this.readySet.delete(key);
          setTimeout(() => {
            if ((this.queues.get(key)?.length ?? 0) > 0) {
              this.markReady(key);
              this.schedulePump();
            }
          }, resting - now);
          scanned++;
          continue;
        }
        const used = this.inFlightPerMailbox.get(key) ?? 0;
        const free = this.capacity(key) - used;
        if (!q || q.length === 0 || free <= 0) {
          this.ready.shift();
          this.readySet.delete(key);
          if (q && q.length === 0) this.queues.delete(key);
          scanned++;
          continue;
        }
        let taken = 0;
        while (taken < free && batch.length < this.batchSize && q.length > 0) {
          const p = q.shift()!;
          if (p.settled) continue;
          batch.push(p);
          taken++;
        }
        if (taken > 0) this.inFlightPerMailbox.set(key, used + taken);
        this.ready.shift();
        this.readySet.delete(key);
        // Still work and room for this mailbox: back of the line, for fairness between mailboxes.
        if (q.length > 0 && used + taken < this.capacity(key)) this.markReady(key);
        else if (q.length === 0) this.queues.delete(key);
        scanned++;
      }
      if (batch.length === 0) return;
      this.inFlight++;
      void this.dispatch(batch).finally(() => {
        this.inFlight--;
        this.schedulePump();
      });
    }
  }

  private release(p: Pending): void {
    const used = (this.inFlightPerMailbox.get(p.key) ?? 1) - 1;
    if (used <= 0) this.inFlightPerMailbox.delete(p.key);
    else this.inFlightPerMailbox.set(p.key, used);
    if ((this.queues.get(p.key)?.length ?? 0) > 0) this.markReady(p.key);
  }

  private async dispatch(batch: Pending[]): Promise<void> {
    const meters = new Set<RequestMeter>();
    for (const p of batch) if (p.meter) meters.add(p.meter);
    for (const m of meters) m.httpRequests++;
    const signals = new Set(batch.map((p) => p.signal));
    // The HTTP request may be cut short only when every call in it belongs to the one caller.
    const signal = signals.size === 1 ? [...signals][0] : undefined;

    if (batch.length === 1) {
      const p = batch[0]!;
      let res: GraphResponse;
      try {
        res = await this.transport(p.call, signal);
      } catch (err) {
        if (signal?.aborted) {
          this.release(p);
          this.finish(p, undefined, abortError(signal));
          return;
        }
        res = networkFailure(err);
      }
      this.release(p);
      this.settle(p, res);
      return;
    }

    const byId = new Map<string, Pending>();
    const requests = batch.map((p, i) => {
      const id = String(i + 1);
      byId.set(id, p);
      const headers: Record<string, string> = { Prefer: PREFER_IMMUTABLE_ID, ...p.call.headers };
      if (p.call.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
        headers['Content-Type'] = 'application/json';
      }
      return { id, method: p.call.method, url: p.call.url, headers, ...(p.call.body !== undefined ? { body: p.call.body } : {}) };
    });

    let outer: GraphResponse;
    try {
      outer = await this.transport({ method: 'POST', url: '/$batch', body: { requests } }, signal);
    } catch (err) {
      outer = signal?.aborted ? { status: -1, headers: {}, body: null } : networkFailure(err);
    }
    if (outer.status === -1) {
      for (const p of batch) {
        this.release(p);
        this.finish(p, undefined, abortError(signal));
      }
      return;
    }
    const parsed = outer.status === 200 ? batchResponseSchema.safeParse(outer.body) : undefined;
    if (parsed?.success) {
      for (const item of parsed.data.responses) {
        const p = byId.get(item.id);
        if (!p) continue;
        byId.delete(item.id);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(item.headers ?? {})) headers[k.toLowerCase()] = v;
        this.release(p);
        this.settle(p, { status: item.status, headers, body: item.body ?? null });
      }
      // An item the batch did not answer is tried again, as a lost answer.
      for (const p of byId.values()) {
        this.release(p);
        this.settle(p, { status: 0, headers: {}, body: { error: { code: 'NoAnswer', message: 'The $batch answer left this request out.' } } });
      }
      return;
    }
    // The batch itself failed (throttled, unavailable, refused, or no answer): every item shares
    // its fate. Sending it again is one request more, so it costs the shared budget one retry,
    // not one per item: otherwise a few lost batches would spend the budget and fail a job.
    const shared = outer.status === 200 ? { status: 502, headers: {}, body: outer.body } : outer;
    const throttled = shared.status === 429 && parseRetryAfter(shared.headers['retry-after']) !== undefined;
    const pay = isTransient(shared.status) && !throttled ? (this.budget.tryWithdraw() ? 'paid' : 'refused') : 'charge';
    for (const p of batch) {
      this.release(p);
      this.settle(p, shared, pay);
    }
  }

  /** `pay`: whether a retry is still to be paid from the budget, or was paid (or refused) for the whole batch. */
  private settle(p: Pending, res: GraphResponse, pay: 'charge' | 'paid' | 'refused' = 'charge'): void {
    if (p.settled) return;
    if (!p.signal?.aborted && this.retry(p, res, pay)) return;
    if (isSuccess(res.status)) {
      this.budget.recordSuccess();
      if (p.slow) this.wakeSlow();
    }
    this.finish(p, res);
  }

  /** Schedules the call again when its answer allows it; false when this answer is the last. */
  private retry(p: Pending, res: GraphResponse, pay: 'charge' | 'paid' | 'refused'): boolean {
    const asked = parseRetryAfter(res.headers['retry-after']);
    if (res.status === 429 && asked !== undefined) return this.wait(p, asked, true);
    if (!isTransient(res.status) || (p.call.once && answerLost(res.status))) return false;
    const quick = p.attempt + 1 < this.maxAttempts && (pay === 'paid' || (pay === 'charge' && this.budget.tryWithdraw()));
    if (isUnavailable(res.status)) {
      // The budget is dry or the quick tries are spent: still transient, so keep trying, but at
      // the capped pace only — one request per call per `maxMs` or so, however long the outage.
      const backoff = backoffDelay(quick ? p.attempt : Number.POSITIVE_INFINITY, this.backoff, this.random);
      const delay = Math.max(asked ?? 0, backoff);
      if (!this.wait(p, delay, res.status === 429, !quick)) return false;
      p.attempt++;
      return true;
    }
    if (!quick) {
      // No answer at all (a reset connection, a request past its time limit) is the network's
      // outage, not a refusal: with tries left but the shared budget dry (many calls failing),
      // try again at the capped pace rather than fail the target.
      if (res.status !== 0 || p.attempt + 1 >= this.maxAttempts) return false;
      if (!this.wait(p, backoffDelay(Number.POSITIVE_INFINITY, this.backoff, this.random), false, true)) return false;
      p.attempt++;
      return true;
    }
    const delay = retryDelay(res.headers['retry-after'], p.attempt, this.backoff, this.random);
    p.attempt++;
    this.retryAfter(p, delay, false);
    return true;
  }

  /**
   * Waits `delay` before the next try if the call's time budget still holds it (each wait
   * charged at least MIN_THROTTLE_CHARGE_MS, so that a stream of `Retry-After: 0` still ends).
   */
  private wait(p: Pending, delay: number, throttled: boolean, slow = false): boolean {
    const cost = Math.max(delay, MIN_THROTTLE_CHARGE_MS);
    if (p.waitedMs + cost > this.throttleBudgetMs) return false;
    p.waitedMs += cost;
    p.slow = slow;
    this.retryAfter(p, delay, throttled);
    if (slow) this.slowWaiting.add(p);
    return true;
  }

  /**
   * A call that was trying at the capped pace got through: the service is back, so the others
   * waiting at that pace go now instead of up to `maxMs` later. Only such a call wakes them — a
   * success of a call that never met the outage says nothing of it — so under a lasting outage
   * they stay at the capped pace; a woken call that fails again goes back to it.
   */
  private wakeSlow(): void {
    const woken = [...this.slowWaiting];
    this.slowWaiting.clear();
    for (const w of woken) {
      clearTimeout(w.timer);
      this.enqueue(w, true);
    }
  }

  /** Puts the call back at the front of its queue after `delay`; a throttled mailbox rests meanwhile. */
  private retryAfter(p: Pending, delay: number, throttled: boolean): void {
    if (throttled && p.key !== NO_MAILBOX) {
      const until = Date.now() + delay;
      if ((this.restingUntil.get(p.key) ?? 0) < until) this.restingUntil.set(p.key, until);
    }
    p.timer = setTimeout(() => {
      this.slowWaiting.delete(p);
      this.enqueue(p, true);
    }, delay);
  }
}

/** No answer, or a gateway's (502, 504): the service may or may not have done what was asked. */
function answerLost(status: number): boolean {
  return status === 0 || status === 502 || status === 504;
}

/** The service said it is busy or unavailable (Graph documents these as transient), whether or not it said when to come back. */
function isUnavailable(status: number): boolean {
  return status === 429 || status === 503 || status === 504;
}

function isTransient(status: number): boolean {
  return answerLost(status) || isRetryableStatus(status);
}

function networkFailure(err: unknown): GraphResponse {
  const message = err instanceof Error ? err.message : String(err);
  return { status: 0, headers: {}, body: { error: { code: 'NetworkError', message } } };
}
