/**
 * The shapes every piece of the gateway passes around: one Graph call as the gateway means it
 * (a path relative to the service root, e.g. `/users/{id}/messages?...`), and the answer as
 * status, headers and parsed JSON — the same shape a `$batch` item answers with.
 */
export type GraphMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface GraphCall {
  method: GraphMethod;
  /** Relative to the service root (`graphBase`), starting with `/`; query already encoded. */
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * The mailbox this call touches (its user id), so that no more than four calls per mailbox
   * are ever in flight. Undefined for directory calls (users, groups, domains).
   */
  mailbox?: string;
  /**
   * A change that must not be sent again blind when its answer was lost (no answer, 502, 504):
   * the service may have made it. The scheduler then returns the loss to the caller, who checks
   * before sending again. Throttled (429) and unavailable (503) answers are still retried.
   */
  once?: boolean;
}

export interface GraphResponse {
  /** HTTP status; 0 when the request never got an answer (network failure). */
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: unknown;
}

/** Sends one HTTP request to Graph (through the client's middleware chain). */
export type GraphTransport = (call: GraphCall, signal?: AbortSignal) => Promise<GraphResponse>;

/** Counts what one operation cost: HTTP round trips (a `$batch` counts once). */
export interface RequestMeter {
  httpRequests: number;
}

export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}
