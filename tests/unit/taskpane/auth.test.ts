// Sign-in: configuration from /taskpane-config.json, one MSAL client per page (nested where the
// host has a broker), silent first, then a popup; a blocked popup asks for a click on Sign in.
import type { IPublicClientApplication } from '@azure/msal-browser';
import { loadConfig, ConfigError } from '../../../src/taskpane/auth/config';
import { createTokenSource, msalConfiguration, SignInRequiredError } from '../../../src/taskpane/auth/msal';
import type { Host } from '../../../src/taskpane/hosts/host';

const config = {
  clientId: 'c1d2',
  authorityHost: 'https://localhost:4010',
  tenantId: 'tenant-1',
  apiBase: 'https://localhost:7071/api',
  apiScope: 'api://localhost:3000/c1d2/access_as_user',
};

function host(nestedAppAuth: boolean): Host {
  return {
    kind: nestedAppAuth ? 'outlook' : 'browser',
    capabilities: { nestedAppAuth, followsSelection: false, openMessage: true },
    user: () => ({ loginHint: 'adele@contoso.com' }),
    theme: () => 'light',
    onThemeChange: () => () => undefined,
    message: () => ({ kind: 'none', reason: 'no-item' }),
    onMessageChange: () => () => undefined,
    openDialog: async () => undefined,
  };
}

function fakeMsal(behaviour: { silent: () => Promise<unknown>; popup: () => Promise<unknown> }) {
  const created: string[] = [];
  const silentRequests: unknown[] = [];
  const popupRequests: unknown[] = [];
  const app = {
    getActiveAccount: () => null,
    getAllAccounts: () => [],
    setActiveAccount: () => undefined,
    acquireTokenSilent: (r: unknown) => (silentRequests.push(r), behaviour.silent()),
    acquireTokenPopup: (r: unknown) => (popupRequests.push(r), behaviour.popup()),
  } as unknown as IPublicClientApplication;
  const msal = {
    createNestablePublicClientApplication: async () => (created.push('nested'), app),
    createStandardPublicClientApplication: async () => (created.push('standard'), app),
  };
  return { load: async () => msal, created, silentRequests, popupRequests };
}

const interaction = () => Promise.reject(Object.assign(new Error('interaction_required'), { errorCode: 'interaction_required' }));

describe('taskpane-config.json', () => {
  it('reads a valid configuration and refuses a broken one with the field at fault', async () => {
    const ok = (async () => ({ ok: true, status: 200, json: async () => ({ ...config, authorityHost: 'https://localhost:4010/' }) })) as unknown as typeof fetch;
    await expect(loadConfig(ok)).resolves.toMatchObject({ authorityHost: 'https://localhost:4010', apiScope: config.apiScope });
    const bad = (async () => ({ ok: true, status: 200, json: async () => ({ ...config, apiScope: 'https://graph.microsoft.com/.default' }) })) as unknown as typeof fetch;
    await expect(loadConfig(bad)).rejects.toThrow(/apiScope/);
    const missing = (async () => ({ ok: false, status: 404, json: async () => ({}) })) as unknown as typeof fetch;
    await expect(loadConfig(missing)).rejects.toBeInstanceOf(ConfigError);
  });

  it('makes the MSAL authority from the authority host and tenant, trusting that host only', () => {
    const c = msalConfiguration({ ...config }, 'https://localhost:3000');
    expect(c.auth).toMatchObject({
      clientId: 'c1d2',
      authority: 'https://localhost:4010/tenant-1',
      knownAuthorities: ['localhost:4010'],
      redirectUri: 'https://localhost:3000/auth-redirect.html',
    });
  });
});

describe('token source', () => {
  it('creates one nested client for a host with a broker and answers silently', async () => {
    const msal = fakeMsal({ silent: async () => ({ accessToken: 'silent-token', account: null }), popup: interaction });
    const tokens = createTokenSource(config, host(true), msal.load);
    await expect(tokens.getToken()).resolves.toBe('silent-token');
    await expect(tokens.getToken({ forceRefresh: true })).resolves.toBe('silent-token');
    expect(msal.created).toEqual(['nested']);
    expect(msal.silentRequests).toEqual([
      { scopes: [config.apiScope], loginHint: 'adele@contoso.com' },
      { scopes: [config.apiScope], loginHint: 'adele@contoso.com', forceRefresh: true },
    ]);
    expect(msal.popupRequests).toEqual([]);
  });

  it('uses the standard client without a broker, and falls back to a popup when silent needs interaction', async () => {
    const msal = fakeMsal({ silent: interaction, popup: async () => ({ accessToken: 'popup-token', account: null }) });
    const tokens = createTokenSource(config, host(false), msal.load);
    await expect(tokens.getToken()).resolves.toBe('popup-token');
    expect(msal.created).toEqual(['standard']);
    expect(msal.popupRequests).toEqual([{ scopes: [config.apiScope], loginHint: 'adele@contoso.com' }]);
  });

  it('a blocked popup becomes "sign in", and other failures pass through', async () => {
    const blocked = fakeMsal({ silent: interaction, popup: () => Promise.reject(Object.assign(new Error('x'), { errorCode: 'popup_window_error' })) });
    await expect(createTokenSource(config, host(false), blocked.load).getToken()).rejects.toBeInstanceOf(SignInRequiredError);
    const broken = fakeMsal({ silent: () => Promise.reject(Object.assign(new Error('endpoints_resolution_error'), { errorCode: 'endpoints_resolution_error' })), popup: interaction });
    await expect(createTokenSource(config, host(false), broken.load).getToken()).rejects.toThrow(
      'Sign-in failed (endpoints_resolution_error). Check your connection and try again; if it persists, ask your administrator to check the app registration.',
    );
    expect(broken.popupRequests).toEqual([]);
  });

  it('makes the client afresh after it failed to load, so Try again can succeed', async () => {
    let attempts = 0;
    const msal = fakeMsal({ silent: async () => ({ accessToken: 'ok', account: null }), popup: interaction });
    const flaky = async () => {
      if (attempts++ === 0) throw new Error('ChunkLoadError');
      return msal.load();
    };
    const tokens = createTokenSource(config, host(true), flaky as typeof msal.load);
    await expect(tokens.getToken()).rejects.toThrow(/Sign-in failed/);
    await expect(tokens.getToken()).resolves.toBe('ok');
  });
});
