// The spread tree built from `via`, and the theme following the host.
import { act, screen } from '@testing-library/react';
import { render } from '@testing-library/react';
import { teamsDarkTheme, teamsHighContrastTheme, webDarkTheme, webLightTheme } from '@fluentui/react-components';
import { buildSpread } from '../../../src/taskpane/components/SpreadTree';
import { Root } from '../../../src/taskpane/Root';
import { fluentTheme } from '../../../src/taskpane/theme';
import type { Host, ThemeName } from '../../../src/taskpane/hosts/host';
import { fakeApi, lookupFixture, PHISH, FWD } from './fake-api';
import type { Target } from '../../../src/contracts';

describe('buildSpread', () => {
  it('hangs each forward or reply under the message it came from, hop by hop, with its sender and recipients', () => {
    const re: Target[] = [
      { mailbox: 'lynne@contoso.com', messageId: 'r1', internetMessageId: '<re@contoso.com>', folder: 'sentitems', depth: 2, isRead: true, via: FWD },
      { mailbox: 'adele@contoso.com', messageId: 'r2', internetMessageId: '<re@contoso.com>', folder: 'inbox', depth: 2, isRead: false, via: FWD },
      { mailbox: 'joni@contoso.com', messageId: 'o1', internetMessageId: '<orphan@contoso.com>', folder: 'inbox', depth: 1, isRead: false, via: '<unknown@x>' },
    ];
    const root = buildSpread({ ...lookupFixture, targets: [...lookupFixture.targets, ...re] });
    expect(root.internetMessageId).toBe(PHISH);
    expect(root.mailboxes).toEqual(['adele@contoso.com', 'megan@contoso.com']);
    expect(root.external).toEqual(['pat@gmail.com']);
    // A target whose parent is not in the lookup hangs off the original rather than vanish.
    expect(root.children.map((c) => c.internetMessageId)).toEqual([FWD, '<orphan@contoso.com>']);
    const fwd = root.children[0]!;
    expect(fwd).toMatchObject({ sender: 'adele@contoso.com', mailboxes: ['lynne@contoso.com'], depth: 1 });
    expect(fwd.children).toEqual([{ internetMessageId: '<re@contoso.com>', depth: 2, sender: 'lynne@contoso.com', mailboxes: ['adele@contoso.com'], children: [], external: [] }]);
  });
});

describe('theme', () => {
  it('maps each host theme to a Fluent theme', async () => {
    expect(await fluentTheme('outlook', 'light')).toBe(webLightTheme);
    expect(await fluentTheme('browser', 'dark')).toBe(webDarkTheme);
    expect(await fluentTheme('teams', 'dark')).toBe(teamsDarkTheme);
    expect(await fluentTheme('teams', 'contrast')).toBe(teamsHighContrastTheme);
  });

  it('the provider follows the host when its theme changes', async () => {
    const listeners = new Set<(t: ThemeName) => void>();
    const host: Host = {
      kind: 'teams',
      capabilities: { nestedAppAuth: true, followsSelection: false, openMessage: false },
      user: () => undefined,
      theme: () => 'light',
      onThemeChange: (l) => (listeners.add(l), () => listeners.delete(l)),
      message: () => ({ kind: 'none', reason: 'host-has-no-message' }),
      onMessageChange: () => () => undefined,
      openDialog: async () => undefined,
    };
    const api = fakeApi({ me: () => new Promise(() => undefined) });
    const { container } = render(<Root services={{ host, api, signIn: async () => undefined, pollMs: 20 }} initialTheme={webLightTheme} />);
    expect(screen.getByText('Loading…')).toBeInTheDocument();
    const provider = container.querySelector('[data-theme]') as HTMLElement;
    expect(provider.dataset.theme).toBe('light');
    await act(async () => listeners.forEach((l) => l('dark')));
    await act(async () => new Promise((r) => setTimeout(r, 10)));
    expect((container.querySelector('[data-theme]') as HTMLElement).dataset.theme).toBe('dark');
  });
});
