/**
 * Errors as RFC 9457 problem documents (`application/problem+json`), each with a sentence a
 * person can act on. A zod failure names the field it is about.
 */
import type { HttpResponseInit } from '@azure/functions';
import type { z } from 'zod';
import { fieldErrors } from '../../contracts/problem';
import { withSecurityHeaders } from './security-headers';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** For a bad request: the field (dotted path) and what is wrong with it. */
  errors?: { field: string; message: string }[];
  [extra: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Not signed in',
  403: 'Not allowed',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Request too large',
  415: 'Unsupported media type',
  429: 'Too many requests',
  500: 'Internal error',
  502: 'Upstream error',
  503: 'Service unavailable',
};

export class ProblemError extends Error {
  constructor(
    public readonly status: number,
    public readonly detail: string,
    public readonly extra: Record<string, unknown> = {},
    public readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
  }
}

export function problem(
  status: number,
  detail: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): HttpResponseInit {
  const body: Problem = {
    type: `https://retract.dev/problems/${status}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    ...extra,
  };
  return withSecurityHeaders({
    status,
    headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  });
}

/** A field name as a sentence shows it: quoted when it holds anything but letters, digits, `.` and `_`. */
function shown(field: string): string {
  return /^[\w.]+$/.test(field) ? field : JSON.stringify(field);
}

/** A 400 naming the first field at fault (and listing every one, unknown fields each by name). */
export function badRequest(error: z.ZodError, where: 'body' | 'query'): ProblemError {
  const errors = fieldErrors(error, where);
  const first = errors[0];
  const detail = first
    ? `The ${where === 'query' ? 'query parameter' : 'field'} ${shown(first.field)} is not valid: ${first.message}`
    : `The request ${where} is not valid.`;
  return new ProblemError(400, detail, { errors });
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponseInit {
  return withSecurityHeaders({
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  });
}
