import { z } from 'zod';
import { actorSchema, isoTimeQuerySchema, isoTimeSchema, queryParam } from './common';

export const auditSectionSchema = z.enum(['Retract', 'Revoke', 'Setup', 'Access']);
export type AuditSection = z.infer<typeof auditSectionSchema>;

/** GET /api/audit?section=&actor=&internetMessageId=&since=&until=&cursor=&limit= */
export const auditQuerySchema = z.strictObject({
  section: queryParam(auditSectionSchema),
  actor: queryParam(z.string().max(320)),
  internetMessageId: queryParam(z.string().max(998)),
  since: queryParam(isoTimeQuerySchema),
  until: queryParam(isoTimeQuerySchema),
  cursor: queryParam(z.string().max(2048)),
  /** Optional extra: page size, 1–500. */
  limit: queryParam(z.coerce.number().int().min(1).max(500)),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;

/**
 * One audit record as the API returns it. `seq` orders the chain; `prevHash` is the SHA-256 of
 * the previous record and `hash` this record's (src/core audit-chain). A record written before an
 * action is dispatched has `phase: "intent"`; the one written with its result `phase: "outcome"`.
 */
export const auditRecordSchema = z.object({
  seq: z.number().int().nonnegative(),
  time: isoTimeSchema,
  section: auditSectionSchema,
  /** What happened, e.g. `lookup`, `job`, `undo`, `cancel`, `ome-status`, `ome-revoke`, `settings`, `refused`. */
  event: z.string(),
  phase: z.enum(['intent', 'outcome']).optional(),
  actor: actorSchema,
  internetMessageId: z.string().optional(),
  lookupId: z.string().optional(),
  jobId: z.string().optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  /** A short result: `ok`, a job status, an HTTP status for a refusal … */
  outcome: z.string().optional(),
  detail: z.string().optional(),
  /** For folded refusals: how many were folded into this record. */
  count: z.number().int().positive().optional(),
  /** SHA-256 over the per-target outcome rows (src/core `outcomesDigest`). */
  outcomesDigest: z.string().optional(),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditRecord = z.infer<typeof auditRecordSchema>;

export const auditPageSchema = z.object({
  records: z.array(auditRecordSchema),
  nextCursor: z.string().nullable(),
});
export type AuditPage = z.infer<typeof auditPageSchema>;

/** GET /api/audit/verify: `records` counted, `head` the last hash, `brokenAt` the first bad record's seq. */
export const auditVerifySchema = z.object({
  ok: z.boolean(),
  records: z.number().int().nonnegative(),
  head: z.string().nullable(),
  brokenAt: z.number().int().nonnegative().optional(),
  /** Optional extra: why that record is broken, as a sentence. */
  why: z.string().optional(),
});
export type AuditVerify = z.infer<typeof auditVerifySchema>;
