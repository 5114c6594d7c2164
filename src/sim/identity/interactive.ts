/**
 * Entra's browser-facing endpoints: `/oauth2/v2.0/authorize` (sign-in page, then a code sent to
 * the redirect URI in the response mode asked for), `/adminconsent` and `/v2.0/adminconsent`
 * (an administrator grants an app's application permissions), and `/oauth2/v2.0/logout`.
 * Errors the client can handle go back to its redirect URI as Entra sends them; a bad client
 * id or redirect URI is shown on a page, since sending anything there would be unsafe.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { SimRequest, SimResponse } from '../http';
import type { FixtureApp, FixtureUser } from '../fixture';
import { clientInfo } from './claims';
import { isAllowedRedirectUri } from './directory';
import { entraTimestamp, header } from './errors';
import type { Issuer } from './issuer';
import { formPostPage, messagePage, signInPage } from './pages';
import { parseScopes } from './scopes';

const COOKIE = 'sim_entra_session';
const FLOW_MS = 30 * 60_000;

interface Flow {
  kind: 'authorize' | 'adminconsent';
  client: FixtureApp;
  redirectUri: string;
  params: URLSearchParams;
  expiresAt: number;
  /** `/v2.0/adminconsent` answers with `scope`; `/adminconsent` does not. */
  v2?: boolean;
}

function html(status: number, body: string, headers: Record<string, string> = {}): SimResponse {
  return {
    status,
    body,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store, no-cache',
      'x-frame-options': 'DENY',
      ...headers,
    },
  };
}

function redirect(location: string, headers: Record<string, string> = {}): SimResponse {
  return { status: 302, body: '', headers: { location, 'cache-control': 'no-store, no-cache', ...headers } };
}

function cookie(req: SimRequest, name: string): string | undefined {
  const raw = header(req, 'cookie') ?? '';
  for (const part of raw.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

function withParams(redirectUri: string, mode: string, params: Record<string, string>): string {
  const qs = new URLSearchParams(params).toString();
  if (mode === 'fragment') return `${redirectUri}#${qs}`;
  return `${redirectUri}${redirectUri.includes('?') ? '&' : '?'}${qs}`;
}

export class Interactive {
  private readonly flows = new Map<string, Flow>();

  constructor(
    private readonly issuer: Issuer,
    private readonly now: () => Date,
  ) {}

  private tenantOk(req: SimRequest): boolean {
    const t = req.params.tenant ?? '';
    const d = this.issuer.directory;
    return t.toLowerCase() === d.tenantId.toLowerCase() || t.toLowerCase() === d.tenantName.toLowerCase();
  }

  private errorPage(aadsts: number, text: string): SimResponse {
    const now = this.now();
    return html(400, messagePage('Sorry, but we’re having trouble signing you in.', `AADSTS${aadsts}: ${text} Request Id: ${randomUUID()} Timestamp: ${entraTimestamp(now)}`));
  }

  private sendResult(flow: Flow, result: Record<string, string>, extraHeaders: Record<string, string> = {}): SimResponse {
    const mode = flow.params.get('response_mode') ?? 'query';
    const state = flow.params.get('state');
    const params = { ...result, ...(state !== null ? { state } : {}) };
    if (mode === 'form_post') return html(200, formPostPage(flow.redirectUri, params), extraHeaders);
    return redirect(withParams(flow.redirectUri, mode === 'fragment' ? 'fragment' : 'query', params), extraHeaders);
  }

  private errorResult(flow: Flow, error: string, aadsts: number, text: string, extra: Record<string, string> = {}): SimResponse {
    const now = this.now();
    return this.sendResult(flow, {
      error,
      error_description: `AADSTS${aadsts}: ${text} Trace ID: ${randomUUID()} Correlation ID: ${flow.params.get('client-request-id') ?? randomUUID()} Timestamp: ${entraTimestamp(now)}`,
      error_uri: `https://login.microsoftonline.com/error?code=${aadsts}`,
      ...extra,
    });
  }

  /** Validates client and redirect URI; anything wrong here is shown, never redirected. */
  private start(req: SimRequest, kind: Flow['kind'], params: URLSearchParams): Flow | SimResponse {
    const d = this.issuer.directory;
    if (!this.tenantOk(req)) return this.errorPage(90002, `Tenant '${req.params.tenant ?? ''}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    const clientId = params.get('client_id') ?? '';
    const client = d.app(clientId);
    if (!client) {
      return this.errorPage(700016, `Application with identifier '${clientId}' was not found in the directory '${d.tenantName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`);
    }
    const redirectUri = params.get('redirect_uri') ?? '';
    if (!isAllowedRedirectUri(redirectUri)) {
      return this.errorPage(50011, `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${client.clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.`);
    }
    return { kind, client, redirectUri, params, expiresAt: this.now().getTime() + FLOW_MS };
  }

  private remember(flow: Flow): string {
    // Abandoned sign-ins are forgotten once they expire, so a long demo run does not grow.
    const now = this.now().getTime();
    for (const [k, f] of this.flows) if (f.expiresAt < now) this.flows.delete(k);
    const id = randomBytes(24).toString('base64url');
    this.flows.set(id, flow);
    return id;
  }

  private signInUsers(): FixtureUser[] {
    // Only accounts with a password can sign in here.
    return this.issuer.directory.users().filter((u) => u.password !== undefined);
  }

  private page(req: SimRequest, flowId: string, flow: Flow, error?: string, selected?: string): SimResponse {
    const d = this.issuer.directory;
    const consent = flow.kind === 'adminconsent' ? [...(flow.client.applicationPermissions ?? [])] : undefined;
    return html(
      200,
      signInPage({
        action: req.path,
        flow: flowId,
        users: this.signInUsers(),
        selected: selected ?? flow.params.get('login_hint') ?? undefined,
        error,
        appName: flow.client.name,
        tenantName: d.tenantName,
        consent,
      }),
    );
  }

  /** GET /{tenant}/oauth2/v2.0/authorize */
  authorize(req: SimRequest): SimResponse {
    const flow = this.start(req, 'authorize', req.url.searchParams);
    if (!('kind' in flow)) return flow;
    const p = flow.params;
    const responseType = (p.get('response_type') ?? '').split(' ');
    if (!responseType.includes('code')) {
      return this.errorResult(flow, 'unsupported_response_type', 900144, "The request body must contain the following parameter: 'response_type' with the value 'code'.");
    }
    const d = this.issuer.directory;
    const scopes = parseScopes(d, p.get('scope'), d.tenantName);
    if (!scopes.ok) return this.errorResult(flow, scopes.error, scopes.aadsts, scopes.text);
    if (p.get('code_challenge_method') && !['S256', 'plain'].includes(p.get('code_challenge_method') ?? '')) {
      return this.errorResult(flow, 'invalid_request', 50147, 'The code_challenge_method is not supported. Supported values are S256 and plain.');
    }
    if (p.get('prompt') === 'none') {
      const session = this.issuer.sessions.get(cookie(req, COOKIE) ?? '');
      const user = session ? d.user(session.userId) : undefined;
      if (!session || !user) {
        return this.errorResult(flow, 'login_required', 50058, 'A silent sign-in request was sent but no user is signed in.');
      }
      return this.issueCode(flow, user, session.sid, session.authTime);
    }
    const id = this.remember(flow);
    return this.page(req, id, flow);
  }

  private issueCode(flow: Flow, user: FixtureUser, sid: string, authTime: Date, headers: Record<string, string> = {}): SimResponse {
    const p = flow.params;
    const d = this.issuer.directory;
    const scopes = parseScopes(d, p.get('scope'), d.tenantName);
    if (!scopes.ok) return this.errorResult(flow, scopes.error, scopes.aadsts, scopes.text);
    const granted = this.issuer.delegated(scopes.resource, scopes.permissions, user, flow.client);
    if (!granted.ok) return this.errorResult(flow, granted.error === 'invalid_grant' ? 'consent_required' : granted.error, granted.aadsts, granted.text);
    const code = this.issuer.newCode({
      clientId: flow.client.clientId,
      redirectUri: flow.redirectUri,
      scope: p.get('scope') ?? '',
      userId: user.id,
      sid,
      nonce: p.get('nonce') ?? undefined,
      codeChallenge: p.get('code_challenge') ?? undefined,
      codeChallengeMethod: p.get('code_challenge_method') ?? undefined,
      authTime,
    });
    const result: Record<string, string> = { code };
    if (p.get('client_info') === '1') result.client_info = clientInfo(user, d.tenantId);
    result.session_state = sid;
    return this.sendResult(flow, result, headers);
  }

  /** POST of the sign-in or consent page. */
  submit(req: SimRequest): SimResponse {
    const form = new URLSearchParams(req.body.toString('utf8'));
    const flowId = form.get('flow') ?? '';
    const flow = this.flows.get(flowId);
    if (!flow || flow.expiresAt < this.now().getTime()) {
      this.flows.delete(flowId);
      return this.errorPage(50058, 'Your sign-in session has expired or was already used. Go back to the app and start signing in again.');
    }
    const d = this.issuer.directory;
    if (flow.kind === 'adminconsent' && form.get('decision') === 'cancel') {
      this.flows.delete(flowId);
      return this.consentResult(flow, { error: 'access_denied', error_subcode: 'cancel', error_description: 'AADSTS65004: User declined to consent to access the app.' });
    }
    const username = form.get('username') ?? '';
    const user = d.user(username);
    const password = form.get('password') ?? '';
    if (!user || user.password === undefined || user.password !== password) {
      return this.page(req, flowId, flow, "Your account or password is incorrect. If you don't remember your password, ask your administrator to reset it.", username);
    }
    if (flow.kind === 'adminconsent') {
      // Simplification: the fixture has no directory roles; a user holding Retract.Admin stands
      // in for an administrator who may grant tenant-wide consent.
      if (!(user.appRoles ?? []).includes('Retract.Admin')) {
        return this.page(req, flowId, flow, `${user.displayName} is not an administrator. Ask an administrator to grant these permissions.`, username);
      }
      this.flows.delete(flowId);
      d.setAdminConsent(flow.client, true);
      const v2: Record<string, string> = flow.v2 ? { scope: flow.params.get('scope') ?? '' } : {};
      return this.consentResult(flow, { admin_consent: 'True', tenant: d.tenantId, ...v2 });
    }
    this.flows.delete(flowId);
    const session = this.issuer.newSession(user);
    return this.issueCode(flow, user, session.sid, session.authTime, {
      'set-cookie': `${COOKIE}=${session.sid}; Path=/; Secure; HttpOnly; SameSite=None`,
    });
  }

  private consentResult(flow: Flow, params: Record<string, string>): SimResponse {
    const state = flow.params.get('state');
    const all = { ...params, ...(state !== null ? { state } : {}) };
    return redirect(withParams(flow.redirectUri, 'query', all));
  }

  /** GET /{tenant}/adminconsent and /{tenant}/v2.0/adminconsent */
  adminConsent(req: SimRequest, v2: boolean): SimResponse {
    const flow = this.start(req, 'adminconsent', req.url.searchParams);
    if (!('kind' in flow)) return flow;
    flow.v2 = v2;
    const id = this.remember(flow);
    return this.page(req, id, flow);
  }

  /** GET /{tenant}/oauth2/v2.0/logout */
  logout(req: SimRequest): SimResponse {
    const sid = cookie(req, COOKIE);
    if (sid) this.issuer.sessions.delete(sid);
    const clear = { 'set-cookie': `${COOKIE}=; Path=/; Secure; HttpOnly; SameSite=None; Max-Age=0` };
    const target = req.url.searchParams.get('post_logout_redirect_uri');
    if (target && isAllowedRedirectUri(target)) {
      const state = req.url.searchParams.get('state');
      return redirect(state ? withParams(target, 'query', { state }) : target, clear);
    }
    return html(200, messagePage('You signed out of your account', 'It’s a good idea to close all browser windows.'), clear);
  }
}
