/**
 * The resource side of a token: what Graph and Exchange check before they answer. A bearer
 * token must be a JWS this simulator signed (RS256, current or previous key; `alg: none` and
 * foreign keys are refused), issued for this tenant by either issuer form, for the resource's
 * audience, inside its lifetime, and carry one of the permissions the call needs.
 */
import type { SimRequest, SimResponse } from '../http';
import type { SimAccessCheck, SimAccessClaims, SimResource } from '../context';
import { exchangeError, exchangeUnauthorized, graphForbidden, graphUnauthorized, header } from './errors';
import { EXCHANGE, GRAPH } from './directory';
import { v1Issuer, v2Issuer } from './claims';
import type { SigningKeys } from './keys';

/** Microsoft's resources accept five minutes of clock skew. */
const SKEW_SECONDS = 300;

export function checkAccess(
  req: SimRequest,
  resource: SimResource,
  permissions: readonly string[],
  deps: { keys: SigningKeys; origin: string; tenantId: string; now: Date },
): SimAccessCheck {
  const deny = (message: string): SimAccessCheck => ({
    ok: false,
    response: resource === 'graph' ? graphUnauthorized(req, deps.now, message) : exchangeUnauthorized(message),
  });
  const auth = header(req, 'authorization');
  if (!auth || !/^bearer\s+\S/i.test(auth)) return deny('Access token is empty.');
  const token = auth.replace(/^bearer\s+/i, '').trim();
  const verified = deps.keys.verify(token);
  if (!verified.ok) return deny(verified.reason);
  const c = verified.payload;
  const audience = resource === 'graph' ? GRAPH.audience : EXCHANGE.audience;
  const audiences = resource === 'graph' ? [audience, '00000003-0000-0000-c000-000000000000'] : [audience, '00000002-0000-0ff1-ce00-000000000000'];
  if (typeof c.aud !== 'string' || !audiences.includes(c.aud)) return deny('Access token validation failure. Invalid audience.');
  const issuers = [v1Issuer(deps.tenantId), v2Issuer(deps.origin, deps.tenantId)];
  if (typeof c.iss !== 'string' || !issuers.includes(c.iss) || c.tid !== deps.tenantId) return deny('Access token validation failure. Invalid issuer.');
  const nowS = Math.floor(deps.now.getTime() / 1000);
  if (typeof c.exp !== 'number' || c.exp + SKEW_SECONDS < nowS) return deny('Lifetime validation failed, the token is expired.');
  if (typeof c.nbf === 'number' && c.nbf - SKEW_SECONDS > nowS) return deny('Lifetime validation failed, the token is not yet valid.');
  const ver = c.ver === '1.0' ? '1.0' : '2.0';
  const clientId = String(ver === '1.0' ? (c.appid ?? '') : (c.azp ?? ''));
  const roles = Array.isArray(c.roles) ? c.roles.filter((r): r is string => typeof r === 'string') : undefined;
  const scp = typeof c.scp === 'string' ? c.scp : undefined;
  const appOnly = scp === undefined;
  const claims: SimAccessClaims = { ...c, aud: c.aud, iss: c.iss, tid: String(c.tid), oid: String(c.oid ?? ''), sub: String(c.sub ?? ''), ver, clientId, roles, scp };
  const held = appOnly ? (roles ?? []) : (scp ?? '').split(' ');
  if (permissions.length > 0 && !permissions.some((p) => held.includes(p))) {
    return { ok: false, response: forbidden(req, resource, permissions, deps.now) };
  }
  return { ok: true, claims, appOnly };
}

function forbidden(req: SimRequest, resource: SimResource, permissions: readonly string[], now: Date): SimResponse {
  if (resource === 'graph') return graphForbidden(req, now, permissions);
  return exchangeError(
    403,
    'Forbidden',
    'Microsoft.Exchange.Management.PSDirectInvoke.DirectInvokeCmdletAccessDeniedException',
    `The caller does not have the permission ${permissions.join(' or ')}. Grant the application ${permissions.join(' or ')} and an Exchange role, then request a new token.`,
  );
}
