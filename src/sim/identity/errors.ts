/**
 * Error answers in the shapes Microsoft's services use:
 * - Entra's token and authorize endpoints: `{ error, error_description, error_codes, timestamp,
 *   trace_id, correlation_id, error_uri }`, the description starting `AADSTSnnnn:` and ending
 *   with the trace and correlation ids and the timestamp, as Entra writes them.
 * - Microsoft Graph: `{ error: { code, message, innerError: { date, request-id, client-request-id } } }`
 *   with `WWW-Authenticate` on 401.
 * - Exchange Online's admin API: `{ error: { code, message, details: [{ message }] } }`.
 */
import { randomUUID } from 'node:crypto';
import type { SimRequest, SimResponse } from '../http';
import { json } from '../http';

export type EntraErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_resource'
  | 'interaction_required'
  | 'consent_required'
  | 'access_denied';

/** `2026-11-22 19:50:01Z`: the form of Entra's `timestamp` field. */
export function entraTimestamp(d: Date): string {
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export interface EntraError {
  error: EntraErrorCode;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
}

export function entraErrorBody(now: Date, error: EntraErrorCode, aadsts: number, text: string, correlationId?: string): EntraError {
  const traceId = randomUUID();
  const correlation = correlationId ?? randomUUID();
  const timestamp = entraTimestamp(now);
  return {
    error,
    error_description: `AADSTS${aadsts}: ${text} Trace ID: ${traceId} Correlation ID: ${correlation} Timestamp: ${timestamp}`,
    error_codes: [aadsts],
    timestamp,
    trace_id: traceId,
    correlation_id: correlation,
    error_uri: `https://login.microsoftonline.com/error?code=${aadsts}`,
  };
}

/** Entra answers 401 for client authentication failures and 400 for the rest. */
export function entraError(req: SimRequest, now: Date, error: EntraErrorCode, aadsts: number, text: string): SimResponse {
  const status = error === 'invalid_client' ? 401 : 400;
  const correlation = header(req, 'client-request-id');
  return json(status, entraErrorBody(now, error, aadsts, text, correlation), {
    'cache-control': 'no-store, no-cache',
    pragma: 'no-cache',
    ...(correlation ? { 'client-request-id': correlation } : {}),
  });
}

export function header(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function graphInnerError(req: SimRequest, now: Date) {
  return { date: now.toISOString().replace(/\.\d+Z$/, ''), 'request-id': randomUUID(), 'client-request-id': header(req, 'client-request-id') ?? randomUUID() };
}

/** Graph's 401: the token is missing, malformed, expired, for another audience or badly signed. */
export function graphUnauthorized(req: SimRequest, now: Date, message: string): SimResponse {
  return json(
    401,
    { error: { code: 'InvalidAuthenticationToken', message, innerError: graphInnerError(req, now) } },
    { 'www-authenticate': 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"' },
  );
}

/** Graph's 403: a valid token without the permission. Mail answers as Exchange does, directory as Entra does. */
export function graphForbidden(req: SimRequest, now: Date, permissions: readonly string[]): SimResponse {
  const mail = permissions.some((p) => p.startsWith('Mail.'));
  const error = mail
    ? { code: 'ErrorAccessDenied', message: 'Access is denied. Check credentials and try again.' }
    : { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' };
  return json(403, { error: { ...error, innerError: graphInnerError(req, now) } });
}

/**
 * Exchange's error body. `details[0].message` is `<id>|<ExceptionClass>|<text>`, the form the
 * ExchangeOnlineManagement module splits to rebuild a PowerShell error record.
 */
export function exchangeError(status: number, code: string, exceptionClass: string, text: string, headers: Record<string, string> = {}): SimResponse {
  const id = randomUUID().replace(/-/g, '').slice(0, 8).toUpperCase();
  return json(status, { error: { code, message: text, details: [{ message: `${id}|${exceptionClass}|${text}` }], innererror: { message: text, type: exceptionClass } } }, headers);
}

/**
 * Exchange's 401: its REST endpoints answer with a `WWW-Authenticate` challenge naming the
 * Entra authorization URI and an `x-ms-diagnostics` reason. (Microsoft documents no body for
 * it; the simulator adds one in Exchange's error shape so clients can show the reason.)
 */
export function exchangeUnauthorized(reason: string): SimResponse {
  return exchangeError(401, 'Unauthorized', 'Microsoft.Exchange.Security.Authentication.InvalidTokenException', reason, {
    'www-authenticate':
      'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="00000001-0000-0000-c000-000000000000@*", token_types="app_asserted_user_v1 service_asserted_app_v1", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="invalid_token"',
    'x-ms-diagnostics': `2000001;reason="${reason.replace(/"/g, "'")}";error_category="invalid_token"`,
  });
}
