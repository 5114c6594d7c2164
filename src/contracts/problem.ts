import { z } from 'zod';

/** One field a 400 names: `field` is its path (`recipients.3`, `depth`), `message` a sentence. */
export const problemFieldErrorSchema = z.object({ field: z.string(), message: z.string() });
export type ProblemFieldError = z.infer<typeof problemFieldErrorSchema>;

/** RFC 9457 problem details (`application/problem+json`), with the fields a 400 names. */
export const problemSchema = z.looseObject({
  type: z.string().default('about:blank'),
  title: z.string(),
  status: z.number().int().min(400).max(599),
  detail: z.string().optional(),
  instance: z.string().optional(),
  errors: z.array(problemFieldErrorSchema).optional(),
});
export type Problem = z.infer<typeof problemSchema>;

/** Longer field names are cut here: a problem document should not echo a megabyte back. */
const MAX_FIELD_NAME = 256;

function nameOf(path: readonly PropertyKey[]): string {
  const name = path.map(String).join('.') || '(body)';
  return name.length > MAX_FIELD_NAME ? `${name.slice(0, MAX_FIELD_NAME)}…` : name;
}

/**
 * The fields of a failed zod parse, as `errors` of a problem. A field the schema does not know
 * (a strict object's extra key, e.g. `" "` or `__proto__`) is named by its own path, one entry
 * per key, rather than by the object that holds it.
 */
export function fieldErrors(error: z.ZodError, where: 'body' | 'query' = 'body'): ProblemFieldError[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: nameOf([...issue.path, key]),
        message: where === 'query'
          ? 'This query parameter is not accepted here; remove it.'
          : 'This field is not part of the request; remove it (names are case-sensitive).',
      }));
    }
    return [{ field: nameOf(issue.path), message: issue.message }];
  });
}
