// The Teams adapter with the real @microsoft/teams-js, faked only at its boundary: the parent
// window's postMessage (a recorder that answers as Teams does) and `fetch`, which teams-js uses
// for its list of valid origins.
import type { createTeamsHost as CreateTeamsHost } from '../../../src/taskpane/hosts/teams';

// teams-js prefetches its CDN list of valid origins when it loads; jsdom has no fetch, so the
// fake goes in before the module is loaded (inside the test).
const fetchCalls: string[] = [];
globalThis.fetch = jest.fn(async (input: RequestInfo | URL) => {
  fetchCalls.push(String(input));
  return { ok: true, status: 200, json: async () => ({ validOrigins: ['teams.microsoft.com'] }) } as Response;
}) as typeof fetch;

type Request = { id: number; func: string; args: unknown[] };

const TEAMS = 'https://teams.microsoft.com';
const HARNESS = 'https://localhost:3000';

function fakeParent() {
  // A real window (an iframe's) so that MessageEvent accepts it as `source`.
  const frame = document.createElement('iframe');
  document.body.appendChild(frame);
  const parent = frame.contentWindow as Window;
  const requests: Request[] = [];
  parent.postMessage = ((message: Request) => {
    requests.push(message);
  }) as Window['postMessage'];
  Object.defineProperty(window, 'parent', { value: parent, configurable: true });
  const send = (data: unknown, origin: string) => window.dispatchEvent(new MessageEvent('message', { data, origin, source: parent }));
  return { requests, send };
}

async function until<T>(find: () => T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const found = find();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('timed out waiting');
}

const legacyContext = {
  locale: 'en-gb',
  theme: 'default',
  userObjectId: '11111111-1111-1111-1111-111111111111',
  userPrincipalName: 'adele@contoso.com',
  loginHint: 'adele@contoso.com',
  userDisplayName: 'Adele Vance',
  tid: '22222222-2222-2222-2222-222222222222',
  hostClientType: 'web',
  frameContext: 'content',
  appSessionId: 'session-1',
  hostName: 'Teams',
  entityId: 'retract',
};

it('initializes with the harness origin, reads user, tenant and theme from getContext, follows theme changes, and ignores other origins', async () => {
  const { createTeamsHost } = (await import('../../../src/taskpane/hosts/teams')) as { createTeamsHost: typeof CreateTeamsHost };
  await until(() => (fetchCalls.length ? true : undefined));
  expect(fetchCalls[0]).toMatch(/^https:\/\/res\.cdn\.office\.net\/teams-js\/validDomains\//);
  const parent = fakeParent();

  const hostPromise = createTeamsHost({ validOrigins: [HARNESS] });
  const init = await until(() => parent.requests.find((r) => r.func === 'initialize'));
  const answer = ['content', 'web', JSON.stringify({ apiVersion: 4, supports: { appInstallDialog: {}, pages: {} } }), '2.58.0'];

  // An answer from an origin nobody allowed is dropped, after teams-js checks its list.
  parent.send({ id: init.id, args: answer }, 'https://evil.example');
  await new Promise((r) => setTimeout(r, 30));
  expect(parent.requests.some((r) => r.func === 'getContext')).toBe(false);

  parent.send({ id: init.id, args: answer }, HARNESS);
  const getContext = await until(() => parent.requests.find((r) => r.func === 'getContext'));
  parent.send({ id: getContext.id, args: [legacyContext] }, HARNESS);

  const host = await hostPromise;
  expect(host.kind).toBe('teams');
  expect(host.user()).toEqual({ displayName: 'Adele Vance', email: 'adele@contoso.com', loginHint: 'adele@contoso.com', tenantId: '22222222-2222-2222-2222-222222222222' });
  expect(host.theme()).toBe('light');
  expect(host.message()).toEqual({ kind: 'none', reason: 'host-has-no-message' });
  expect(host.capabilities).toEqual({ nestedAppAuth: true, followsSelection: false, openMessage: false });

  const themes: string[] = [];
  host.onThemeChange((t) => themes.push(t));
  parent.send({ func: 'themeChange', args: ['dark'] }, TEAMS);
  await until(() => (themes.length ? true : undefined));
  parent.send({ func: 'themeChange', args: ['contrast'] }, HARNESS);
  await until(() => (themes.length > 1 ? true : undefined));
  expect(themes).toEqual(['dark', 'contrast']);
  expect(host.theme()).toBe('contrast');
});
