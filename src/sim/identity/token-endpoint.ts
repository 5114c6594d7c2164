/**
 * `POST /{tenant}/oauth2/v2.0/token`: client authentication (secret in the body or Basic,
 * certificate `client_assertion`, or none for public clients) and the grants
 * `client_credentials`, `authorization_code` (with PKCE), `refresh_token` and `password`.
 * Errors carry Entra's AADSTS codes and texts.
 */
import { createPublicKey, timingSafeEqual, X509Certificate } from 'node:crypto';
import type { SimRequest, SimResponse } from '../http';
import { json } from '../http';
import type { FixtureApp } from '../fixture';
import type { ClientAuthMethod } from './claims';
import { entraError, header, type EntraErrorCode } from './errors';
import { isAllowedRedirectUri } from './directory';
import { pkceMatches, type Issuer } from './issuer';
import { verifyJwsWith } from './keys';
import { parseScopes } from './scopes';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

type Fail = { fail: SimResponse };

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function decodePart(part: string | undefined): Record<string, unknown> | undefined {
  if (!part) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export class TokenEndpoint {
  constructor(
    private readonly issuer: Issuer,
    private readonly tokenUrl: () => string,
    private readonly now: () => Date,
  ) {}

  private err(req: SimRequest, error: EntraErrorCode, aadsts: number, text: string): Fail {
    return { fail: entraError(req, this.now(), error, aadsts, text) };
  }

  private notFound(req: SimRequest, clientId: string): Fail {
    const d = this.issuer.directory;
    return this.err(
      req,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${d.tenantName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );
  }

  /** Who the client is and how it proved it. `required` is false for public-client grants. */
  private authenticateClient(req: SimRequest, form: URLSearchParams, required: boolean): { app: FixtureApp; method: ClientAuthMethod } | Fail {
    let clientId = form.get('client_id') ?? undefined;
    let secret = form.get('client_secret') ?? undefined;
    const auth = header(req, 'authorization');
    if (auth && /^basic /i.test(auth)) {
      const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return this.err(req, 'invalid_client', 7000216, 'The Authorization header is not well formed.');
      // RFC 6749 §2.3.1: both parts are form-urlencoded before being joined.
      const basicId = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
      const basicSecret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
      if (clientId && clientId.toLowerCase() !== basicId.toLowerCase()) {
        return this.err(req, 'invalid_request', 50145, 'The client_id in the request body does not match the one in the Authorization header.');
      }
      clientId = basicId;
      secret = basicSecret;
    }
    const assertion = form.get('client_assertion') ?? undefined;
    if (!clientId && assertion) clientId = String(decodePart(assertion.split('.')[1])?.iss ?? '');
    if (!clientId) return this.err(req, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
    const app = this.issuer.directory.app(clientId);
    if (!app) return this.notFound(req, clientId);
    if (secret !== undefined) {
      if (!sameSecret(secret, app.secret)) {
        return this.err(
          req,
          'invalid_client',
          7000215,
          `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
        );
      }
      return { app, method: 1 };
    }
    if (assertion !== undefined) {
      if (form.get('client_assertion_type') !== ASSERTION_TYPE) {
        return this.err(req, 'invalid_request', 50027, `Invalid client_assertion_type; expected '${ASSERTION_TYPE}'.`);
      }
      const checked = this.checkAssertion(req, app, assertion);
      if ('fail' in checked) return checked;
      return { app, method: 2 };
    }
    if (required) return this.err(req, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    return { app, method: 0 };
  }

  /**
   * A certificate credential: a JWT signed by the certificate's key, naming it by SHA-1 (`x5t`,
   * RS256) or SHA-256 (`x5t#S256`, PS256) thumbprint. The key is found among certificates
   * uploaded through `POST /_sim/apps/{clientId}/certificates`, or, when the fixture gives only
   * `certificateThumbprint`, in the assertion's own `x5c` chain provided its thumbprint is the
   * registered one (the simulator cannot know a public key from a thumbprint alone).
   */
  private checkAssertion(req: SimRequest, app: FixtureApp, assertion: string): { ok: true } | Fail {
    const [h, p] = assertion.split('.');
    const head = decodePart(h);
    const body = decodePart(p);
    if (!head || !body) return this.err(req, 'invalid_client', 50027, 'Invalid JWT token. The token is not in a valid format.');
    const alg = String(head.alg ?? '');
    const x5t = typeof head.x5t === 'string' ? Buffer.from(head.x5t, 'base64url').toString('hex').toUpperCase() : undefined;
    const x5t256 = typeof head['x5t#S256'] === 'string' ? Buffer.from(head['x5t#S256'], 'base64url').toString('hex').toUpperCase() : undefined;
    const candidates: X509Certificate[] = [...this.issuer.directory.registeredCertificates(app)];
    const fixtureThumb = app.certificateThumbprint?.replace(/[^0-9a-f]/gi, '').toUpperCase();
    if (Array.isArray(head.x5c) && typeof head.x5c[0] === 'string' && fixtureThumb) {
      try {
        const leaf = new X509Certificate(Buffer.from(head.x5c[0], 'base64'));
        if (leaf.fingerprint.replace(/:/g, '') === fixtureThumb) candidates.push(leaf);
      } catch {
        // Not a certificate: treated as no key below.
      }
    }
    const thumbOf = (c: X509Certificate) => ({ sha1: c.fingerprint.replace(/:/g, ''), sha256: c.fingerprint256.replace(/:/g, '') });
    const cert = candidates.find((c) => (x5t && thumbOf(c).sha1 === x5t) || (x5t256 && thumbOf(c).sha256 === x5t256));
    if (!cert) {
      return this.err(
        req,
        'invalid_client',
        700027,
        `Client assertion failed signature validation. [Reason - The key was not found., Thumbprint of key used by client: '${x5t ?? x5t256 ?? ''}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${app.clientId}'.]`,
      );
    }
    if (!verifyJwsWith(assertion, alg, createPublicKey(cert.publicKey.export({ type: 'spki', format: 'pem' })))) {
      return this.err(req, 'invalid_client', 700027, 'Client assertion contains an invalid signature.');
    }
    const issuerV2 = `${this.tokenUrl().replace(/\/oauth2\/v2\.0\/token$/, '')}/v2.0`;
    const aud = body.aud;
    if (aud !== this.tokenUrl() && aud !== issuerV2) {
      return this.err(req, 'invalid_client', 700021, `Client assertion audience claim does not match Realm issuer. Review the documentation at https://aka.ms/certCredentials .`);
    }
    if (String(body.iss).toLowerCase() !== app.clientId.toLowerCase() || String(body.sub).toLowerCase() !== app.clientId.toLowerCase()) {
      return this.err(req, 'invalid_client', 700023, `Client assertion issuer and subject must both be the client id '${app.clientId}'.`);
    }
    const nowS = Math.floor(this.now().getTime() / 1000);
    const exp = Number(body.exp);
    const nbf = body.nbf === undefined ? nowS : Number(body.nbf);
    if (!Number.isFinite(exp) || exp < nowS - 300 || nbf > nowS + 300) {
      return this.err(req, 'invalid_client', 700024, 'Client assertion is not within its valid time range.');
    }
    return { ok: true };
  }

  async handle(req: SimRequest): Promise<SimResponse> {
    const type = header(req, 'content-type') ?? '';
    const form = new URLSearchParams(type.includes('application/x-www-form-urlencoded') ? req.body.toString('utf8') : '');
    const grant = form.get('grant_type');
    if (!grant) return entraError(req, this.now(), 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
    let out: SimResponse | Fail;
    switch (grant) {
      case 'client_credentials':
        out = await this.clientCredentials(req, form);
        break;
      case 'authorization_code':
        out = await this.authorizationCode(req, form);
        break;
      case 'refresh_token':
        out = await this.refreshToken(req, form);
        break;
      case 'password':
        out = await this.password(req, form);
        break;
      default:
        return entraError(req, this.now(), 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    }
    const res = 'fail' in out ? out.fail : out;
    // Entra answers cross-origin redemption (single-page apps), errors included, so the page
    // can read why.
    const origin = header(req, 'origin');
    if (origin) res.headers = { ...(res.headers ?? {}), 'access-control-allow-origin': origin };
    return res;
  }

  private ok(_req: SimRequest, body: Record<string, unknown>): SimResponse {
    return json(200, body, { 'cache-control': 'no-store, no-cache', pragma: 'no-cache' });
  }

  private async clientCredentials(req: SimRequest, form: URLSearchParams): Promise<SimResponse | Fail> {
    const client = this.authenticateClient(req, form, true);
    if ('fail' in client) return client;
    const d = this.issuer.directory;
    const scope = form.get('scope') ?? '';
    const scopes = scope.split(/\s+/).filter(Boolean);
    if (scopes.length !== 1 || !scopes[0]!.endsWith('/.default')) {
      return this.err(
        req,
        'invalid_scope',
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    }
    const parsed = parseScopes(d, scope, d.tenantName);
    if (!parsed.ok) return this.err(req, parsed.error, parsed.aadsts, parsed.text);
    const { roles, needsConsent } = d.applicationRoles(client.app, parsed.resource);
    if (needsConsent && !d.hasAdminConsent(client.app)) {
      return this.err(
        req,
        'invalid_grant',
        65001,
        `The user or administrator has not consented to use the application with ID '${client.app.clientId}' named '${client.app.name}'. Send an interactive authorization request for this user and resource.`,
      );
    }
    return this.ok(req, await this.issuer.appToken(client.app, parsed.resource, roles, client.method));
  }

  private async authorizationCode(req: SimRequest, form: URLSearchParams): Promise<SimResponse | Fail> {
    const client = this.authenticateClient(req, form, false);
    if ('fail' in client) return client;
    const code = form.get('code');
    if (!code) return this.err(req, 'invalid_request', 900144, "The request body must contain the following parameter: 'code'.");
    const grant = this.issuer.redeemCode(code);
    if (grant === 'used') return this.err(req, 'invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.');
    if (grant === 'unknown') return this.err(req, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid. - The authorization code is not valid.');
    if (grant === 'expired') return this.err(req, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.');
    if (grant.clientId.toLowerCase() !== client.app.clientId.toLowerCase()) {
      return this.err(req, 'invalid_grant', 70000, 'The provided authorization code was issued to another client.');
    }
    const redirectUri = form.get('redirect_uri');
    if (!redirectUri || redirectUri !== grant.redirectUri || !isAllowedRedirectUri(redirectUri)) {
      return this.err(req, 'invalid_grant', 50011, `The redirect URI '${redirectUri ?? ''}' specified in the request does not match the redirect URIs configured for the application '${client.app.clientId}'.`);
    }
    if (grant.codeChallenge) {
      const verifier = form.get('code_verifier');
      if (!verifier) return this.err(req, 'invalid_grant', 50148, 'The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.');
      if (!pkceMatches(verifier, grant.codeChallenge, grant.codeChallengeMethod)) {
        return this.err(req, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.');
      }
    }
    const user = this.issuer.directory.user(grant.userId);
    if (!user) return this.err(req, 'invalid_grant', 50034, 'The user account does not exist in the directory.');
    // The token request may name the scopes again; the code's own scopes are what was consented.
    return this.delegatedTokens(req, form, client, user.id, form.get('scope') ?? grant.scope, grant.sid, grant.authTime, grant.nonce);
  }

  private async refreshToken(req: SimRequest, form: URLSearchParams): Promise<SimResponse | Fail> {
    const client = this.authenticateClient(req, form, false);
    if ('fail' in client) return client;
    const rt = form.get('refresh_token');
    if (!rt) return this.err(req, 'invalid_request', 900144, "The request body must contain the following parameter: 'refresh_token'.");
    const grant = this.issuer.redeemRefreshToken(rt);
    if (grant === 'unknown') return this.err(req, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid. - The refresh token is not valid.');
    if (grant === 'expired') return this.err(req, 'invalid_grant', 700084, 'The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of 1.00:00:00, which cannot be extended. It is now expired and a new sign in request must be sent by the SPA to the sign in page.');
    if (grant.clientId.toLowerCase() !== client.app.clientId.toLowerCase()) {
      return this.err(req, 'invalid_grant', 70000, 'Provided grant is invalid or malformed. The refresh token was issued to a different client.');
    }
    return this.delegatedTokens(req, form, client, grant.userId, form.get('scope'), grant.sid, grant.authTime, undefined);
  }

  /** ROPC: Entra allows it for public clients (and confidential ones) of users without MFA. */
  private async password(req: SimRequest, form: URLSearchParams): Promise<SimResponse | Fail> {
    const client = this.authenticateClient(req, form, false);
    if ('fail' in client) return client;
    const username = form.get('username') ?? '';
    const password = form.get('password') ?? '';
    const d = this.issuer.directory;
    const user = d.user(username);
    if (!user) return this.err(req, 'invalid_grant', 50034, `The user account {EUII Hidden} does not exist in the ${d.tenantId} directory. To sign into this application, the account must be added to the directory.`);
    if (user.password === undefined || !sameSecret(password, user.password)) {
      return this.err(req, 'invalid_grant', 50126, 'Error validating credentials due to invalid username or password.');
    }
    const session = this.issuer.newSession(user);
    return this.delegatedTokens(req, form, client, user.id, form.get('scope'), session.sid, session.authTime, undefined);
  }

  private async delegatedTokens(
    req: SimRequest,
    form: URLSearchParams,
    client: { app: FixtureApp; method: ClientAuthMethod },
    userId: string,
    scope: string | null,
    sid: string,
    authTime: Date,
    nonce: string | undefined,
  ): Promise<SimResponse | Fail> {
    const d = this.issuer.directory;
    const user = d.user(userId);
    if (!user) return this.err(req, 'invalid_grant', 50034, 'The user account does not exist in the directory.');
    const parsed = parseScopes(d, scope, d.tenantName);
    if (!parsed.ok) return this.err(req, parsed.error, parsed.aadsts, parsed.text);
    const granted = this.issuer.delegated(parsed.resource, parsed.permissions, user, client.app);
    if (!granted.ok) return this.err(req, granted.error, granted.aadsts, granted.text);
    const scp = parsed.onlyOidc ? ['openid', 'profile', 'email', granted.scp].join(' ') : granted.scp;
    const body = await this.issuer.userTokens({
      client: client.app,
      user,
      resource: parsed.resource,
      scp,
      roles: granted.roles,
      oidc: parsed.oidc,
      authMethod: client.method,
      sid,
      authTime,
      nonce,
      wantClientInfo: form.get('client_info') === '1',
    });
    return this.ok(req, body);
  }
}
