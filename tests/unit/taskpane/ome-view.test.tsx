// Remove external access: revocable, revoked, cannot be revoked (with why), refused, and the
// admin's typed Message-ID.
import { fireEvent, screen, waitFor } from '@testing-library/react';
import type { OmeStatus } from '../../../src/contracts';
import { OmeView } from '../../../src/taskpane/views/OmeView';
import { deferred, dialogButton, fakeApi, problem, renderWith } from './fake-api';

const sent = { internetMessageId: '<enc1@contoso.com>', subject: 'Contract', from: { address: 'adele@contoso.com' } };

it('checks the open message, then removes external access after a confirmation', async () => {
  const status = deferred<OmeStatus>();
  const api = fakeApi({ omeStatus: () => status.promise, omeRevoke: async () => ({ revoked: true }) });
  renderWith(<OmeView message={sent} admin={false} />, { api });
  expect(screen.getByText('Checking the message…')).toBeInTheDocument();
  status.resolve({ subject: 'Contract', isRevocable: true, revoked: false });
  fireEvent.click(await screen.findByRole('button', { name: 'Remove external access' }));
  fireEvent.click(dialogButton(await screen.findByRole('alertdialog'), 'Remove access'));
  expect(await screen.findByText(/External access was removed/)).toBeInTheDocument();
  expect(api.omeStatus).toHaveBeenCalledWith('<enc1@contoso.com>');
  expect(api.omeRevoke).toHaveBeenCalledWith('<enc1@contoso.com>');
  expect(screen.queryByRole('button', { name: 'Remove external access' })).not.toBeInTheDocument();
  // No Message-ID box for a user without a role.
  expect(screen.queryByLabelText('Message-ID')).not.toBeInTheDocument();
});

it('says clearly when a message cannot be revoked, with the reason the API gives or the general one', async () => {
  const api = fakeApi({ omeStatus: async () => ({ subject: 'Hi', isRevocable: false, revoked: false, reason: 'It was sent to more than one recipient.' }) });
  const { unmount } = renderWith(<OmeView message={sent} admin={false} />, { api });
  expect(await screen.findByText('This message cannot be revoked.')).toBeInTheDocument();
  expect(screen.getByText('It was sent to more than one recipient.')).toBeInTheDocument();
  unmount();
  const plain = fakeApi({ omeStatus: async () => ({ subject: 'Hi', isRevocable: false, revoked: false }) });
  renderWith(<OmeView message={sent} admin={false} />, { api: plain });
  expect(await screen.findByText(/Mail read inline \(Microsoft 365 recipients\), mail that was not encrypted/)).toBeInTheDocument();
});

it('a sender refused for someone else’s mail is told why; a failed revoke is shown as an error', async () => {
  const api = fakeApi({ omeStatus: () => Promise.reject(problem(403, 'Forbidden')) });
  const { unmount } = renderWith(<OmeView message={sent} admin={false} />, { api });
  expect(await screen.findByRole('alert')).toHaveTextContent('You can remove access only to messages you sent yourself to a single recipient.');
  unmount();
  const failing = fakeApi({
    omeStatus: async () => ({ subject: 'Contract', isRevocable: true, revoked: false }),
    omeRevoke: () => Promise.reject(problem(502, 'Exchange Online did not answer. Try again in a few minutes.')),
  });
  renderWith(<OmeView message={sent} admin />, { api: failing });
  fireEvent.click(await screen.findByRole('button', { name: 'Remove external access' }));
  fireEvent.click(dialogButton(await screen.findByRole('alertdialog'), 'Remove access'));
  expect(await screen.findByRole('alert')).toHaveTextContent('Exchange Online did not answer. Try again in a few minutes.');
});

it('lets an admin with no open message type a Message-ID and check it', async () => {
  const api = fakeApi({ omeStatus: async () => ({ subject: 'Q4', isRevocable: false, revoked: true }) });
  renderWith(<OmeView message={null} noMessageText="No message is open here. Use Search to find one." admin />, { api });
  expect(screen.getByText('No message is open here. Use Search to find one.')).toBeInTheDocument();
  expect(api.omeStatus).not.toHaveBeenCalled();
  fireEvent.change(screen.getByLabelText('Message-ID'), { target: { value: '<q4@contoso.com>' } });
  fireEvent.click(screen.getByRole('button', { name: 'Check' }));
  await waitFor(() => expect(api.omeStatus).toHaveBeenCalledWith('<q4@contoso.com>'));
  expect(await screen.findByText(/External access was removed/)).toBeInTheDocument();
});
