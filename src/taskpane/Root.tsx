// The provider around the app: the Fluent theme follows the host's theme and its changes.
import { FluentProvider, type Theme } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { App } from './App';
import { ServicesProvider, type Services } from './context';
import { fluentTheme } from './theme';

export function Root(props: { services: Services; initialTheme: Theme }) {
  const { host } = props.services;
  const [theme, setTheme] = useState<{ name: string; fluent: Theme }>({ name: host.theme(), fluent: props.initialTheme });
  useEffect(
    () =>
      host.onThemeChange((name) => {
        void fluentTheme(host.kind, name).then((fluent) => setTheme({ name, fluent }));
      }),
    [host],
  );
  return (
    <FluentProvider theme={theme.fluent} data-theme={theme.name}>
      <ServicesProvider services={props.services}>
        <App />
      </ServicesProvider>
    </FluentProvider>
  );
}
