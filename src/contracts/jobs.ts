import { z } from 'zod';
import { ACTIONS, JOB_ACTIONS, JOB_STATUSES, OUTCOMES } from '../core';
import { actorSchema, isoTimeQuerySchema, isoTimeSchema, jobIdSchema, lookupIdSchema, messageIdSchema, queryParam } from './common';

/** Ids a job may name in `exclude` / `include` (a 1 MiB body holds fewer anyway). */
export const MAX_JOB_IDS = 20000;

export const actionSchema = z.enum(ACTIONS, {
  error: 'action must be one of soft-delete, hard-delete, move-to-deleted-items, move-to-junk.',
});
export type Action = z.infer<typeof actionSchema>;

/** A job's action: one of the four, or `undo` (started by POST /api/jobs/{jobId}/undo). */
export const jobActionSchema = z.enum(JOB_ACTIONS);
export type JobAction = z.infer<typeof jobActionSchema>;

/** POST /api/jobs. */
export const jobRequestSchema = z.strictObject({
  lookupId: lookupIdSchema,
  action: actionSchema,
  exclude: z.array(messageIdSchema).max(MAX_JOB_IDS).optional(),
  include: z.array(messageIdSchema).max(MAX_JOB_IDS).optional(),
  reason: z.string().max(1000, 'reason is at most 1000 characters.').optional(),
});
export type JobRequest = z.infer<typeof jobRequestSchema>;

/** 202 answer of POST /api/jobs, …/undo and …/cancel. */
export const jobAcceptedSchema = z.object({ jobId: jobIdSchema });
export type JobAccepted = z.infer<typeof jobAcceptedSchema>;

export const jobStatusSchema = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof jobStatusSchema>;

export const outcomeSchema = z.enum(OUTCOMES);
export type Outcome = z.infer<typeof outcomeSchema>;

export const jobResultSchema = z.object({
  mailbox: z.string(),
  messageId: z.string(),
  outcome: outcomeSchema,
  error: z.string().optional(),
  // Optional extras.
  internetMessageId: z.string().optional(),
  /** The folder the item was in before the job moved it (where undo puts it back). */
  fromFolder: z.string().optional(),
  depth: z.number().int().nonnegative().optional(),
});
export type JobResult = z.infer<typeof jobResultSchema>;

export const jobCountsSchema = z.object({
  targets: z.number().int().nonnegative(),
  done: z.number().int().nonnegative(),
  alreadyGone: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  /** Optional extra: targets with no outcome yet. */
  pending: z.number().int().nonnegative().optional(),
});
export type JobCounts = z.infer<typeof jobCountsSchema>;

const jobFields = {
  jobId: jobIdSchema,
  status: jobStatusSchema,
  action: jobActionSchema,
  lookupId: lookupIdSchema,
  counts: jobCountsSchema,
  // Optional extras for the task pane and the CLI.
  internetMessageId: z.string().optional(),
  createdAt: isoTimeSchema.optional(),
  updatedAt: isoTimeSchema.optional(),
  actor: actorSchema.optional(),
  reason: z.string().optional(),
  /** For an undo job: the job it undoes. */
  undoOf: jobIdSchema.optional(),
  /** For a job that was undone: its undo job. */
  undoneBy: jobIdSchema.optional(),
};

/** The §5 job (GET /api/jobs/{jobId}). */
export const jobSchema = z.object({
  ...jobFields,
  results: z.array(jobResultSchema),
});
export type Job = z.infer<typeof jobSchema>;

/** One job in a list: `results` may be left out to keep the list small. */
export const jobSummarySchema = z.object({
  ...jobFields,
  results: z.array(jobResultSchema).optional(),
});
export type JobSummary = z.infer<typeof jobSummarySchema>;

/** GET /api/jobs?since= → { jobs }, newest first. */
export const jobListSchema = z.object({ jobs: z.array(jobSummarySchema) });
export type JobList = z.infer<typeof jobListSchema>;

export const jobListQuerySchema = z.strictObject({ since: queryParam(isoTimeQuerySchema) });
export type JobListQuery = z.infer<typeof jobListQuerySchema>;

/** The `{jobId}` path parameter. */
export const jobPathSchema = z.strictObject({ jobId: jobIdSchema });
