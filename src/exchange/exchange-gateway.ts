/**
 * The Exchange Online admin API gateway: `InvokeCommand`, the endpoint the
 * ExchangeOnlineManagement v3 module uses, for OME status and revocation and message trace.
 * Each page is followed (the same body POSTed to `@odata.nextLink`), 429/503 are retried after
 * `Retry-After` when the wait is short, and Exchange's error bodies become sentences.
 *
 * Message trace is throttled per tenant (Get-MessageTraceV2: 100 queries in 5 minutes), and a
 * throttled tenant is told to wait minutes. A person is waiting on every call made here, so a
 * wait longer than `maxRetryWaitMs` is not slept through: the call fails at once with the
 * server's `Retry-After`, and the caller decides (a lookup goes on without the trace; the API
 * tells its caller when to come back).
 */
import { z } from 'zod';
import { internetMessageIdSchema, normalizeAddress } from '../core';
import { createExchangeTokenSource, isTransientTokenError, type ExchangeCredentials } from './app-token';

export interface ExchangeGatewayOptions extends ExchangeCredentials {
  /** `https://outlook.office365.com`, or the simulator's origin. */
  exchangeBase: string;
  /** For tests: replaces the token source and `fetch`. */
  getToken?: () => Promise<string>;
  fetch?: typeof fetch;
  maxAttempts?: number;
  /** The longest `Retry-After` slept through before retrying (30 s unless set); longer asks fail at once. */
  maxRetryWaitMs?: number;
  /** How long one request may take before it is abandoned and tried again (100 s unless set). */
  requestTimeoutMs?: number;
}

/** Per call: a signal to cancel it, and a shorter limit on waiting for a throttled service. */
export interface ExchangeCallOptions {
  signal?: AbortSignal;
  maxRetryWaitMs?: number;
}

export interface TraceQuery {
  senderAddress?: string;
  recipientAddress?: string;
  subject?: string;
  startDate?: Date | string;
  endDate?: Date | string;
  messageId?: string;
}

export interface TraceRow {
  messageId: string;
  received: string;
  senderAddress: string;
  recipientAddress: string;
  subject: string;
  status: string;
  messageTraceId?: string;
}

export interface OmeStatus {
  subject: string;
  isRevocable: boolean;
  revoked: boolean;
}

export interface ExchangeGateway {
  invokeCommand(cmdletName: string, parameters: Record<string, unknown>, opts?: ExchangeCallOptions): Promise<Record<string, unknown>[]>;
  omeStatus(internetMessageId: string, opts?: ExchangeCallOptions): Promise<OmeStatus>;
  omeRevoke(internetMessageId: string, opts?: ExchangeCallOptions): Promise<{ revoked: true }>;
  messageTrace(query: TraceQuery, opts?: ExchangeCallOptions): Promise<TraceRow[]>;
  /** Sender and recipients the trace reports for one message, searched back through 10-day windows to 90 days. */
  traceRecipients(internetMessageId: string, opts?: ExchangeCallOptions): Promise<{ sender?: string; recipients: string[] }>;
}

/** An Exchange error, its sentence readable by a person; `exceptionClass` is Exchange's own. */
export class ExchangeCommandError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly exceptionClass: string,
    message: string,
    /** For 429 and 503: how long Exchange asked us to wait (ms), when it said. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ExchangeCommandError';
  }
}

const SYSTEM_MAILBOX = 'SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}';
const DAY = 86_400_000;
export const TRACE_WINDOW_DAYS = 10;
export const TRACE_RETENTION_DAYS = 90;
/** How far apart the trace rows of one message can lie (Exchange retries delivery for up to two days). */
const DELIVERY_SPREAD_MS = 2 * DAY;

const pageSchema = z.object({ value: z.array(z.record(z.string(), z.unknown())), '@odata.nextLink': z.string().optional() });
const errorSchema = z.object({
  error: z.object({
    code: z.string().optional(),
    message: z.string().optional(),
    details: z.array(z.object({ message: z.string() })).optional(),
  }),
});
const omeRowSchema = z.object({ Subject: z.string().nullish(), IsRevocable: z.boolean(), Revoked: z.boolean() });
const traceRowSchema = z.object({
  MessageId: z.string(),
  Received: z.string(),
  SenderAddress: z.string(),
  RecipientAddress: z.string(),
  Subject: z.string().nullish(),
  Status: z.string().nullish(),
  MessageTraceId: z.string().nullish(),
});

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason instanceof Error ? signal.reason : new Error('The operation was cancelled.'));
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason instanceof Error ? signal.reason : new Error('The operation was cancelled.'));
      },
      { once: true },
    );
  });
}

/** The wait a `Retry-After` value asks for (delta-seconds or an HTTP date), if it asks one. */
function askedWaitMs(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const d = Date.parse(value);
  return Number.isNaN(d) ? undefined : Math.max(0, d - Date.now());
}

function retryAfterMs(value: string | null, attempt: number): number {
  const asked = askedWaitMs(value);
  if (asked !== undefined) return asked;
  const ceiling = Math.min(30_000, 500 * 2 ** attempt);
  return ceiling / 2 + (Math.random() * ceiling) / 2;
}

/** Exchange's `details[0].message` reads `<id>|<ExceptionClass>|<text>`: the text is the sentence. */
export function exchangeErrorFrom(status: number, body: unknown, cmdletName: string): ExchangeCommandError {
  const parsed = errorSchema.safeParse(body);
  const code = parsed.success ? (parsed.data.error.code ?? '') : '';
  const detail = parsed.success ? parsed.data.error.details?.[0]?.message : undefined;
  const parts = detail?.split('|') ?? [];
  const exceptionClass = parts.length >= 3 ? parts[1]! : '';
  const text = parts.length >= 3 ? parts.slice(2).join('|') : (parsed.success ? parsed.data.error.message : undefined) ?? '';
  let advice = '';
  if (status === 401 || status === 403) advice = ' Check that the app holds Exchange.ManageAsApp with admin consent and an Exchange role.';
  else if (status === 429) advice = ' Exchange Online is throttling these requests; try again in a few minutes.';
  const sentence = text ? `Exchange Online refused ${cmdletName}: ${text}${advice}` : `Exchange Online answered ${status} to ${cmdletName}.${advice || ' Try again later.'}`;
  return new ExchangeCommandError(status, code, exceptionClass, sentence);
}

function toIso(d: Date | string): string {
  const date = typeof d === 'string' ? new Date(d) : d;
  if (Number.isNaN(date.getTime())) throw new Error(`"${String(d)}" is not a date.`);
  return date.toISOString();
}

export function createExchangeGateway(opts: ExchangeGatewayOptions): ExchangeGateway {
  const base = opts.exchangeBase.replace(/\/+$/, '');
  const endpoint = `${base}/adminapi/beta/${encodeURIComponent(opts.tenantId)}/InvokeCommand`;
  const getToken = opts.getToken ?? createExchangeTokenSource(opts);
  const doFetch = opts.fetch ?? fetch;
  const maxAttempts = opts.maxAttempts ?? 5;
  const defaultMaxWait = opts.maxRetryWaitMs ?? 30_000;
  const requestTimeoutMs = opts.requestTimeoutMs ?? 100_000;
  const origin = new URL(base).origin;

  async function post(url: string, body: string, cmdletName: string, o: ExchangeCallOptions): Promise<z.infer<typeof pageSchema>> {
    const { signal } = o;
    const maxWait = o.maxRetryWaitMs ?? defaultMaxWait;
    for (let attempt = 0; ; attempt++) {
      let token: string;
      try {
        token = await getToken();
      } catch (err) {
        if (signal?.aborted || attempt + 1 >= maxAttempts || !isTransientTokenError(err)) throw err;
        await sleep(retryAfterMs(null, attempt), signal);
        continue;
      }
      let res: Response;
      let text: string;
      // A service that takes the request and never answers must not hold the caller for good.
      const timeout = AbortSignal.timeout(requestTimeoutMs);
      try {
        res = await doFetch(url, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${token}`,
            'Content-Type': 'application/json',
            Accept: 'application/json',
            'X-AnchorMailbox': `APP:${SYSTEM_MAILBOX}@${opts.tenantId}`,
          },
          body,
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        text = await res.text();
      } catch (err) {
        if (signal?.aborted) throw err;
        if (attempt + 1 >= maxAttempts) {
          if (timeout.aborted) throw new ExchangeCommandError(504, 'Timeout', '', `Exchange Online did not answer ${cmdletName} within ${Math.round(requestTimeoutMs / 1000)} seconds, ${maxAttempts} times. Try again later.`);
          throw err;
        }
        await sleep(retryAfterMs(null, attempt), signal);
        continue;
      }
      let json: unknown = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        json = null;
      }
      if (res.status === 429 || res.status === 503 || res.status === 504) {
        const wait = retryAfterMs(res.headers.get('retry-after'), attempt);
        if (attempt + 1 < maxAttempts && wait <= maxWait) {
          await sleep(wait, signal);
          continue;
        }
        const err = exchangeErrorFrom(res.status, json, cmdletName);
        throw new ExchangeCommandError(err.status, err.code, err.exceptionClass, err.message, askedWaitMs(res.headers.get('retry-after')));
      }
      if (!res.ok) throw exchangeErrorFrom(res.status, json, cmdletName);
      const page = pageSchema.safeParse(json);
      if (!page.success) throw new ExchangeCommandError(res.status, 'UnexpectedResponse', '', `Exchange Online answered ${cmdletName} with an unexpected shape. Try again later.`);
      return page.data;
    }
  }

  async function invokeCommand(cmdletName: string, parameters: Record<string, unknown>, o: ExchangeCallOptions = {}): Promise<Record<string, unknown>[]> {
    const body = JSON.stringify({ CmdletInput: { CmdletName: cmdletName, Parameters: parameters } });
    const rows: Record<string, unknown>[] = [];
    let url: string | undefined = endpoint;
    while (url) {
      const page = await post(url, body, cmdletName, o);
      rows.push(...page.value);
      const next = page['@odata.nextLink'];
      // The token goes only to the Exchange host we were configured with.
      if (next && new URL(next).origin !== origin) throw new Error('Exchange Online returned a next page on another host; Retract does not follow it.');
      url = next;
    }
    return rows;
  }

  function checkedId(internetMessageId: string): string {
    const parsed = internetMessageIdSchema.safeParse(internetMessageId);
    if (!parsed.success) throw new Error(parsed.error.issues[0]?.message ?? 'The internetMessageId is not valid.');
    return parsed.data;
  }

  async function messageTraceWindow(q: TraceQuery, o: ExchangeCallOptions): Promise<TraceRow[]> {
    const params: Record<string, unknown> = { ResultSize: 5000 };
    if (q.senderAddress) params.SenderAddress = q.senderAddress;
    if (q.recipientAddress) params.RecipientAddress = q.recipientAddress;
    if (q.subject) params.Subject = q.subject;
    if (q.messageId) params.MessageId = q.messageId;
    if (q.startDate) params.StartDate = toIso(q.startDate);
    if (q.endDate) params.EndDate = toIso(q.endDate);
    const rows = await invokeCommand('Get-MessageTraceV2', params, o);
    return rows.flatMap((r) => {
      const p = traceRowSchema.safeParse(r);
      if (!p.success) return [];
      return [
        {
          messageId: p.data.MessageId,
          received: p.data.Received,
          senderAddress: p.data.SenderAddress,
          recipientAddress: p.data.RecipientAddress,
          subject: p.data.Subject ?? '',
          status: p.data.Status ?? '',
          ...(p.data.MessageTraceId ? { messageTraceId: p.data.MessageTraceId } : {}),
        },
      ];
    });
  }

  return {
    invokeCommand,

    async omeStatus(internetMessageId, o = {}) {
      const rows = await invokeCommand('Get-OMEMessageStatus', { MessageId: checkedId(internetMessageId) }, o);
      const row = omeRowSchema.safeParse(rows[0]);
      if (!row.success) throw new ExchangeCommandError(200, 'UnexpectedResponse', '', 'Exchange Online gave no status for this encrypted message. Try again later.');
      return { subject: row.data.Subject ?? '', isRevocable: row.data.IsRevocable, revoked: row.data.Revoked };
    },

    async omeRevoke(internetMessageId, o = {}) {
      await invokeCommand('Set-OMEMessageRevocation', { MessageId: checkedId(internetMessageId), Revoke: true }, o);
      return { revoked: true as const };
    },

    async messageTrace(q, o = {}) {
      // Exchange answers at most 10 days per query: a longer range is split into windows.
      if (!q.startDate || !q.endDate) return messageTraceWindow(q, o);
      const start = new Date(toIso(q.startDate)).getTime();
      const end = new Date(toIso(q.endDate)).getTime();
      const out: TraceRow[] = [];
      for (let hi = end; hi > start; hi -= TRACE_WINDOW_DAYS * DAY) {
        const lo = Math.max(start, hi - TRACE_WINDOW_DAYS * DAY);
        out.push(...(await messageTraceWindow({ ...q, startDate: new Date(lo), endDate: new Date(hi) }, o)));
      }
      return out;
    },

    async traceRecipients(internetMessageId, o = {}) {
      const id = checkedId(internetMessageId);
      const now = Date.now();
      // A minute short of 90 days, so that a clock a little ahead of ours does not refuse it.
      const oldest = now - TRACE_RETENTION_DAYS * DAY + 60_000;
      const recipients = new Map<string, string>();
      let sender: string | undefined;
      let foundIn = 0;
      for (let hi = now + 60_000, window = 0; hi > oldest; hi -= TRACE_WINDOW_DAYS * DAY, window++) {
        const lo = Math.max(oldest, hi - TRACE_WINDOW_DAYS * DAY);
        const rows = await messageTraceWindow({ messageId: id, startDate: new Date(lo), endDate: new Date(hi) }, o);
        const mine = rows.filter((r) => normalizeAddress(r.messageId) === normalizeAddress(id));
        for (const r of mine) {
          sender ??= r.senderAddress;
          const key = normalizeAddress(r.recipientAddress);
          if (!recipients.has(key)) recipients.set(key, r.recipientAddress);
        }
        if (mine.length > 0 && foundIn === 0) foundIn = window + 1;
        // One message's rows lie together (deliveries Exchange retried still lie within two days of
        // each other), so the next older window is read only when they could straddle its edge:
        // each query counts against the tenant's trace limit.
        const earliest = Math.min(...mine.map((r) => Date.parse(r.received)).filter((t) => !Number.isNaN(t)));
        if (mine.length > 0 && earliest - lo > DELIVERY_SPREAD_MS) break;
        if (foundIn > 0 && window >= foundIn) break;
      }
      return { ...(sender ? { sender } : {}), recipients: [...recipients.values()] };
    },
  };
}
