/**
 * The simulated tenant's Entra ID. `createIdentity(ctx)` returns the part the server
 * registers (OIDC discovery, JWKS, token, authorize, admin consent, logout, and its `/_sim`
 * controls) and the `authorize` check Graph and Exchange routes call.
 *
 * Endpoints, under `{origin}/{tenantId}` as on login.microsoftonline.com:
 *   GET  /v2.0/.well-known/openid-configuration   (and the v1 form /.well-known/openid-configuration)
 *   GET  /discovery/v2.0/keys                      (and /discovery/keys)
 *   POST /oauth2/v2.0/token                        client_credentials, authorization_code, refresh_token, password
 *   GET  /oauth2/v2.0/authorize                    sign-in page; POST is the page's form
 *   GET  /adminconsent, /v2.0/adminconsent         admin consent page; POST is its form
 *   GET  /oauth2/v2.0/logout
 * Test and demo controls:
 *   POST /_sim/keys/rotate                         → { kid, previousKid }
 *   POST /_sim/apps/{clientId}/certificates        body { certificate: PEM } → 201 { thumbprint, thumbprintSha256 }
 *   PUT  /_sim/apps/{clientId}/consent             body { adminConsent: boolean } → { clientId, adminConsent }
 */
import { z } from 'zod';
import type { SimRequest, SimResponse, SimRouter } from '../http';
import { json, parseJsonBody } from '../http';
import type { SimContext, SimIdentity, SimPart } from '../context';
import { checkAccess } from './access';
import { v1Issuer, v2Issuer } from './claims';
import { Directory } from './directory';
import { header } from './errors';
import { Interactive } from './interactive';
import { Issuer } from './issuer';
import { SigningKeys } from './keys';
import { TokenEndpoint } from './token-endpoint';

export type IdentityContext = Omit<SimContext, 'identity'>;

const certificateBody = z.object({ certificate: z.string().min(1) });
const consentBody = z.object({ adminConsent: z.boolean() });

/** Discovery and key documents are public and answered to any origin, as Entra does. */
const PUBLIC_CORS = { 'access-control-allow-origin': '*' };

function preflight(req: SimRequest): SimResponse {
  return {
    status: 204,
    body: '',
    headers: {
      'access-control-allow-origin': header(req, 'origin') ?? '*',
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': header(req, 'access-control-request-headers') ?? 'content-type',
      'access-control-max-age': '86400',
    },
  };
}

function simError(status: number, message: string): SimResponse {
  return json(status, { error: { code: status === 404 ? 'NotFound' : 'BadRequest', message } });
}

export function createIdentity(ctx: IdentityContext): SimIdentity & SimPart {
  const keys = new SigningKeys();
  const directory = new Directory(ctx.fixture);
  const tenantId = ctx.tenantId;
  // The origin is read at each use: a server on port 0 learns it only once it listens.
  const origin = () => ctx.origin.replace(/\/+$/, '');
  const now = () => ctx.now();
  const issuer = new Issuer(keys, directory, origin, now);
  const tokenUrl = () => `${origin()}/${tenantId}/oauth2/v2.0/token`;
  const tokens = new TokenEndpoint(issuer, tokenUrl, now);
  const interactive = new Interactive(issuer, now);

  const tenantMatches = (req: SimRequest) => {
    const t = (req.params.tenant ?? '').toLowerCase();
    return t === tenantId.toLowerCase() || t === directory.tenantName.toLowerCase();
  };
  const unknownTenant = (req: SimRequest): SimResponse =>
    json(400, {
      error: 'invalid_tenant',
      error_description: `AADSTS90002: Tenant '${req.params.tenant ?? ''}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      error_codes: [90002],
    });

  function openIdConfiguration(v2: boolean) {
    const base = `${origin()}/${tenantId}`;
    return {
      token_endpoint: `${base}/oauth2/${v2 ? 'v2.0/' : ''}token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/${v2 ? 'v2.0/' : ''}keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: v2 ? v2Issuer(origin(), tenantId) : v1Issuer(tenantId),
      request_uri_parameter_supported: false,
      // Simplification: no userinfo endpoint is served; the field points where Entra's does.
      userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
      authorization_endpoint: `${base}/oauth2/${v2 ? 'v2.0/' : ''}authorize`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/${v2 ? 'v2.0/' : ''}logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
    };
  }

  const identity: SimIdentity & SimPart = {
    authorize(req, resource, permissions) {
      return checkAccess(req, resource, permissions, { keys, origin: origin(), tenantId, now: now() });
    },

    register(router: SimRouter) {
      for (const [path, v2] of [
        ['/:tenant/v2.0/.well-known/openid-configuration', true],
        ['/:tenant/.well-known/openid-configuration', false],
      ] as const) {
        router.get(path, (req) => (tenantMatches(req) ? json(200, openIdConfiguration(v2), PUBLIC_CORS) : unknownTenant(req)));
        router.add('OPTIONS', path, preflight);
      }
      for (const path of ['/:tenant/discovery/v2.0/keys', '/:tenant/discovery/keys']) {
        router.get(path, (req) => (tenantMatches(req) ? json(200, keys.jwks(v2Issuer(origin(), tenantId)), PUBLIC_CORS) : unknownTenant(req)));
        router.add('OPTIONS', path, preflight);
      }
      router.post('/:tenant/oauth2/v2.0/token', (req) => (tenantMatches(req) ? tokens.handle(req) : unknownTenant(req)));
      router.add('OPTIONS', '/:tenant/oauth2/v2.0/token', preflight);
      router.get('/:tenant/oauth2/v2.0/authorize', (req) => interactive.authorize(req));
      router.post('/:tenant/oauth2/v2.0/authorize', (req) => interactive.submit(req));
      router.get('/:tenant/oauth2/v2.0/logout', (req) => interactive.logout(req));
      router.get('/:tenant/adminconsent', (req) => interactive.adminConsent(req, false));
      router.post('/:tenant/adminconsent', (req) => interactive.submit(req));
      router.get('/:tenant/v2.0/adminconsent', (req) => interactive.adminConsent(req, true));
      router.post('/:tenant/v2.0/adminconsent', (req) => interactive.submit(req));

      router.post('/_sim/keys/rotate', () => json(200, keys.rotate()));
      router.post('/_sim/apps/:clientId/certificates', (req) => {
        const app = directory.app(req.params.clientId ?? '');
        if (!app) return simError(404, `No fixture app has the client id ${req.params.clientId ?? ''}.`);
        const body = certificateBody.safeParse(parseJsonBody(req));
        if (!body.success) return simError(400, 'Send { "certificate": "<PEM of the public certificate>" }.');
        try {
          const cert = directory.addCertificate(app, body.data.certificate);
          return json(201, { clientId: app.clientId, thumbprint: cert.fingerprint.replace(/:/g, ''), thumbprintSha256: cert.fingerprint256.replace(/:/g, '') });
        } catch {
          return simError(400, 'The certificate is not a PEM-encoded X.509 certificate.');
        }
      });
      router.put('/_sim/apps/:clientId/consent', (req) => {
        const app = directory.app(req.params.clientId ?? '');
        if (!app) return simError(404, `No fixture app has the client id ${req.params.clientId ?? ''}.`);
        const body = consentBody.safeParse(parseJsonBody(req));
        if (!body.success) return simError(400, 'Send { "adminConsent": true | false }.');
        directory.setAdminConsent(app, body.data.adminConsent);
        return json(200, { clientId: app.clientId, adminConsent: body.data.adminConsent });
      });
    },
  };
  return identity;
}
