import { z } from 'zod';
import { isoTimeQuerySchema, queryParam } from './common';

/**
 * GET /api/trace?sender=&recipient=&subject=&since=&until= — a message trace search
 * (Exchange `Get-MessageTraceV2`). Empty parameters mean "any".
 */
export const traceQuerySchema = z.strictObject({
  sender: queryParam(z.string().max(320)),
  recipient: queryParam(z.string().max(320)),
  subject: queryParam(z.string().max(500)),
  since: queryParam(isoTimeQuerySchema),
  until: queryParam(isoTimeQuerySchema),
  /** Optional extra: trace one message. */
  internetMessageId: queryParam(z.string().max(998)),
});
export type TraceQuery = z.infer<typeof traceQuerySchema>;

/** One trace row: one message to one recipient, as Exchange reports it. */
export const traceRowSchema = z.object({
  /** ISO time Exchange received it. */
  received: z.string(),
  senderAddress: z.string(),
  recipientAddress: z.string(),
  subject: z.string(),
  /** Exchange's delivery status (`Delivered`, `Failed`, `Pending`, `Expanded`, `Quarantined`, …). */
  status: z.string(),
  internetMessageId: z.string(),
  messageTraceId: z.string(),
});
export type TraceRow = z.infer<typeof traceRowSchema>;

/** The answer of GET /api/trace: `{ rows }`, newest first. `truncated` when more matched than were returned. */
export const traceSchema = z.object({
  rows: z.array(traceRowSchema),
  truncated: z.boolean().optional(),
});
export type Trace = z.infer<typeof traceSchema>;
