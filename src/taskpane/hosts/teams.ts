// Teams adapter: the only module that imports @microsoft/teams-js. A Teams tab has no open
// message — the Search view is its entry.
import { app } from '@microsoft/teams-js';
import { Listeners, type Host, type HostUser, type ThemeName, type Unsubscribe } from './host';

/** Teams names its themes default/dark/contrast; anything unknown reads as default. */
export function teamsThemeName(theme: string | undefined): ThemeName {
  if (theme === 'dark') return 'dark';
  if (theme === 'contrast') return 'contrast';
  return 'light';
}

/**
 * @param validOrigins origins besides Microsoft's own that may host the tab (the harness in
 * development); teams-js refuses messages from any other parent.
 */
export async function createTeamsHost(options: { validOrigins?: string[] } = {}): Promise<Host> {
  await app.initialize(options.validOrigins ?? []);
  const context = await app.getContext();
  const themes = new Listeners<ThemeName>();
  let theme = teamsThemeName(context.app.theme);
  app.registerOnThemeChangeHandler((next: string) => {
    theme = teamsThemeName(next);
    themes.emit(theme);
  });
  const u = context.user;
  const email = u?.userPrincipalName || u?.loginHint;
  const user: HostUser = {
    ...(u?.displayName ? { displayName: u.displayName } : {}),
    ...(email ? { email } : {}),
    ...(u?.loginHint || email ? { loginHint: u?.loginHint || email } : {}),
    ...(u?.tenant?.id ? { tenantId: u.tenant.id } : {}),
  };
  return {
    kind: 'teams',
    capabilities: { nestedAppAuth: true, followsSelection: false, openMessage: false },
    user: () => user,
    theme: () => theme,
    onThemeChange: (listener): Unsubscribe => themes.add(listener),
    message: () => ({ kind: 'none', reason: 'host-has-no-message' }),
    onMessageChange: (): Unsubscribe => () => undefined,
    async openDialog(url: string): Promise<void> {
      await app.openLink(url);
    },
  };
}
