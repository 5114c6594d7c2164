/**
 * The lookup's input, checked before any request is sent: a malformed internetMessageId or a
 * depth outside 0–5 never reaches Graph.
 */
import { z } from 'zod';
import { internetMessageIdSchema, MAX_DEPTH, MIN_DEPTH } from '../core';

export const lookupInputSchema = z.object({
  internetMessageId: internetMessageIdSchema,
  depth: z
    .number({ message: `The depth must be a whole number from ${MIN_DEPTH} to ${MAX_DEPTH}.` })
    .int({ message: `The depth must be a whole number from ${MIN_DEPTH} to ${MAX_DEPTH}.` })
    .min(MIN_DEPTH, { message: `The depth must be a whole number from ${MIN_DEPTH} to ${MAX_DEPTH}.` })
    .max(MAX_DEPTH, { message: `The depth must be a whole number from ${MIN_DEPTH} to ${MAX_DEPTH}.` }),
  includeSenderCopy: z.boolean().optional(),
  sender: z.string().max(320).optional(),
  recipients: z.array(z.string().max(320)).max(1000).optional(),
});
export type LookupInput = z.infer<typeof lookupInputSchema>;

/** Bad input from the caller: the message is a sentence the caller can act on. */
export class InvalidInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidInputError';
  }
}

export function parseOrThrow<T extends z.ZodTypeAny>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new InvalidInputError(`${where}${issue?.message ?? 'The input is not valid.'}`);
  }
  return parsed.data as z.infer<T>;
}
