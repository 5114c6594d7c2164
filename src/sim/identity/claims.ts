/**
 * The claims of the tokens Entra issues, per token version
 * (learn.microsoft.com/entra/identity-platform/access-token-claims-reference):
 * v1 access tokens: iss `https://sts.windows.net/{tid}/`, aud = the identifier URI, `appid`,
 * `appidacr`, and for users `upn`/`unique_name`; v2: iss `{authority}/{tid}/v2.0`, aud = the
 * resource's client id, `azp`, `azpacr`, and for users `preferred_username`.
 * ID tokens are always v2 on the v2.0 endpoint.
 */
import { randomBytes } from 'node:crypto';
import type { FixtureApp, FixtureUser } from '../fixture';
import { pairwiseSubject, servicePrincipalId, type Resource } from './directory';

/** How the client proved who it is: 0 public client, 1 secret, 2 certificate. */
export type ClientAuthMethod = 0 | 1 | 2;

export const ACCESS_TOKEN_SECONDS = 3599;
/** Entra back-dates iat/nbf by five minutes to absorb clock skew between servers. */
const SKEW_SECONDS = 300;

export function v1Issuer(tenantId: string): string {
  return `https://sts.windows.net/${tenantId}/`;
}

export function v2Issuer(origin: string, tenantId: string): string {
  return `${origin}/${tenantId}/v2.0`;
}

function uti(): string {
  return randomBytes(16).toString('base64url').slice(0, 22);
}

/** Opaque values Entra puts in every token (`aio`, `rh`); clients must not read them. */
function opaque(): string {
  return randomBytes(48).toString('base64url');
}

export interface AccessTokenInput {
  origin: string;
  tenantId: string;
  resource: Resource;
  client: FixtureApp;
  authMethod: ClientAuthMethod;
  now: Date;
  roles: string[];
  user?: FixtureUser;
  scp?: string;
  lifetimeSeconds?: number;
}

export function accessTokenClaims(i: AccessTokenInput): Record<string, unknown> {
  const now = Math.floor(i.now.getTime() / 1000);
  const exp = now + (i.lifetimeSeconds ?? ACCESS_TOKEN_SECONDS);
  const v2 = i.resource.version === 2;
  const claims: Record<string, unknown> = {
    aud: i.resource.audience,
    iss: v2 ? v2Issuer(i.origin, i.tenantId) : v1Issuer(i.tenantId),
    iat: now - SKEW_SECONDS,
    nbf: now - SKEW_SECONDS,
    exp,
    aio: opaque(),
  };
  if (v2) {
    claims.azp = i.client.clientId;
    claims.azpacr = String(i.authMethod);
  } else {
    claims.appid = i.client.clientId;
    claims.appidacr = String(i.authMethod);
  }
  if (i.user) {
    const u = i.user;
    claims.name = u.displayName;
    claims.oid = u.id;
    if (v2) claims.preferred_username = u.userPrincipalName;
    else {
      claims.amr = ['pwd'];
      claims.unique_name = u.userPrincipalName;
      claims.upn = u.userPrincipalName;
    }
    claims.scp = i.scp ?? '';
    if (i.roles.length > 0) claims.roles = i.roles;
    claims.sub = pairwiseSubject(u.id, i.client.clientId);
    claims.idtyp = 'user';
  } else {
    const sp = servicePrincipalId(i.client.clientId, i.tenantId);
    if (!v2) claims.idp = v1Issuer(i.tenantId);
    claims.oid = sp;
    if (i.roles.length > 0) claims.roles = i.roles;
    claims.sub = sp;
    claims.idtyp = 'app';
  }
  claims.rh = opaque();
  claims.tid = i.tenantId;
  claims.uti = uti();
  claims.ver = v2 ? '2.0' : '1.0';
  return claims;
}

export interface IdTokenInput {
  origin: string;
  tenantId: string;
  client: FixtureApp;
  user: FixtureUser;
  now: Date;
  nonce?: string;
  sid: string;
  authTime: Date;
}

export function idTokenClaims(i: IdTokenInput): Record<string, unknown> {
  const now = Math.floor(i.now.getTime() / 1000);
  return {
    aud: i.client.clientId,
    iss: v2Issuer(i.origin, i.tenantId),
    iat: now - SKEW_SECONDS,
    nbf: now - SKEW_SECONDS,
    exp: now + ACCESS_TOKEN_SECONDS,
    auth_time: Math.floor(i.authTime.getTime() / 1000),
    name: i.user.displayName,
    ...(i.nonce ? { nonce: i.nonce } : {}),
    oid: i.user.id,
    preferred_username: i.user.userPrincipalName,
    ...(i.user.mail ? { email: i.user.mail } : {}),
    rh: opaque(),
    sid: i.sid,
    sub: pairwiseSubject(i.user.id, i.client.clientId),
    tid: i.tenantId,
    uti: uti(),
    ver: '2.0',
  };
}

/** MSAL's `client_info`: base64url JSON of the user's object id and tenant id. */
export function clientInfo(user: FixtureUser, tenantId: string): string {
  return Buffer.from(JSON.stringify({ uid: user.id, utid: tenantId })).toString('base64url');
}
