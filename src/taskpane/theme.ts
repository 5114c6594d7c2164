// The host's theme name → one Fluent v9 theme. Teams has its own palettes (and a high-contrast
// one); Outlook and the browser use the web themes.
import { teamsDarkTheme, teamsHighContrastTheme, teamsLightTheme, webDarkTheme, webLightTheme, type Theme } from '@fluentui/react-components';
import type { HostKind, ThemeName } from './hosts/host';

export function fluentTheme(host: HostKind, theme: ThemeName): Theme {
  if (host === 'teams') return theme === 'dark' ? teamsDarkTheme : theme === 'contrast' ? teamsHighContrastTheme : teamsLightTheme;
  if (theme === 'contrast') return teamsHighContrastTheme;
  return theme === 'dark' ? webDarkTheme : webLightTheme;
}
