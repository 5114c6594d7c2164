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

/** The fields of a failed zod parse, as `errors` of a problem. */
export function fieldErrors(error: z.ZodError): ProblemFieldError[] {
  return error.issues.map((issue) => ({
    field: issue.path.map(String).join('.') || '(body)',
    message: issue.message,
  }));
}
