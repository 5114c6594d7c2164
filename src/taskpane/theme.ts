// The host's theme name → one Fluent v9 theme. Teams has its own palettes (and a high-contrast
// one), loaded only on the Teams path; Outlook and the browser use the web themes.
import { webDarkTheme, webLightTheme, type Theme } from '@fluentui/react-components';
import type { HostKind, ThemeName } from './hosts/host';

export async function fluentTheme(host: HostKind, theme: ThemeName): Promise<Theme> {
  if (host === 'teams' || theme === 'contrast') {
    const teams = await import(/* webpackChunkName: "themes-teams" */ './theme-teams');
    return teams.teamsTheme(theme);
  }
  return theme === 'dark' ? webDarkTheme : webLightTheme;
}
