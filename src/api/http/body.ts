/**
 * Reading a request: the JSON body (at most 1 MiB, `application/json` only, well-formed) and the
 * query string, each validated with the contracts' zod schemas.
 */
import type { HttpRequest } from '@azure/functions';
import type { z } from 'zod';
import { ProblemError, badRequest } from './problem';

export const MAX_BODY_BYTES = 1024 * 1024;

export async function readJsonBody<S extends z.ZodType>(req: HttpRequest, schema: S): Promise<z.infer<S>> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const bytes = Buffer.from(await req.arrayBuffer());
  if (bytes.length > MAX_BODY_BYTES) throw tooLarge();
  const type = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new ProblemError(415, 'Send the request body as JSON, with the header Content-Type: application/json.');
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new ProblemError(400, 'The request body is not well-formed JSON. Check quotes, commas and brackets, and send UTF-8.');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw badRequest(parsed.error, 'body');
  return parsed.data;
}

/** Refuses a body where a route takes none (a stray body is a caller's mistake worth naming). */
export async function expectNoBody(req: HttpRequest): Promise<void> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const bytes = Buffer.from(await req.arrayBuffer());
  if (bytes.length > MAX_BODY_BYTES) throw tooLarge();
  if (bytes.length === 0) return;
  const type = (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new ProblemError(415, 'Send the request body as JSON, with the header Content-Type: application/json.');
  }
  try {
    JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ProblemError(400, 'The request body is not well-formed JSON. Check quotes, commas and brackets.');
  }
}

export function readQuery<S extends z.ZodType>(req: HttpRequest, schema: S): z.infer<S> {
  const obj: Record<string, string | string[]> = {};
  for (const key of new Set(req.query.keys())) {
    const all = req.query.getAll(key);
    obj[key] = all.length === 1 ? all[0]! : all;
  }
  const parsed = schema.safeParse(obj);
  if (!parsed.success) throw badRequest(parsed.error, 'query');
  return parsed.data;
}

function tooLarge(): ProblemError {
  return new ProblemError(413, `The request body is larger than ${MAX_BODY_BYTES} bytes (1 MiB). Send fewer ids at once.`);
}
