// The browser adapter's protocol with the development harness: the URL query, then postMessage
// from the parent page (only from an allowed origin and only from window.parent).
import { createBrowserHost, readQuery } from '../../../src/taskpane/hosts/browser';

describe('browser host', () => {
  it('reads the message, theme and signed-in user from the URL query', () => {
    const q = readQuery(
      '?host=browser&internetMessageId=%3Cphish%40evil.example%3E&subject=RE%3A%20Order&from=attacker%40evil.example&to=all%40contoso.com,megan%40contoso.com&theme=dark&loginHint=adele%40contoso.com',
    );
    expect(q.state).toEqual({
      kind: 'message',
      message: {
        internetMessageId: '<phish@evil.example>',
        subject: 'RE: Order',
        from: { address: 'attacker@evil.example' },
        to: [{ address: 'all@contoso.com' }, { address: 'megan@contoso.com' }],
        cc: [],
        itemType: 'message',
      },
    });
    expect(q.theme).toBe('dark');
    expect(q.user).toEqual({ email: 'adele@contoso.com', loginHint: 'adele@contoso.com' });
    expect(readQuery('?host=browser').state).toEqual({ kind: 'none', reason: 'no-item' });
  });

  it('framed by the harness: announces itself, follows the selection and theme from window.parent only, from allowed origins only', async () => {
    const frame = document.createElement('iframe');
    document.body.appendChild(frame);
    const parent = frame.contentWindow as Window;
    const posted: [unknown, string][] = [];
    parent.postMessage = ((m: unknown, origin: string) => posted.push([m, origin])) as Window['postMessage'];
    Object.defineProperty(window, 'parent', { value: parent, configurable: true });

    const host = await createBrowserHost({ allowedOrigins: ['https://localhost:3000'] });
    expect(posted).toContainEqual([{ type: 'retract:ready' }, 'https://localhost:3000']);
    expect(host.capabilities.followsSelection).toBe(true);

    const states: unknown[] = [];
    host.onMessageChange((s) => states.push(s));
    const message = { type: 'retract:message', message: { internetMessageId: '<a@contoso.com>', subject: 'Hello', to: [{ address: 'megan@contoso.com' }] } };
    // Wrong origin, wrong source, malformed: all ignored.
    window.dispatchEvent(new MessageEvent('message', { data: message, origin: 'https://evil.example', source: parent }));
    window.dispatchEvent(new MessageEvent('message', { data: message, origin: 'https://localhost:3000', source: window }));
    window.dispatchEvent(new MessageEvent('message', { data: { type: 'retract:message', message: { subject: 1 } }, origin: 'https://localhost:3000', source: parent }));
    expect(states).toEqual([]);

    window.dispatchEvent(new MessageEvent('message', { data: message, origin: 'https://localhost:3000', source: parent }));
    expect(host.message()).toEqual({
      kind: 'message',
      message: { internetMessageId: '<a@contoso.com>', subject: 'Hello', to: [{ address: 'megan@contoso.com' }], cc: [], itemType: 'message' },
    });
    window.dispatchEvent(new MessageEvent('message', { data: { type: 'retract:message', message: null }, origin: 'https://localhost:3000', source: parent }));
    expect(host.message()).toEqual({ kind: 'none', reason: 'no-item' });

    const themes: string[] = [];
    host.onThemeChange((t) => themes.push(t));
    window.dispatchEvent(new MessageEvent('message', { data: { type: 'retract:theme', theme: 'contrast' }, origin: 'https://localhost:3000', source: parent }));
    expect(themes).toEqual(['contrast']);
    window.dispatchEvent(new MessageEvent('message', { data: { type: 'retract:user', user: { loginHint: 'megan@contoso.com' } }, origin: 'https://localhost:3000', source: parent }));
    expect(host.user()).toEqual({ loginHint: 'megan@contoso.com' });
  });
});

describe('host detection', () => {
  it('takes the host the manifest names, recognises Outlook by _host_Info, and defaults to the browser', async () => {
    const { detectHost } = await import('../../../src/taskpane/hosts/detect');
    expect(detectHost({ search: '?host=teams' })).toBe('teams');
    expect(detectHost({ search: '?host=outlook' })).toBe('outlook');
    expect(detectHost({ search: '?_host_Info=Outlook$Win32$16.02$en-US$$$$0' })).toBe('outlook');
    expect(detectHost({ search: '?host=word' })).toBe('browser');
    expect(detectHost({ search: '' })).toBe('browser');
  });
});
