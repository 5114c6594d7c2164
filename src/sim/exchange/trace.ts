/**
 * Get-MessageTraceV2 over the tenant's delivery log: one row per recipient of each message
 * (`Expanded` for a group address, then a row per member it reached), newest first, with
 * Exchange's limits: without dates the last 48 hours; a query spans at most 10 days and
 * reaches back at most 90; at most 5,000 rows (ResultSize, default 1,000).
 */
import { asciiLower } from '../fixture';
import type { DeliveryRow } from '../mailstore';
import type { SimTenant } from '../tenant';
import { normalizeMessageId } from './ome';

export const TRACE_DEFAULT_HOURS = 48;
export const TRACE_MAX_SPAN_DAYS = 10;
export const TRACE_MAX_AGE_DAYS = 90;
export const TRACE_DEFAULT_RESULT_SIZE = 1000;
export const TRACE_MAX_RESULT_SIZE = 5000;
const DAY = 86_400_000;

export interface TraceQuery {
  senderAddress?: string[];
  recipientAddress?: string[];
  subject?: string;
  subjectFilterType?: 'Contains' | 'StartsWith' | 'EndsWith';
  startDate?: Date;
  endDate?: Date;
  messageId?: string[];
  messageTraceId?: string[];
  status?: string[];
  resultSize?: number;
  startingRecipientAddress?: string;
}

export type TraceOutcome = { ok: true; rows: Record<string, unknown>[] } | { ok: false; text: string };

/** `*` matches any run of characters, as Exchange's address filters allow (`*@contoso.com`). */
function addressMatches(patterns: string[] | undefined, address: string): boolean {
  if (!patterns || patterns.length === 0) return true;
  const a = asciiLower(address);
  return patterns.some((p) => {
    const lp = asciiLower(p.trim());
    if (!lp.includes('*')) return lp === a;
    const re = new RegExp(`^${lp.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    return re.test(a);
  });
}

export function runTrace(tenant: SimTenant, q: TraceQuery, now: Date): TraceOutcome {
  if ((q.startDate === undefined) !== (q.endDate === undefined)) {
    return { ok: false, text: 'StartDate and EndDate must be specified together. Specify both, or neither to search the last 48 hours.' };
  }
  const end = q.endDate ?? now;
  const start = q.startDate ?? new Date(now.getTime() - TRACE_DEFAULT_HOURS * 3_600_000);
  if (end.getTime() < start.getTime()) return { ok: false, text: 'The EndDate must be later than the StartDate.' };
  if (end.getTime() - start.getTime() > TRACE_MAX_SPAN_DAYS * DAY) {
    return { ok: false, text: `The date range between StartDate and EndDate can't exceed ${TRACE_MAX_SPAN_DAYS} days. Run several queries of 10 days or less.` };
  }
  if (start.getTime() < now.getTime() - TRACE_MAX_AGE_DAYS * DAY) {
    return { ok: false, text: `StartDate can't be older than ${TRACE_MAX_AGE_DAYS} days. Message trace data is kept for ${TRACE_MAX_AGE_DAYS} days.` };
  }
  const size = q.resultSize ?? TRACE_DEFAULT_RESULT_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > TRACE_MAX_RESULT_SIZE) {
    return { ok: false, text: `The ResultSize value must be between 1 and ${TRACE_MAX_RESULT_SIZE}.` };
  }
  const ids = q.messageId?.map((m) => asciiLower(normalizeMessageId(m)));
  const traceIds = q.messageTraceId?.map((m) => m.toLowerCase());
  const statuses = q.status?.map((s) => s.toLowerCase());
  const subject = q.subject?.toLowerCase();
  const type = q.subjectFilterType ?? 'Contains';
  const matches = (r: DeliveryRow): boolean => {
    const t = r.received.getTime();
    if (t < start.getTime() || t > end.getTime()) return false;
    if (!addressMatches(q.senderAddress, r.senderAddress)) return false;
    if (!addressMatches(q.recipientAddress, r.recipientAddress)) return false;
    if (ids && !ids.includes(asciiLower(r.internetMessageId))) return false;
    if (traceIds && !traceIds.includes(r.messageTraceId.toLowerCase())) return false;
    if (statuses && !statuses.includes(r.status.toLowerCase())) return false;
    if (subject !== undefined) {
      const s = r.subject.toLowerCase();
      if (type === 'Contains' && !s.includes(subject)) return false;
      if (type === 'StartsWith' && !s.startsWith(subject)) return false;
      if (type === 'EndsWith' && !s.endsWith(subject)) return false;
    }
    return true;
  };
  const rows = tenant.mail.deliveryLog
    .filter(matches)
    // Newest first; within one message, by recipient, so paging is stable.
    .sort((a, b) => b.received.getTime() - a.received.getTime() || a.messageTraceId.localeCompare(b.messageTraceId) || asciiLower(a.recipientAddress).localeCompare(asciiLower(b.recipientAddress)));
  let from = 0;
  if (q.startingRecipientAddress) {
    // V2's own continuation: rows after the given recipient of the last message returned.
    const i = rows.findIndex((r) => asciiLower(r.recipientAddress) === asciiLower(q.startingRecipientAddress!));
    from = i < 0 ? 0 : i;
  }
  return {
    ok: true,
    rows: rows.slice(from, from + size).map((r) => ({
      Organization: tenant.initialDomain,
      MessageId: r.internetMessageId,
      Received: r.received.toISOString(),
      SenderAddress: r.senderAddress,
      RecipientAddress: r.recipientAddress,
      Subject: r.subject,
      Status: r.status,
      ToIP: null,
      FromIP: null,
      Size: r.size,
      MessageTraceId: r.messageTraceId,
      StartDate: start.toISOString(),
      EndDate: end.toISOString(),
    })),
  };
}
