/**
 * Bearer-token checks with `jose` against the tenant's signing keys, found through its OpenID
 * discovery document (cached per tenant; jose's remote key set refetches on an unknown `kid`).
 * Both access-token formats are accepted: v1 (`iss` https://sts.windows.net/{tid}/, `aud` the
 * identifier URI) and v2 (`iss` {authority}/{tid}/v2.0, `aud` the client id).
 */
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { z } from 'zod';

export const ROLE_ADMIN = 'Retract.Admin';
export const ROLE_AUDITOR = 'Retract.Auditor';
export const SCOPE_USER = 'access_as_user';

export interface Principal {
  tenantId: string;
  /** The directory object id of the user, or of the client app's service principal. */
  oid: string;
  /** The user's sign-in name as the token shows it (display only, never used to decide). */
  upn?: string;
  /** The client application's id (azp in v2, appid in v1). */
  app?: string;
  roles: string[];
  /** True for an app-only token (client credentials), false for a signed-in user. */
  appOnly: boolean;
}

export interface TokenVerifierOptions {
  authorityHost: string;
  clientId: string;
  identifierUri?: string;
  allowedTenants: string[];
  /** Allowed clock difference for exp/nbf, seconds. */
  clockToleranceSec?: number;
}

export class TokenRefused extends Error {
  constructor(public readonly reason: string) {
    super(reason);
    this.name = 'TokenRefused';
  }
}

const discoverySchema = z.object({ jwks_uri: z.string().url() });

const claimsSchema = z.object({
  tid: z.string().min(1),
  oid: z.string().min(1),
  ver: z.enum(['1.0', '2.0']),
  roles: z.array(z.string()).optional(),
  scp: z.string().optional(),
  azp: z.string().optional(),
  appid: z.string().optional(),
  idtyp: z.string().optional(),
  preferred_username: z.string().optional(),
  upn: z.string().optional(),
  unique_name: z.string().optional(),
});

export interface TokenVerifier {
  verify(authorization: string | null | undefined): Promise<Principal>;
}

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const authority = options.authorityHost.replace(/\/+$/, '');
  const allowed = new Set(options.allowedTenants.map((t) => t.toLowerCase()));
  const keySets = new Map<string, Promise<ReturnType<typeof createRemoteJWKSet>>>();
  const audiences = [options.clientId, `api://${options.clientId}`];
  if (options.identifierUri) audiences.push(options.identifierUri);

  const keySetFor = (tid: string): Promise<ReturnType<typeof createRemoteJWKSet>> => {
    let entry = keySets.get(tid);
    if (!entry) {
      entry = (async () => {
        const url = `${authority}/${encodeURIComponent(tid)}/v2.0/.well-known/openid-configuration`;
        const res = await fetch(url, { headers: { accept: 'application/json' } });
        if (!res.ok) throw new Error(`The tenant's discovery document answered ${res.status}.`);
        const doc = discoverySchema.parse(await res.json());
        // A short cooldown so a rotated key is picked up at once, without letting unknown kids
        // hammer the key endpoint.
        return createRemoteJWKSet(new URL(doc.jwks_uri), { cooldownDuration: 1_000, cacheMaxAge: 3_600_000 });
      })();
      entry.catch(() => keySets.delete(tid));
      keySets.set(tid, entry);
    }
    return entry;
  };

  const audOk = (aud: JWTPayload['aud']): boolean => {
    const list = Array.isArray(aud) ? aud : aud ? [aud] : [];
    return list.some(
      (a) => audiences.includes(a) || (a.startsWith('api://') && a.endsWith(`/${options.clientId}`)),
    );
  };

  return {
    async verify(authorization) {
      const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(authorization ?? '');
      if (!match) throw new TokenRefused('no bearer token');
      const token = match[1]!;
      let unverified: JWTPayload;
      try {
        const header = decodeProtectedHeader(token);
        if (header.alg !== 'RS256') throw new TokenRefused(`algorithm ${String(header.alg)} not accepted`);
        unverified = decodeJwt(token);
      } catch (err) {
        if (err instanceof TokenRefused) throw err;
        throw new TokenRefused('malformed token');
      }
      const tid = typeof unverified.tid === 'string' ? unverified.tid.toLowerCase() : '';
      if (!tid || !allowed.has(tid)) throw new TokenRefused('tenant not allowed');

      let payload: JWTPayload;
      try {
        const keys = await keySetFor(tid);
        ({ payload } = await jwtVerify(token, keys, {
          algorithms: ['RS256'],
          clockTolerance: options.clockToleranceSec ?? 60,
          requiredClaims: ['exp', 'iss', 'aud', 'tid'],
        }));
      } catch (err) {
        if (err instanceof errors.JWTExpired) throw new TokenRefused('token expired');
        if (err instanceof errors.JWTClaimValidationFailed && err.claim === 'nbf') throw new TokenRefused('token not yet valid');
        if (err instanceof errors.JWKSNoMatchingKey) throw new TokenRefused('signed by an unknown key');
        if (err instanceof errors.JWSSignatureVerificationFailed) throw new TokenRefused('signature invalid');
        if (err instanceof errors.JOSEError) throw new TokenRefused(`token invalid (${err.code})`);
        throw new TokenRefused('signing keys unavailable');
      }

      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) throw new TokenRefused('token claims incomplete');
      const c = claims.data;
      if (c.tid.toLowerCase() !== tid) throw new TokenRefused('tenant not allowed');
      const expectedIss = c.ver === '1.0' ? `https://sts.windows.net/${c.tid}/` : `${authority}/${c.tid}/v2.0`;
      if (payload.iss !== expectedIss) throw new TokenRefused('wrong issuer');
      if (!audOk(payload.aud)) throw new TokenRefused('wrong audience');

      const appOnly = c.scp === undefined && (c.idtyp === undefined || c.idtyp === 'app');
      if (!appOnly) {
        const scopes = (c.scp ?? '').split(' ');
        if (!scopes.includes(SCOPE_USER)) throw new TokenRefused(`delegated token without ${SCOPE_USER}`);
      }
      return {
        tenantId: c.tid.toLowerCase(),
        oid: c.oid,
        upn: c.preferred_username ?? c.upn ?? c.unique_name,
        app: c.azp ?? c.appid,
        roles: c.roles ?? [],
        appOnly,
      };
    },
  };
}
