// Entry point: detect the host, load only its adapter, read the configuration, then render
// <FluentProvider theme><App/></FluentProvider> once the host is ready.
import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { createRoot } from 'react-dom/client';
import { createApiClient } from './api-client';
import { loadConfig } from './auth/config';
import { createTokenSource } from './auth/msal';
import { StatusBar } from './components/StatusBar';
import { detectHost, loadHost } from './hosts/detect';
import { Root } from './Root';
import { fluentTheme } from './theme';
import { strings } from './strings';

const POLL_MS = 1000;

async function main(): Promise<void> {
  const element = document.getElementById('root');
  if (!element) return;
  const root = createRoot(element);
  // Start fetching MSAL while the host and configuration load; it is needed right after.
  const msal = import(/* webpackChunkName: "msal" */ '@azure/msal-browser');
  msal.catch(() => undefined); // its failure is reported when sign-in needs it
  try {
    const config = await loadConfig();
    const host = await loadHost(detectHost(window.location), {
      ...(config.harnessOrigins ? { allowedOrigins: config.harnessOrigins.map((o) => new URL(o).origin) } : {}),
      ...(config.officeJsUrl ? { officeJsUrl: config.officeJsUrl } : {}),
    });
    // One MSAL client per page: this token source is created once, here.
    const tokens = createTokenSource(config, host, () => msal);
    const api = createApiClient({ apiBase: config.apiBase, tokens });
    const theme = await fluentTheme(host.kind, host.theme());
    root.render(<Root services={{ host, api, signIn: () => tokens.signIn(), pollMs: POLL_MS }} initialTheme={theme} />);
  } catch (error) {
    root.render(
      <FluentProvider theme={webLightTheme}>
        <StatusBar intent="error" title={strings.appName}>
          {error instanceof Error ? error.message : strings.errors.unexpected}
        </StatusBar>
      </FluentProvider>,
    );
  }
}

void main();
