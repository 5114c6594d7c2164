/**
 * What every Graph handler shares: Graph's error body, OData query options, paging links,
 * and resolving `/users/{id | userPrincipalName | me}`.
 */
import { randomUUID } from 'node:crypto';
import type { SimAccessClaims, SimContext } from '../context';
import { json, type SimRequest, type SimResponse } from '../http';
import { ODataError, parseSelect } from '../odata';
import type { SimUser } from '../tenant';

export function headerOf(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Graph's `innerError.date`: ISO without milliseconds or zone letter, as Graph writes it. */
export function graphDate(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, '');
}

export function graphError(ctx: SimContext, req: SimRequest, status: number, code: string, message: string, headers: Record<string, string> = {}): SimResponse {
  return json(
    status,
    {
      error: {
        code,
        message,
        innerError: {
          date: graphDate(ctx.now()),
          'request-id': req.requestId ?? randomUUID(),
          'client-request-id': headerOf(req, 'client-request-id') ?? req.requestId ?? randomUUID(),
        },
      },
    },
    headers,
  );
}

/** Thrown inside handlers; the part's wrapper turns it into a Graph error answer. */
export class GraphFault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export function badRequest(message: string, code = 'BadRequest'): GraphFault {
  return new GraphFault(400, code, message);
}

/** Graph's own JSON content type. */
export function graphJson(status: number, body: unknown, headers: Record<string, string> = {}): SimResponse {
  return json(status, body, { 'content-type': 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8', 'odata-version': '4.0', ...headers });
}

/**
 * Refuses system query options a call does not support, rather than ignoring them and
 * answering more than was asked (a `$search` silently dropped would widen the answer).
 */
export function onlyOptions(req: SimRequest, allowed: readonly string[]): void {
  for (const name of new Set(req.url.searchParams.keys())) {
    if (!name.startsWith('$')) continue;
    if (!allowed.includes(name.toLowerCase()))
      throw badRequest(`Query option '${name}' is not supported by the simulated tenant for this request.`);
  }
}

/** A system query option (`$filter` …), refusing it when given twice. */
export function queryOption(req: SimRequest, name: string): string | undefined {
  const all = req.url.searchParams.getAll(name);
  if (all.length > 1) throw badRequest(`Query option '${name}' was specified more than once, but it must be specified at most once.`);
  return all[0];
}

export function selectOption(req: SimRequest): string[] | undefined {
  const s = queryOption(req, '$select');
  if (s === undefined || s === '') return undefined;
  try {
    return parseSelect(s);
  } catch (e) {
    throw badRequest((e as ODataError).message);
  }
}

export function topOption(req: SimRequest, def: number, max: number): number {
  const s = queryOption(req, '$top');
  if (s === undefined) return def;
  if (!/^\d+$/.test(s)) throw badRequest(`Invalid value '${s}' for $top query option found. The $top query option requires a non-negative integer value.`);
  const n = Number(s);
  if (n > max) throw badRequest(`The limit of '${max}' for Top query has been exceeded. The value from the incoming request is '${n}'.`);
  return n === 0 ? def : n;
}

/** The next page's link: the same request with its offset moved on. */
export function nextLink(ctx: SimContext, req: SimRequest, param: '$skip' | '$skiptoken', offset: number): string {
  // Keep the caller's query as sent (Graph's links write `$top`, not `%24top`), swapping the offset.
  const parts = req.url.search
    .replace(/^\?/, '')
    .split('&')
    .filter((p) => p !== '' && !/^(\$|%24)skip(token)?=/i.test(p));
  const value = param === '$skip' ? String(offset) : 'RFNwdAIAAQAAA' + Buffer.from(`offset:${offset}`).toString('base64url');
  parts.push(`${param}=${value}`);
  return `${ctx.origin}${req.rawPath}?${parts.join('&')}`;
}

export function pageOffset(req: SimRequest, param: '$skip' | '$skiptoken'): number {
  const s = queryOption(req, param);
  if (s === undefined) return 0;
  if (param === '$skip') {
    if (!/^\d+$/.test(s)) throw badRequest(`Invalid value '${s}' for $skip query option found.`);
    return Number(s);
  }
  const m = /^RFNwdAIAAQAAA(.+)$/.exec(s);
  const decoded = m ? Buffer.from(m[1]!, 'base64url').toString('utf8') : '';
  const off = /^offset:(\d+)$/.exec(decoded);
  if (!off) throw badRequest('The specified page token value has expired or is invalid.', 'Directory_ExpiredPageToken');
  return Number(off[1]);
}

/** Picks the selected properties (case-insensitively, as Graph does), keeping OData annotations. */
export function applySelect(entity: Record<string, unknown>, select: readonly string[] | undefined, always: readonly string[] = ['id']): Record<string, unknown> {
  if (!select) return entity;
  const wanted = new Set([...select, ...always].map((s) => s.toLowerCase()));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entity)) if (k.startsWith('@odata.') || wanted.has(k.toLowerCase())) out[k] = v;
  return out;
}

export function metadata(ctx: SimContext, fragment: string): string {
  return `${ctx.origin}/v1.0/$metadata#${fragment}`;
}

export type Claims = SimAccessClaims;

/**
 * `/users/{id | userPrincipalName}` or `/me` (a delegated token's user). Unknown → Graph's
 * 404 for the directory (`Request_ResourceNotFound`) or for mail (`ErrorInvalidUser`).
 */
export function resolveUser(ctx: SimContext, segment: string, claims: Claims, forMail: boolean): SimUser {
  if (segment.toLowerCase() === 'me') {
    const appOnly = !claims.scp;
    if (appOnly) throw new GraphFault(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
    const me = ctx.tenant.findUser(claims.oid);
    if (!me) throw new GraphFault(404, 'Request_ResourceNotFound', `Resource '${claims.oid}' does not exist or one of its queried reference-property objects are not present.`);
    return me;
  }
  const user = ctx.tenant.findUser(segment);
  if (!user) {
    if (forMail) throw new GraphFault(404, 'ErrorInvalidUser', `The requested user '${segment}' is invalid.`);
    throw new GraphFault(404, 'Request_ResourceNotFound', `Resource '${segment}' does not exist or one of its queried reference-property objects are not present.`);
  }
  return user;
}

export function odataFault(e: unknown): GraphFault {
  if (e instanceof ODataError) return badRequest(`Invalid filter clause: ${e.message}`);
  throw e;
}
