import { z } from 'zod';

export { internetMessageIdSchema } from '../core';

/** `lookupId` and `jobId`: Retract's own ids (UUIDs or similar), safe in a URL path. */
export const retractIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,128}$/, 'This is not a Retract id: use the id exactly as Retract gave it.');
export const lookupIdSchema = retractIdSchema;
export const jobIdSchema = retractIdSchema;

/** `messageId`: a Graph immutable item id (base64url-like text). */
export const messageIdSchema = z
  .string()
  .min(1, 'A messageId cannot be empty.')
  .max(1024, 'A messageId is at most 1024 characters.')
  .regex(/^[^\p{Cc}\p{White_Space}]+$/u, 'A messageId has no spaces or control characters.');

/**
 * An address as a caller gives it (CONTRACTS.md §6): at most 320 characters with exactly one
 * `@`, any Unicode. Never normalised here: an address that matches no one is skipped later
 * with its reason, never turned into someone else's.
 */
export const addressSchema = z
  .string()
  // Characters are counted as a person counts them (code points); 1280 UTF-16 units bounds the
  // work before that count, whatever the script.
  .max(1280, 'An address is at most 320 characters.')
  .refine((a) => [...a].length <= 320, 'An address is at most 320 characters.')
  .refine((a) => a.split('@').length === 2, 'An address must hold exactly one @, such as megan@contoso.com.')
  .meta({ description: 'An email address: at most 320 characters with exactly one @, any Unicode.' });

/** ISO 8601 time with a time zone, as the API writes times. */
export const isoTimeSchema = z.iso.datetime({ offset: true });

/**
 * A time given in a query string: an ISO date (`2026-11-01`) or date-time
 * (`2026-11-01T09:00:00Z`, offset or local).
 */
export const isoTimeQuerySchema = z.union(
  [z.iso.datetime({ offset: true, local: true }), z.iso.date()],
  { error: 'Use an ISO 8601 date or time, such as 2026-11-01 or 2026-11-01T09:00:00Z.' },
);

/**
 * Query strings arrive as text: an empty value (`?since=`) means "not given", and a repeated
 * parameter is refused rather than silently choosing one.
 */
export function queryParam<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (v === '' || v === null ? undefined : v), schema.optional());
}

export const roleSchema = z.enum(['Retract.Admin', 'Retract.Auditor']);
export type Role = z.infer<typeof roleSchema>;

/** Who did something: a signed-in user (oid, upn) or an app (its client id), or both. */
export const actorSchema = z.object({
  oid: z.string().optional(),
  upn: z.string().optional(),
  name: z.string().optional(),
  app: z.string().optional(),
});
export type Actor = z.infer<typeof actorSchema>;
