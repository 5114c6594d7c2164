/**
 * The page the browser test loads: the real @azure/msal-browser, configured as the product's
 * task pane configures it (authority `${authorityHost}/${tenantId}`, knownAuthorities = its
 * host), signing in with a popup and then asking for a token silently.
 */
import { PublicClientApplication, type Configuration } from '@azure/msal-browser';

interface TestConfig {
  clientId: string;
  authorityHost: string;
  tenantId: string;
  scopes: string[];
  redirectUri: string;
}

declare global {
  interface Window {
    __MSAL_TEST__: TestConfig;
    signIn: () => Promise<{ accessToken: string; silentAccessToken: string; username: string; idTokenClaims: Record<string, unknown> }>;
  }
}

const cfg = window.__MSAL_TEST__;
const config: Configuration = {
  auth: {
    clientId: cfg.clientId,
    authority: `${cfg.authorityHost}/${cfg.tenantId}`,
    knownAuthorities: [new URL(cfg.authorityHost).host],
    redirectUri: cfg.redirectUri,
  },
  cache: { cacheLocation: 'sessionStorage' },
};
const pca = new PublicClientApplication(config);
const ready = pca.initialize();

window.signIn = async () => {
  await ready;
  const login = await pca.loginPopup({ scopes: cfg.scopes });
  pca.setActiveAccount(login.account);
  // A second token for the same scopes comes from the cache or the refresh token, silently.
  const silent = await pca.acquireTokenSilent({ account: login.account, scopes: cfg.scopes, forceRefresh: true });
  return { accessToken: login.accessToken, silentAccessToken: silent.accessToken, username: login.account.username, idTokenClaims: (login.idTokenClaims ?? {}) as Record<string, unknown> };
};
