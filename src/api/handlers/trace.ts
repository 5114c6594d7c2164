/** GET /api/trace: a message trace search through the Exchange admin API, newest first. */
import type { HttpResponseInit } from '@azure/functions';
import { traceQuerySchema, type Trace } from '../../contracts';
import { readQuery } from '../http/body';
import { json } from '../http/problem';
import { caller, type RouteContext } from '../http/route';
import { exchangeProblem } from './exchange-errors';

/** More rows than a person reads in a pane; the answer says when it stopped there. */
export const MAX_TRACE_ROWS = 1000;

export async function trace(ctx: RouteContext): Promise<HttpResponseInit> {
  caller(ctx);
  const q = readQuery(ctx.req, traceQuerySchema);
  let rows;
  try {
    rows = await ctx.services.exchange().messageTrace({
      ...(q.sender ? { senderAddress: q.sender } : {}),
      ...(q.recipient ? { recipientAddress: q.recipient } : {}),
      ...(q.subject ? { subject: q.subject } : {}),
      ...(q.since ? { startDate: q.since } : {}),
      ...(q.until ? { endDate: q.until } : {}),
      ...(q.internetMessageId ? { messageId: q.internetMessageId } : {}),
    });
  } catch (err) {
    throw exchangeProblem(err, 'searching the message trace');
  }
  const sorted = [...rows].sort((a, b) => (a.received < b.received ? 1 : a.received > b.received ? -1 : 0));
  const body: Trace = {
    rows: sorted.slice(0, MAX_TRACE_ROWS).map((r) => ({
      received: r.received,
      senderAddress: r.senderAddress,
      recipientAddress: r.recipientAddress,
      subject: r.subject,
      status: r.status,
      internetMessageId: r.messageId,
      messageTraceId: r.messageTraceId ?? '',
    })),
    ...(sorted.length > MAX_TRACE_ROWS ? { truncated: true } : {}),
  };
  return json(200, body);
}
