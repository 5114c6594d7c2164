/**
 * The Retract API as the CLI sees it: bearer token, JSON in and out, every answer validated
 * with the contracts' zod schemas, and problem+json turned into one sentence and the exit code
 * of CONTRACTS §5.
 */
import type { z } from 'zod';
import { problemSchema } from '../contracts';
import type { TokenSource } from './auth';
import { CliError, ExitCode, exitCodeForStatus } from './exitCodes';
import { TransportError, describeTransportError, type HttpTransport } from './transport';

export type Query = Record<string, string | number | boolean | undefined>;

export interface ApiClient {
  get<S extends z.ZodType>(path: string, schema: S, query?: Query): Promise<z.output<S>>;
  post<S extends z.ZodType>(path: string, body: unknown, schema: S): Promise<z.output<S>>;
  put<S extends z.ZodType>(path: string, body: unknown, schema: S): Promise<z.output<S>>;
}

/** Joins the API base (`https://host/api`) and a path below it (`/jobs/x`). */
export function apiUrl(base: string, path: string, query?: Query): string {
  const url = new URL(base.replace(/\/+$/, '') + path);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== '') url.searchParams.set(name, String(value));
  }
  return url.toString();
}

function sentence(text: string): string {
  const t = text.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/** One sentence for a refused request, from its problem+json body when it has one. */
export function problemSentence(status: number, body: string, contentType: string | undefined): string {
  let parsed: unknown;
  try {
    parsed = contentType?.includes('json') ? JSON.parse(body) : undefined;
  } catch {
    parsed = undefined;
  }
  const problem = problemSchema.safeParse(parsed);
  if (problem.success) {
    const { title, detail } = problem.data as { title?: string; detail?: string };
    const text = detail || title;
    if (text) return sentence(text);
  }
  if (status === 401) return 'The API did not accept the token (401). Check --tenant-id and the app\'s credentials.';
  if (status === 403) return 'The API refused the request (403): this app has no role that allows it.';
  return `The API answered HTTP ${status}.`;
}

function describeInvalid(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'the document';
  return `${where}: ${issue?.message ?? 'invalid'}`;
}

export function createApiClient(base: string, tokens: TokenSource, transport: HttpTransport): ApiClient {
  async function call<S extends z.ZodType>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    schema: S,
    body?: unknown,
    query?: Query,
  ): Promise<z.output<S>> {
    const url = apiUrl(base, path, query);
    const token = await tokens.getToken();
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res;
    try {
      res = await transport.send({ method, url, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      if (err instanceof TransportError) {
        throw new CliError(`Cannot reach the Retract API at ${base}: ${describeTransportError(err)}.`, ExitCode.failed);
      }
      throw err;
    }
    if (res.status < 200 || res.status >= 300) {
      throw new CliError(problemSentence(res.status, res.body, res.headers['content-type']), exitCodeForStatus(res.status));
    }
    let json: unknown;
    try {
      json = JSON.parse(res.body);
    } catch {
      throw new CliError(`The API answered ${method} ${path} with something that is not JSON.`, ExitCode.failed);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new CliError(
        `The API's answer to ${method} ${path} is not what this CLI expects (${describeInvalid(parsed.error)}); the CLI and the API may be of different versions.`,
        ExitCode.failed,
      );
    }
    return parsed.data;
  }

  return {
    get: (path, schema, query) => call('GET', path, schema, undefined, query),
    post: (path, body, schema) => call('POST', path, schema, body),
    put: (path, body, schema) => call('PUT', path, schema, body),
  };
}
