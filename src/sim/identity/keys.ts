/**
 * The simulated Entra tenant's token-signing keys: RSA 2048, RS256, each with a `kid`.
 * Entra publishes more than one key so that relying parties can follow a rollover; here the
 * JWKS holds the current key and, after a rotation, the previous one, and tokens signed by
 * either stay valid until they expire (as Entra keeps a retired key published for a while).
 */
import { constants, createHash, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface PublicJwk {
  kty: 'RSA';
  use: 'sig';
  alg: 'RS256';
  kid: string;
  n: string;
  e: string;
  /** Entra lists the issuer a key signs for; relying parties may ignore it. */
  issuer: string;
}

function makeKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  // RFC 7638 thumbprint, as `kid`: stable for a key, different for every new key.
  const canonical = JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n });
  const kid = createHash('sha256').update(canonical).digest('base64url');
  return { kid, privateKey, publicKey };
}

export class SigningKeys {
  private current: SigningKey = makeKey();
  private previous: SigningKey | undefined;

  /** Starts using a new key; the old one stays published (and accepted) as the previous key. */
  rotate(): { kid: string; previousKid: string } {
    this.previous = this.current;
    this.current = makeKey();
    return { kid: this.current.kid, previousKid: this.previous.kid };
  }

  get currentKid(): string {
    return this.current.kid;
  }

  jwks(issuer: string): { keys: PublicJwk[] } {
    const keys = [this.current, ...(this.previous ? [this.previous] : [])];
    return {
      keys: keys.map((k) => {
        const jwk = k.publicKey.export({ format: 'jwk' });
        return { kty: 'RSA', use: 'sig', alg: 'RS256', kid: k.kid, n: String(jwk.n), e: String(jwk.e), issuer };
      }),
    };
  }

  /** Signs a JWT with the current key (header `alg` RS256, `typ` JWT, `kid`). */
  async sign(claims: JWTPayload): Promise<string> {
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.current.kid }).sign(this.current.privateKey);
  }

  /**
   * Verifies a compact JWS synchronously (resource checks run inside synchronous handlers):
   * RS256 only, signed by the current or previous key. Returns the payload, or why not.
   */
  verify(token: string): { ok: true; payload: Record<string, unknown> } | { ok: false; reason: string } {
    const parts = token.split('.');
    if (parts.length !== 3) return { ok: false, reason: 'IDX14100: JWT is not well formed, there are no dots (.) or not three parts.' };
    const [h, p, s] = parts as [string, string, string];
    let header: Record<string, unknown>;
    let payload: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, unknown>;
      payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      return { ok: false, reason: 'IDX14102: Unable to decode the header or payload as Base64Url encoded JSON.' };
    }
    if (typeof header !== 'object' || header === null || typeof payload !== 'object' || payload === null) {
      return { ok: false, reason: 'IDX14102: Unable to decode the header or payload.' };
    }
    if (header.alg !== 'RS256') return { ok: false, reason: `IDX10511: Signature validation failed. Algorithm '${String(header.alg)}' is not supported.` };
    const key = [this.current, this.previous].find((k) => k && k.kid === header.kid);
    if (!key) return { ok: false, reason: `IDX10503: Signature validation failed. Token does not have a kid or the kid '${String(header.kid)}' is not among the signing keys.` };
    const good = verify('sha256', Buffer.from(`${h}.${p}`), key.publicKey, Buffer.from(s, 'base64url'));
    if (!good) return { ok: false, reason: 'IDX10511: Signature validation failed.' };
    return { ok: true, payload };
  }
}

/** Verifies an RS256/PS256 signature of a compact JWS with a given public key (client assertions). */
export function verifyJwsWith(token: string, alg: string, publicKey: KeyObject): boolean {
  const [h, p, s] = token.split('.');
  if (h === undefined || p === undefined || s === undefined) return false;
  const data = Buffer.from(`${h}.${p}`);
  const sig = Buffer.from(s, 'base64url');
  if (alg === 'RS256') return verify('sha256', data, publicKey, sig);
  if (alg === 'PS256') return verify('sha256', data, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig);
  return false;
}

