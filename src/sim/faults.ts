/**
 * The simulator's fault settings (PUT /_sim/faults, --latency-ms, --throttle) and the
 * bookkeeping they need: requests in flight per app and mailbox, and a one-second window of
 * request times per app and mailbox. Off by default.
 */
import { z } from 'zod';

export const faultsSchema = z.strictObject({
  latencyMs: z.number().int().min(0).max(60_000).default(0),
  throttle: z
    .strictObject({
      /** Requests one app may have in flight against one mailbox (Outlook's limit is 4). */
      perMailboxConcurrency: z.number().int().min(1).max(1000).nullable().default(null),
      /** Requests per second one app may make against one mailbox (or, for directory calls, in all). */
      ratePerSecond: z.number().int().min(1).max(1_000_000).nullable().default(null),
    })
    .default({ perMailboxConcurrency: null, ratePerSecond: null }),
  /**
   * Probability per status code, e.g. { "503": 0.01 }, per Graph or Exchange request and per
   * `$batch` item. 429 answers as Graph's throttling does (TooManyRequests, Retry-After: 1).
   */
  errorRate: z.partialRecord(z.enum(['429', '500', '502', '503', '504']), z.number().min(0).max(1)).default({}),
  /**
   * Probabilities per HTTP request to Entra ID (token and metadata), Graph (a `$batch` as a
   * whole) or Exchange, of what a network does: `reset` closes the connection before anything
   * is done; `hang` never answers and does nothing (the client's time limit ends it);
   * `lostAnswer` does the request and never sends its answer. Each time the faults are set, the
   * next request to each of Entra ID, Graph and Exchange meets `reset` and `hang` (when above 0),
   * and the next request that changes a mailbox meets `lostAnswer`, so that a short run surely
   * meets each. Those met are marked in GET /_sim/requests (`fault`).
   */
  connection: z
    .strictObject({
      reset: z.number().min(0).max(1).default(0),
      hang: z.number().min(0).max(1).default(0),
      lostAnswer: z.number().min(0).max(1).default(0),
    })
    .default({ reset: 0, hang: 0, lostAnswer: 0 }),
});

export type SimFaults = z.infer<typeof faultsSchema>;

/** The services a connection fault can meet: each gets its own first fault after a setting. */
export const CONNECTION_SERVICES = ['identity', 'graph', 'exchange'] as const;
export type ConnectionService = (typeof CONNECTION_SERVICES)[number];
export type SimFaultsInput = z.input<typeof faultsSchema>;

export const NO_FAULTS: SimFaults = { latencyMs: 0, throttle: { perMailboxConcurrency: null, ratePerSecond: null }, errorRate: {}, connection: { reset: 0, hang: 0, lostAnswer: 0 } };

/**
 * Outlook's limits per app and mailbox: 4 concurrent requests, and 10,000 requests per
 * 10 minutes (17 a second on average).
 */
export const THROTTLE_ON: SimFaults['throttle'] = { perMailboxConcurrency: 4, ratePerSecond: 17 };

export type Admission = { ok: true; release: () => void } | { ok: false; reason: 'concurrency' | 'rate'; retryAfterSeconds: number };

export class FaultState {
  faults: SimFaults;
  private readonly inFlight = new Map<string, number>();
  private readonly recent = new Map<string, number[]>();

  /** Connection faults the next request to each service meets for sure (see `connection`). */
  private due = { reset: new Set<ConnectionService>(), hang: new Set<ConnectionService>(), lostAnswer: false };

  constructor(initial: SimFaults = NO_FAULTS) {
    this.faults = initial;
    this.arm();
  }

  /** Replaces the settings; throws a ZodError for settings outside the schema. */
  set(input: unknown): SimFaults {
    this.faults = faultsSchema.parse(input);
    this.arm();
    return this.faults;
  }

  private arm(): void {
    const c = this.faults.connection;
    const all = (): Set<ConnectionService> => new Set(CONNECTION_SERVICES);
    this.due = { reset: c.reset > 0 ? all() : new Set(), hang: c.hang > 0 ? all() : new Set(), lostAnswer: c.lostAnswer > 0 };
  }

  /** Whether this request's connection is reset or left hanging (before anything is done). */
  drawConnectionFault(service: ConnectionService, random: () => number = Math.random): 'reset' | 'hang' | undefined {
    const c = this.faults.connection;
    if (c.reset > 0 && (this.due.reset.delete(service) || random() < c.reset)) return 'reset';
    if (c.hang > 0 && (this.due.hang.delete(service) || random() < c.hang)) return 'hang';
    return undefined;
  }

  /**
   * Whether the answer of a request that was carried out is never sent. `changedMailbox` tells
   * whether the request changed a mailbox; it is asked only while lost answers are on.
   */
  loseAnswer(changedMailbox: () => boolean, random: () => number = Math.random): boolean {
    const p = this.faults.connection.lostAnswer;
    if (p <= 0) return false;
    const changed = changedMailbox();
    const lose = (changed && this.due.lostAnswer) || random() < p;
    if (lose && changed) this.due.lostAnswer = false;
    return lose;
  }

  /** Takes a place for one request of `key` (app + mailbox), or says why it is refused. */
  admit(key: string, now: number, hasMailbox: boolean): Admission {
    const { perMailboxConcurrency, ratePerSecond } = this.faults.throttle;
    if (perMailboxConcurrency !== null && hasMailbox && (this.inFlight.get(key) ?? 0) >= perMailboxConcurrency)
      return { ok: false, reason: 'concurrency', retryAfterSeconds: 1 };
    if (ratePerSecond !== null) {
      const times = (this.recent.get(key) ?? []).filter((t) => now - t < 1000);
      if (times.length >= ratePerSecond) {
        this.recent.set(key, times);
        return { ok: false, reason: 'rate', retryAfterSeconds: Math.max(1, Math.ceil((times[0]! + 1000 - now) / 1000)) };
      }
      times.push(now);
      this.recent.set(key, times);
    }
    this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        const n = (this.inFlight.get(key) ?? 1) - 1;
        if (n <= 0) this.inFlight.delete(key);
        else this.inFlight.set(key, n);
      },
    };
  }

  /** A status code to fail with, drawn from the error rates, or undefined. */
  drawError(random: () => number = Math.random): number | undefined {
    for (const [status, p] of Object.entries(this.faults.errorRate)) if (p > 0 && random() < p) return Number(status);
    return undefined;
  }
}
