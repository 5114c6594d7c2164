// The shell: who the user is decides the tabs; sign-in when needed; the host's selection flows
// into the views; Search opens a message in Retract.
import { act, fireEvent, screen, within } from '@testing-library/react';
import type { Me } from '../../../src/contracts';
import { App, viewsFor } from '../../../src/taskpane/App';
import { SignInRequiredError } from '../../../src/taskpane/auth/msal';
import { fakeApi, fakeHost, problem, renderWith } from './fake-api';

/** The tabs by accessible name, in order (Fluent also renders a hidden bold copy of each label). */
function tabNames(tabs: HTMLElement): string[] {
  const all = within(tabs).getAllByRole('tab');
  const names = ['Retract', 'Remove external access', 'Search', 'Audit', 'Setup'];
  return all.map((tab) => names.find((n) => within(tabs).queryByRole('tab', { name: n }) === tab) ?? '?');
}

const me = (roles: Me['roles']): Me => ({ user: { upn: 'adele@contoso.com' }, tenantId: 't', roles });
const phish = { internetMessageId: '<phish@evil.example>', subject: 'RE: Order', to: [], cc: [], itemType: 'message' as const };

it('gives each role exactly its views, in the order of the host', () => {
  expect(viewsFor(me(['Retract.Admin']), true)).toEqual(['retract', 'ome', 'search', 'audit', 'setup']);
  expect(viewsFor(me(['Retract.Admin']), false)).toEqual(['search', 'retract', 'ome', 'audit', 'setup']);
  expect(viewsFor(me(['Retract.Auditor']), true)).toEqual(['search', 'audit']);
  expect(viewsFor(me([]), true)).toEqual(['ome']);
  expect(viewsFor(me([]), false)).toEqual([]);
});

it('an admin in Outlook sees the tabs and the open message; a new selection replaces it', async () => {
  const host = fakeHost({ kind: 'message', message: phish });
  const api = fakeApi({ me: async () => me(['Retract.Admin']) });
  renderWith(<App />, { api, host: host.host });
  const tabs = await screen.findByRole('tablist', { name: 'Views' });
  expect(tabNames(tabs)).toEqual(['Retract', 'Remove external access', 'Search', 'Audit', 'Setup']);
  expect(await screen.findByText('RE: Order')).toBeInTheDocument();
  act(() => host.select({ kind: 'message', message: { ...phish, internetMessageId: '<lunch@contoso.com>', subject: 'Lunch' } }));
  expect(await screen.findByText('Lunch')).toBeInTheDocument();
  expect(screen.queryByText('RE: Order')).not.toBeInTheDocument();
  act(() => host.select({ kind: 'none', reason: 'draft' }));
  expect(await screen.findByText(/This message is still being written/)).toBeInTheDocument();
});

it('a user with no role in Outlook sees only the OME view of the open message, with no tabs', async () => {
  const host = fakeHost({ kind: 'message', message: phish });
  const api = fakeApi({ me: async () => me([]), omeStatus: async () => ({ subject: 'RE: Order', isRevocable: true, revoked: false }) });
  renderWith(<App />, { api, host: host.host });
  expect(await screen.findByRole('button', { name: 'Remove external access' })).toBeInTheDocument();
  expect(screen.queryByRole('tablist')).not.toBeInTheDocument();
  expect(screen.getByText(/Other actions need a Retract role/)).toBeInTheDocument();
});

it('in Teams an auditor starts on Search and cannot open a message in Retract; without a role, nothing', async () => {
  const teams = fakeHost({ kind: 'none', reason: 'host-has-no-message' }, 'teams');
  const api = fakeApi({ me: async () => me(['Retract.Auditor']) });
  const { unmount } = renderWith(<App />, { api, host: teams.host });
  const tabs = await screen.findByRole('tablist', { name: 'Views' });
  expect(tabNames(tabs)).toEqual(['Search', 'Audit']);
  expect(await screen.findByRole('button', { name: 'Search' })).toBeInTheDocument();
  unmount();
  renderWith(<App />, { api: fakeApi({ me: async () => me([]) }), host: teams.host });
  expect(await screen.findByText(/does not have a Retract role/)).toBeInTheDocument();
});

it('an admin in Teams opens a traced message in the Retract view', async () => {
  const teams = fakeHost({ kind: 'none', reason: 'host-has-no-message' }, 'teams');
  const api = fakeApi({
    me: async () => me(['Retract.Admin']),
    trace: async () => ({
      rows: [{ received: '2026-11-20T09:30:00Z', senderAddress: 'attacker@evil.example', recipientAddress: 'adele@contoso.com', subject: 'RE: Order', status: 'Delivered', internetMessageId: '<phish@evil.example>', messageTraceId: 't' }],
    }),
    jobs: async () => ({ jobs: [] }),
    audit: async () => ({ records: [], nextCursor: null }),
  });
  renderWith(<App />, { api, host: teams.host });
  fireEvent.change(await screen.findByLabelText('Subject'), { target: { value: 'Order' } });
  fireEvent.click(screen.getByRole('button', { name: 'Search' }));
  fireEvent.click(await screen.findByRole('button', { name: 'Open "RE: Order" in Retract' }));
  expect(await screen.findByRole('button', { name: 'Find copies' })).toBeInTheDocument();
  expect(screen.getByRole('tab', { name: 'Retract' })).toHaveAttribute('aria-selected', 'true');
  expect(screen.getByText('<phish@evil.example>')).toBeInTheDocument();
});

it('asks for a click on Sign in when the popup was blocked, then loads; shows other failures with Try again', async () => {
  const api = fakeApi({ me: jest.fn().mockRejectedValueOnce(new SignInRequiredError()).mockResolvedValue(me(['Retract.Auditor'])) });
  const signIn = jest.fn(async () => undefined);
  const { unmount } = renderWith(<App />, { api, signIn });
  fireEvent.click(await screen.findByRole('button', { name: 'Sign in' }));
  expect(await screen.findByRole('tablist')).toBeInTheDocument();
  expect(signIn).toHaveBeenCalledTimes(1);
  unmount();

  const down = fakeApi({ me: () => Promise.reject(problem(503, 'The Retract service is starting. Try again in a minute.')) });
  renderWith(<App />, { api: down });
  expect(await screen.findByRole('alert')).toHaveTextContent('The Retract service is starting. Try again in a minute.');
  expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
});
