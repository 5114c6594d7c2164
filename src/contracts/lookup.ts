import { z } from 'zod';
import { DEFAULT_DEPTH, internetMessageIdSchema, MAX_DEPTH, MIN_DEPTH, SKIP_REASONS } from '../core';
import { addressSchema, isoTimeSchema, lookupIdSchema, messageIdSchema } from './common';

export const MAX_RECIPIENTS = 1000;

export const depthSchema = z
  .number({ error: 'depth must be a whole number from 0 to 5.' })
  .int('depth must be a whole number from 0 to 5.')
  .min(MIN_DEPTH, 'depth must be a whole number from 0 to 5.')
  .max(MAX_DEPTH, 'depth must be a whole number from 0 to 5.');

/** POST /api/lookups. `depth` defaults to 1 (copies, and the forwards and replies made of them). */
export const lookupRequestSchema = z.strictObject({
  internetMessageId: internetMessageIdSchema,
  depth: depthSchema.default(DEFAULT_DEPTH),
  includeSenderCopy: z.boolean().default(false),
  sender: addressSchema.optional(),
  recipients: z
    .array(addressSchema)
    .max(MAX_RECIPIENTS, `recipients holds at most ${MAX_RECIPIENTS} addresses.`)
    .optional(),
});
/** The body after parsing (defaults filled in). */
export type LookupRequest = z.infer<typeof lookupRequestSchema>;
/** The body as a caller may send it. */
export type LookupRequestInput = z.input<typeof lookupRequestSchema>;

export const targetSchema = z.object({
  mailbox: z.string(),
  messageId: messageIdSchema,
  internetMessageId: z.string(),
  folder: z.string(),
  depth: z.number().int().min(MIN_DEPTH).max(MAX_DEPTH),
  isRead: z.boolean(),
  via: z.string().nullable(),
  // Optional extras for the preview.
  subject: z.string().optional(),
  receivedDateTime: z.string().optional(),
});
export type Target = z.infer<typeof targetSchema>;

export const skipReasonSchema = z.enum(SKIP_REASONS);
export type SkipReason = z.infer<typeof skipReasonSchema>;

export const skippedSchema = z.object({
  address: z.string(),
  reason: skipReasonSchema,
  error: z.string().optional(),
});
export type Skipped = z.infer<typeof skippedSchema>;

export const ambiguousSchema = z.object({
  mailbox: z.string(),
  messageId: messageIdSchema,
  internetMessageId: z.string(),
  why: z.string(),
  // Optional extras: what the forward would be as a target if the admin includes it.
  folder: z.string().optional(),
  depth: z.number().int().min(MIN_DEPTH).max(MAX_DEPTH).optional(),
  via: z.string().nullable().optional(),
  isRead: z.boolean().optional(),
});
export type Ambiguous = z.infer<typeof ambiguousSchema>;

export const lookupStatsSchema = z.object({
  mailboxesSearched: z.number().int().nonnegative(),
  graphRequests: z.number().int().nonnegative(),
  ms: z.number().nonnegative(),
});
export type LookupStats = z.infer<typeof lookupStatsSchema>;

/** The §5 lookup: the preview a job acts on. */
export const lookupSchema = z.object({
  lookupId: lookupIdSchema,
  internetMessageId: z.string(),
  depth: z.number().int().min(MIN_DEPTH).max(MAX_DEPTH),
  targets: z.array(targetSchema),
  skipped: z.array(skippedSchema),
  ambiguous: z.array(ambiguousSchema),
  stats: lookupStatsSchema,
  // Optional extras.
  includeSenderCopy: z.boolean().optional(),
  createdAt: isoTimeSchema.optional(),
  expiresAt: isoTimeSchema.optional(),
});
export type Lookup = z.infer<typeof lookupSchema>;
