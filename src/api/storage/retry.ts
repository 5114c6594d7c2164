/**
 * Retrying storage calls through a short outage (Azure Storage failing over, Azurite restarted).
 * The SDKs retry a few times within about seven seconds; a work item that has already acted on
 * mail must not give up that soon, or its effect would be recorded only on a later delivery.
 * Only calls that are safe to repeat are retried here: reads, and writes that are conditional
 * (ETag, create-once) or whose repeat the caller detects.
 */
import { statusOf } from './clients';

const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'REQUEST_SEND_ERROR',
]);

/** Whether an error from a storage call says the service was not reachable or not ready, rather than refused the call. */
export function isTransientStorageError(err: unknown): boolean {
  const status = statusOf(err);
  if (status !== undefined) return status === 408 || status === 429 || status >= 500;
  if (!err || typeof err !== 'object') return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return true;
  const cause = (err as { cause?: unknown }).cause;
  if (cause && cause !== err) return isTransientStorageError(cause);
  // The SDKs name an aborted or failed send without a status or a code in a few ways.
  const name = (err as { name?: unknown }).name;
  return name === 'RestError' && typeof code !== 'string';
}

/**
 * Whether a failed call surely did not reach the service's store: the connection was refused or
 * never made, or the service answered that it was too busy to take it. Only such failures are
 * safe to retry for a write that is not idempotent (a queue message: a second send is a second
 * message).
 */
export function isUnsentStorageError(err: unknown): boolean {
  const status = statusOf(err);
  if (status !== undefined) return status === 429 || status === 503;
  if (!err || typeof err !== 'object') return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && UNSENT_CODES.has(code)) return true;
  const cause = (err as { cause?: unknown }).cause;
  return !!cause && cause !== err && isUnsentStorageError(cause);
}
const UNSENT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);

export interface StorageRetryOptions {
  /** Which failures are retried (default: every transient one, for calls safe to repeat). */
  retryable?: (err: unknown) => boolean;
  /** Give up (rethrow the last error) once this long has passed since the first try. */
  deadlineMs?: number;
  /** First wait; doubled each time up to `maxDelayMs`, with jitter. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Told once per call, at its first retry (a log line without secrets). */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** How long a work item waits for storage to come back before it lets the queue retry it. */
export const STORAGE_RETRY_DEADLINE_MS = 60_000;

export async function withStorageRetry<T>(call: () => Promise<T>, options: StorageRetryOptions = {}): Promise<T> {
  const now = options.now ?? Date.now;
  const wait = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const deadline = now() + (options.deadlineMs ?? STORAGE_RETRY_DEADLINE_MS);
  const base = options.baseDelayMs ?? 200;
  const max = options.maxDelayMs ?? 3000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!(options.retryable ?? isTransientStorageError)(err)) throw err;
      const delay = Math.min(max, base * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5);
      if (now() + delay > deadline) throw err;
      if (attempt === 1) options.onRetry?.(err, attempt, delay);
      await wait(delay);
    }
  }
}

/**
 * A create (an entity, or a transaction of creates) retried through a short outage: a 409 on a
 * retry after a transient failure means the earlier try was written after all (its answer was
 * lost), so it counts as done; a 409 on the first try is a real conflict and is thrown.
 */
export async function withCreateRetry(call: () => Promise<unknown>, options: StorageRetryOptions = {}): Promise<void> {
  let failedOnce = false;
  await withStorageRetry(async () => {
    try {
      await call();
    } catch (err) {
      if (failedOnce && statusOf(err) === 409) return;
      if (isTransientStorageError(err)) failedOnce = true;
      throw err;
    }
  }, options);
}

/** How long an API request waits for storage to come back (the caller is waiting for the answer). */
export const API_STORAGE_RETRY_DEADLINE_MS = 20_000;

/** A short description of a storage error for a log line: its code or status, never its message (it may hold a URL with a SAS). */
export function storageErrorCode(err: unknown): string {
  const status = statusOf(err);
  if (status !== undefined) return `HTTP ${status}`;
  const code = err && typeof err === 'object' ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : err instanceof Error ? err.name : 'error';
}
