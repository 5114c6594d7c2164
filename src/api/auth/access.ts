/**
 * Who may call what (CONTRACTS §6), decided from the token alone, before any body or query is
 * read, so a caller without the role learns nothing from error details. Refusals are audited in
 * section `Access`, folded per source per minute.
 */
import type { HttpRequest } from '@azure/functions';
import { ProblemError } from '../http/problem';
import { DirectoryRolesUnavailable, directoryRoles } from './directory-roles';
import type { Services } from '../services';
import { ROLE_ADMIN, ROLE_AUDITOR, TokenRefused, type Principal } from './tokens';

/**
 * - `public`: no token (health, openapi);
 * - `signed-in`: any valid token;
 * - `admin`: Retract.Admin;
 * - `reader`: Retract.Admin or Retract.Auditor;
 * - `sender`: Retract.Admin, or a signed-in user (no role needed) — the handler then checks
 *   that they sent the message, to a single recipient.
 */
export type Access = 'public' | 'signed-in' | 'admin' | 'reader' | 'sender';

export function isAdmin(p: Principal): boolean {
  return p.roles.includes(ROLE_ADMIN);
}

export function allows(access: Access, p: Principal): boolean {
  switch (access) {
    case 'public':
    case 'signed-in':
      return true;
    case 'admin':
      return isAdmin(p);
    case 'reader':
      return isAdmin(p) || p.roles.includes(ROLE_AUDITOR);
    case 'sender':
      return isAdmin(p) || !p.appOnly;
  }
}

/** The caller's network address as the host reports it (first X-Forwarded-For hop). */
export function sourceOf(req: HttpRequest): string {
  const fwd = req.headers.get('x-forwarded-for');
  const first = fwd?.split(',')[0]?.trim();
  return first || 'unknown';
}

export const ACCESS_SENTENCES: Record<Exclude<Access, 'public' | 'signed-in'>, string> = {
  admin: 'This needs the Retract.Admin role. Ask an administrator of your organisation to assign it to you in Entra ID (Enterprise applications → Retract → Users and groups).',
  reader: 'This needs the Retract.Admin or Retract.Auditor role. Ask an administrator of your organisation to assign one to you in Entra ID.',
  sender: 'Only a signed-in user may do this for a message they sent, or an administrator with the Retract.Admin role.',
};

/** Checks the token and the route's access; throws a 401/403 ProblemError after auditing it. */
export async function authorize(services: Services, req: HttpRequest, access: Access, routeName: string): Promise<Principal | null> {
  if (access === 'public') return null;
  let principal: Principal;
  try {
    principal = await services.verifier.verify(req.headers.get('authorization'));
  } catch (err) {
    const reason = err instanceof TokenRefused ? err.reason : 'token check failed';
    const source = sourceOf(req);
    await auditRefusal(services, services.config.tenantId, `ip:${source}`, {
      status: 401,
      route: routeName,
      reason,
      source,
    });
    throw new ProblemError(
      401,
      'Sign in again: the request carried no valid access token for the Retract API (' + reason + ').',
      {},
      { 'www-authenticate': `Bearer error="invalid_token"` },
    );
  }
  if (!allows(access, principal)) {
    await refuse403(services, req, principal, routeName, `role required: ${access}`);
    throw new ProblemError(403, ACCESS_SENTENCES[access as keyof typeof ACCESS_SENTENCES] ?? 'You are not allowed to do this.');
  }
  return principal;
}

/** Audits a 403 decided later by a handler (e.g. an OME message the caller did not send). */
export async function refuse403(services: Services, req: HttpRequest, p: Principal, routeName: string, reason: string): Promise<void> {
  await auditRefusal(
    services,
    p.tenantId,
    `oid:${p.oid}|${routeName}`,
    { status: 403, route: routeName, reason, source: sourceOf(req) },
    { oid: p.oid, upn: p.upn, app: p.app },
  );
}

async function auditRefusal(
  services: Services,
  tenantId: string,
  foldKey: string,
  what: { status: number; route: string; reason: string; source: string },
  actor: { oid?: string; upn?: string; app?: string } = {},
): Promise<void> {
  await services.storage.ensure();
  await services.audit.refusal(tenantId, foldKey, {
    section: 'Access',
    event: 'refused',
    actor: stripUndefined(actor),
    outcome: String(what.status),
    options: { route: what.route, source: what.source, foldKey },
    detail: what.reason,
  });
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Re-checks, against the directory as it is now, that the caller still holds Retract.Admin (the
 * token's `roles` claim may predate a removal by up to an hour). Used before a new job and before
 * an undo: a running job was authorised when it started; undoing it is a new decision. A refusal
 * is a 403, audited; a directory that cannot be read is a 503 (nothing is done on a role that
 * cannot be confirmed).
 */
/** How long a role check may wait for Graph before the request is answered 503. */
export const ROLE_CHECK_TIMEOUT_MS = 30_000;

export async function recheckAdmin(services: Services, req: HttpRequest, p: Principal, routeName: string): Promise<void> {
  if (services.config.roleCheck !== 'directory') return;
  // The gateways read only the home tenant's directory (RETRACT_TENANT_ID); a caller from another
  // allowed tenant is held to the token's roles until the gateways serve each tenant.
  if (p.tenantId.toLowerCase() !== services.config.tenantId.toLowerCase()) return;
  let roles: string[];
  try {
    // A person is waiting, and Graph may be in an outage the engine would sit out for minutes.
    roles = await directoryRoles(services.graph(), services.config.clientId, p, { signal: AbortSignal.timeout(ROLE_CHECK_TIMEOUT_MS) });
  } catch (err) {
    if (!(err instanceof DirectoryRolesUnavailable)) throw err;
    throw new ProblemError(
      503,
      'Retract could not confirm your Retract.Admin role in the directory just now, so nothing was done. Try again in a minute.',
      {},
      { 'retry-after': '30' },
    );
  }
  if (roles.includes(ROLE_ADMIN)) return;
  await refuse403(services, req, p, routeName, 'role required: admin (not assigned in the directory now)');
  throw new ProblemError(403, ACCESS_SENTENCES.admin);
}
