// Typed calls for every route of CONTRACTS.md §6. Each answer is validated with the contracts'
// zod schemas; problem+json becomes an ApiError whose message a user can act on.
import type { z } from 'zod';
import {
  auditPageSchema,
  auditVerifySchema,
  jobAcceptedSchema,
  jobListSchema,
  jobSchema,
  lookupSchema,
  meSchema,
  omeRevokeSchema,
  omeStatusSchema,
  problemSchema,
  setupSchema,
  traceSchema,
  domainsSettingsSchema,
  type AuditPage,
  type AuditQuery,
  type AuditVerify,
  type DomainsSettings,
  type Job,
  type JobAccepted,
  type JobList,
  type JobRequest,
  type Lookup,
  type LookupRequestInput,
  type Me,
  type OmeRevoke,
  type OmeStatus,
  type Problem,
  type Setup,
  type Trace,
  type TraceQuery,
} from '../contracts';
import type { TokenSource } from './auth/msal';
import { strings } from './strings';

/** The API as the views use it; tests give the views a fake of exactly this. */
export interface RetractApi {
  me(): Promise<Me>;
  lookup(request: LookupRequestInput): Promise<Lookup>;
  startJob(request: JobRequest): Promise<JobAccepted>;
  job(jobId: string): Promise<Job>;
  jobs(since?: string): Promise<JobList>;
  undo(jobId: string): Promise<JobAccepted>;
  cancel(jobId: string): Promise<JobAccepted>;
  omeStatus(internetMessageId: string): Promise<OmeStatus>;
  omeRevoke(internetMessageId: string): Promise<OmeRevoke>;
  trace(query: Partial<TraceQuery>): Promise<Trace>;
  audit(query: Partial<AuditQuery>): Promise<AuditPage>;
  auditVerify(): Promise<AuditVerify>;
  setup(): Promise<Setup>;
  setDomains(domains: string[]): Promise<DomainsSettings>;
}

/** An answer the user should read: `message` is a sentence; `status` 0 means no answer at all. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly problem?: Problem,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  get forbidden(): boolean {
    return this.status === 403;
  }
}

function problemMessage(problem: Problem): string {
  const fields = problem.errors?.map((e) => e.message).join(' ');
  return [problem.detail ?? problem.title, fields].filter(Boolean).join(' ');
}

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

export function createApiClient(options: { apiBase: string; tokens: TokenSource; fetch?: typeof fetch }): RetractApi {
  const base = options.apiBase.replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));

  async function send(method: string, path: string, body: unknown, forceRefresh: boolean): Promise<Response> {
    const token = await options.tokens.getToken(forceRefresh ? { forceRefresh: true } : {});
    const headers: Record<string, string> = { Accept: 'application/json', Authorization: `Bearer ${token}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    try {
      return await doFetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch {
      throw new ApiError(strings.errors.network, 0);
    }
  }

  async function call<S extends z.ZodType>(method: string, path: string, schema: S, body?: unknown): Promise<z.infer<S>> {
    let response = await send(method, path, body, false);
    // A token the API refuses may be stale (revoked, roles changed): one fresh silent token, once.
    if (response.status === 401) response = await send(method, path, body, true);
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!response.ok) {
      const problem = problemSchema.safeParse(json);
      if (problem.success) throw new ApiError(problemMessage(problem.data), response.status, problem.data);
      throw new ApiError(strings.errors.status(response.status), response.status);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new ApiError(strings.errors.unexpected, response.status);
    return parsed.data;
  }

  const id = (jobId: string) => encodeURIComponent(jobId);

  return {
    me: () => call('GET', '/me', meSchema),
    lookup: (request) => call('POST', '/lookups', lookupSchema, request),
    startJob: (request) => call('POST', '/jobs', jobAcceptedSchema, request),
    job: (jobId) => call('GET', `/jobs/${id(jobId)}`, jobSchema),
    jobs: (since) => call('GET', `/jobs${query({ since })}`, jobListSchema),
    undo: (jobId) => call('POST', `/jobs/${id(jobId)}/undo`, jobAcceptedSchema),
    cancel: (jobId) => call('POST', `/jobs/${id(jobId)}/cancel`, jobAcceptedSchema),
    omeStatus: (internetMessageId) => call('GET', `/ome${query({ internetMessageId })}`, omeStatusSchema),
    omeRevoke: (internetMessageId) => call('POST', '/ome/revoke', omeRevokeSchema, { internetMessageId }),
    trace: (q) => call('GET', `/trace${query({ ...q })}`, traceSchema),
    audit: (q) => call('GET', `/audit${query({ ...q })}`, auditPageSchema),
    auditVerify: () => call('GET', '/audit/verify', auditVerifySchema),
    setup: () => call('GET', '/setup', setupSchema),
    setDomains: (domains) => call('PUT', '/settings/domains', domainsSettingsSchema, { domains }),
  };
}
