// Sign-in: one MSAL client per page, created once. Nested app authentication where the host has a
// broker (Outlook with NestedAppAuth 1.1, Teams); the standard client elsewhere. Silent first,
// then a popup; a popup the browser blocks becomes "select Sign in", which retries from a click.
import type { AuthenticationResult, Configuration, IPublicClientApplication, PopupRequest, SilentRequest } from '@azure/msal-browser';
import type { Host } from '../hosts/host';
import type { TaskpaneConfig } from './config';

export interface TokenSource {
  /** A bearer token for the Retract API. `forceRefresh` skips the cache (after a 401). */
  getToken(options?: { forceRefresh?: boolean }): Promise<string>;
  /** Interactive sign-in; call it from a click so the popup is not blocked. */
  signIn(): Promise<void>;
}

/** Sign-in failed for a reason the user cannot fix by clicking; the MSAL code is kept for support. */
export class SignInFailedError extends Error {
  constructor(readonly code: string) {
    super(`Sign-in failed (${code || 'unknown error'}). Check your connection and try again; if it persists, ask your administrator to check the app registration.`);
    this.name = 'SignInFailedError';
  }
}

/** The user must act (a click on Sign in) before a token can be had. */
export class SignInRequiredError extends Error {
  constructor(message = 'Sign in to continue: select Sign in and complete the window that opens.') {
    super(message);
    this.name = 'SignInRequiredError';
  }
}

export function msalConfiguration(config: TaskpaneConfig, origin: string): Configuration {
  return {
    auth: {
      clientId: config.clientId,
      authority: `${config.authorityHost}/${config.tenantId}`,
      knownAuthorities: [new URL(config.authorityHost).host],
      redirectUri: config.redirectUri ?? `${origin}/auth-redirect.html`,
      navigateToLoginRequestUrl: false,
    },
    // localStorage lets the harness page and the framed pane (same origin) share one sign-in.
    cache: { cacheLocation: 'localStorage' },
    // No logger: MSAL's verbose logs carry account names and token metadata.
  };
}

type Msal = Pick<typeof import('@azure/msal-browser'), 'createNestablePublicClientApplication' | 'createStandardPublicClientApplication'>;

function code(error: unknown): string {
  return typeof error === 'object' && error !== null && 'errorCode' in error ? String((error as { errorCode: unknown }).errorCode) : '';
}

const INTERACTION_CODES = new Set([
  'no_account_error',
  'interaction_required',
  'login_required',
  'consent_required',
  'invalid_grant',
  'no_tokens_found',
  'native_account_unavailable',
  'refresh_token_expired',
]);
const BLOCKED_CODES = new Set(['popup_window_error', 'empty_window_error', 'user_cancelled', 'block_nested_popups', 'monitor_window_timeout']);

/**
 * @param load how MSAL is obtained (tests pass a fake at this boundary; the app loads
 * @azure/msal-browser lazily so its weight is not on the first paint).
 */
export function createTokenSource(config: TaskpaneConfig, host: Host, load: () => Promise<Msal> = () => import(/* webpackChunkName: "msal" */ '@azure/msal-browser')): TokenSource {
  let client: Promise<IPublicClientApplication> | undefined;
  const scopes = [config.apiScope];
  const hint = () => host.user()?.loginHint;

  const pca = (): Promise<IPublicClientApplication> => {
    client ??= load()
      .then((msal) => {
        const configuration = msalConfiguration(config, window.location.origin);
        return host.capabilities.nestedAppAuth
          ? msal.createNestablePublicClientApplication(configuration)
          : msal.createStandardPublicClientApplication(configuration);
      })
      .catch((error: unknown) => {
        client = undefined; // let "Try again" make the client afresh
        throw new SignInFailedError(code(error) || (error instanceof Error ? error.name : ''));
      });
    return client;
  };

  const remember = (app: IPublicClientApplication, result: AuthenticationResult): string => {
    if (result.account) app.setActiveAccount(result.account);
    return result.accessToken;
  };

  const popup = async (app: IPublicClientApplication): Promise<string> => {
    const loginHint = hint();
    const request: PopupRequest = { scopes, ...(loginHint ? { loginHint } : {}) };
    try {
      return remember(app, await app.acquireTokenPopup(request));
    } catch (error) {
      if (BLOCKED_CODES.has(code(error))) throw new SignInRequiredError();
      throw new SignInFailedError(code(error));
    }
  };

  return {
    async getToken(options = {}): Promise<string> {
      const app = await pca();
      const account = app.getActiveAccount() ?? app.getAllAccounts()[0];
      const loginHint = hint();
      const request: SilentRequest = {
        scopes,
        ...(account ? { account } : {}),
        ...(loginHint && !account ? { loginHint } : {}),
        ...(options.forceRefresh ? { forceRefresh: true } : {}),
      };
      try {
        return remember(app, await app.acquireTokenSilent(request));
      } catch (error) {
        if (!INTERACTION_CODES.has(code(error)) && !(error instanceof Error && error.name === 'InteractionRequiredAuthError')) throw new SignInFailedError(code(error));
      }
      return popup(app);
    },
    async signIn(): Promise<void> {
      await popup(await pca());
    },
  };
}
