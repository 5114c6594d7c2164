/**
 * Issuing tokens, and the short-lived state behind them: authorization codes (one use, ten
 * minutes, bound to the redirect URI and PKCE challenge), refresh tokens (opaque, as Entra's
 * are, rotated on use) and sign-in sessions (a cookie on the authority's origin, used by
 * `prompt=none`).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { FixtureApp, FixtureUser } from '../fixture';
import { accessTokenClaims, ACCESS_TOKEN_SECONDS, clientInfo, idTokenClaims, type ClientAuthMethod } from './claims';
import { API_SCOPE, type Directory, type Resource } from './directory';
import type { SigningKeys } from './keys';

export interface AuthCodeGrant {
  clientId: string;
  redirectUri: string;
  scope: string;
  userId: string;
  sid: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  expiresAt: number;
  authTime: Date;
}

interface RefreshGrant {
  clientId: string;
  userId: string;
  sid: string;
  expiresAt: number;
  authTime: Date;
}

export interface Session {
  sid: string;
  userId: string;
  authTime: Date;
}

const CODE_MS = 10 * 60_000;
// Entra gives single-page apps 24-hour refresh tokens and others 90 days.
const REFRESH_MS = 24 * 3_600_000;

export type DelegatedOutcome =
  | { ok: true; scp: string; roles: string[] }
  | { ok: false; aadsts: number; error: 'invalid_scope' | 'invalid_grant'; text: string };

export class Issuer {
  private readonly codes = new Map<string, AuthCodeGrant>();
  private readonly refreshTokens = new Map<string, RefreshGrant>();
  readonly sessions = new Map<string, Session>();

  constructor(
    readonly keys: SigningKeys,
    readonly directory: Directory,
    private readonly origin: () => string,
    private readonly now: () => Date,
  ) {}

  /** Which delegated permissions a user gets on a resource, and their app roles there. */
  delegated(resource: Resource, permissions: readonly string[], user: FixtureUser, client: FixtureApp): DelegatedOutcome {
    const granted: string[] = [];
    for (const p of permissions) {
      if (p === '.default') {
        granted.push(...resource.scopes);
        continue;
      }
      if (!resource.scopes.includes(p)) {
        if (resource.kind === 'api') {
          return { ok: false, aadsts: 65005, error: 'invalid_scope', text: `The application '${client.name}' asked for scope '${p}' that doesn't exist on the resource '${resource.audience}'. Contact the app vendor.` };
        }
        return {
          ok: false,
          aadsts: 65001,
          error: 'invalid_grant',
          text: `The user or administrator has not consented to use the application with ID '${client.clientId}' named '${client.name}'. Send an interactive authorization request for this user and resource.`,
        };
      }
      granted.push(p);
    }
    if (granted.length === 0) {
      return { ok: false, aadsts: 65001, error: 'invalid_grant', text: `The user or administrator has not consented to use the application with ID '${client.clientId}' named '${client.name}'. Send an interactive authorization request for this user and resource.` };
    }
    // User app roles exist only on the API that defines them.
    const roles = resource.kind === 'api' ? [...(user.appRoles ?? [])].filter((r) => (resource.app?.appRoles ?? [r]).includes(r)) : [];
    const scp = [...new Set(granted)].join(' ');
    return { ok: true, scp, roles };
  }

  async appToken(client: FixtureApp, resource: Resource, roles: string[], authMethod: ClientAuthMethod): Promise<Record<string, unknown>> {
    const claims = accessTokenClaims({ origin: this.origin(), tenantId: this.directory.tenantId, resource, client, authMethod, now: this.now(), roles });
    return {
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_SECONDS,
      ext_expires_in: ACCESS_TOKEN_SECONDS,
      access_token: await this.keys.sign(claims),
    };
  }

  /** The token response of a delegated grant (code, refresh token, password). */
  async userTokens(opts: {
    client: FixtureApp;
    user: FixtureUser;
    resource: Resource;
    scp: string;
    roles: string[];
    oidc: readonly string[];
    authMethod: ClientAuthMethod;
    sid: string;
    authTime: Date;
    nonce?: string;
    wantClientInfo: boolean;
  }): Promise<Record<string, unknown>> {
    const now = this.now();
    const origin = this.origin();
    const tenantId = this.directory.tenantId;
    const access = accessTokenClaims({ origin, tenantId, resource: opts.resource, client: opts.client, authMethod: opts.authMethod, now, roles: opts.roles, user: opts.user, scp: opts.scp });
    const oidc = opts.oidc.map((s) => s.toLowerCase());
    const resourceScopes = opts.scp.split(' ').map((s) => (opts.resource.kind === 'graph' ? s : `${opts.resource.identifier}/${s}`));
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      scope: [...new Set([...resourceScopes, ...oidc.filter((s) => s !== 'offline_access')])].join(' '),
      expires_in: ACCESS_TOKEN_SECONDS,
      ext_expires_in: ACCESS_TOKEN_SECONDS,
      access_token: await this.keys.sign(access),
    };
    if (oidc.includes('offline_access')) {
      const rt = randomBytes(48).toString('base64url');
      this.refreshTokens.set(rt, { clientId: opts.client.clientId, userId: opts.user.id, sid: opts.sid, expiresAt: now.getTime() + REFRESH_MS, authTime: opts.authTime });
      body.refresh_token = rt;
      body.refresh_token_expires_in = REFRESH_MS / 1000;
    }
    if (oidc.includes('openid')) {
      body.id_token = await this.keys.sign(
        idTokenClaims({ origin, tenantId, client: opts.client, user: opts.user, now, nonce: opts.nonce, sid: opts.sid, authTime: opts.authTime }),
      );
    }
    if (opts.wantClientInfo) body.client_info = clientInfo(opts.user, tenantId);
    return body;
  }

  newSession(user: FixtureUser): Session {
    const s: Session = { sid: randomUUID(), userId: user.id, authTime: this.now() };
    this.sessions.set(s.sid, s);
    return s;
  }

  newCode(grant: Omit<AuthCodeGrant, 'expiresAt'>): string {
    // Entra's codes are long opaque strings; their form carries no meaning for clients.
    const code = `1.${randomBytes(64).toString('base64url')}`;
    const now = this.now().getTime();
    for (const [k, g] of this.codes) if (g.expiresAt < now) this.codes.delete(k);
    for (const [k, until] of this.usedCodes) if (until < now) this.usedCodes.delete(k);
    for (const [k, g] of this.refreshTokens) if (g.expiresAt < now) this.refreshTokens.delete(k);
    this.codes.set(code, { ...grant, expiresAt: now + CODE_MS });
    return code;
  }

  /** Takes a code out (codes are one-use): `'unknown'`, `'used'`, `'expired'`, or its grant. */
  redeemCode(code: string): AuthCodeGrant | 'unknown' | 'expired' | 'used' {
    const grant = this.codes.get(code);
    if (!grant) return this.usedCodes.has(code) ? 'used' : 'unknown';
    this.codes.delete(code);
    // Remembered as redeemed while it would have been valid, to answer AADSTS54005.
    this.usedCodes.set(code, grant.expiresAt);
    if (grant.expiresAt < this.now().getTime()) return 'expired';
    return grant;
  }
  private readonly usedCodes = new Map<string, number>();

  redeemRefreshToken(rt: string): RefreshGrant | 'unknown' | 'expired' {
    const grant = this.refreshTokens.get(rt);
    if (!grant) return 'unknown';
    // Rotated on use, as Entra's are (the old one stops working once a new one is issued).
    this.refreshTokens.delete(rt);
    if (grant.expiresAt < this.now().getTime()) return 'expired';
    return grant;
  }
}

export function pkceMatches(verifier: string, challenge: string, method: string | undefined): boolean {
  if (!method || method === 'plain') return verifier === challenge;
  if (method !== 'S256') return false;
  return createHash('sha256').update(verifier).digest('base64url') === challenge;
}

export { API_SCOPE };
