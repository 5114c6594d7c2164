// The Retract view against a fake API: find copies, judge them, confirm, watch the job, undo.
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { RetractView } from '../../../src/taskpane/views/RetractView';
import { deferred, dialogButton, fakeApi, jobFixture, lookupFixture, PHISH, problem, renderWith } from './fake-api';
import type { Lookup } from '../../../src/contracts';
import { ApiError } from '../../../src/taskpane/api-client';

const message = {
  internetMessageId: PHISH,
  subject: 'RE: Order',
  from: { name: 'Attacker', address: 'attacker@evil.example' },
  to: [{ address: 'all@contoso.com' }],
  cc: [{ address: 'megan@contoso.com' }],
  date: '2026-11-20T09:30:00Z',
};

function view(api: ReturnType<typeof fakeApi>) {
  return renderWith(<RetractView message={message} canType />, { api });
}

it('shows loading, then the copies, the unreachable addresses in words, the ambiguous forwards unticked, and the spread', async () => {
  const pending = deferred<Lookup>();
  const api = fakeApi({ lookup: () => pending.promise });
  view(api);
  expect(screen.getByText('RE: Order')).toBeInTheDocument();
  expect(screen.getByText(PHISH)).toBeInTheDocument();
  fireEvent.change(screen.getByRole('slider'), { target: { value: '2' } });
  expect(screen.getByText(/Depth 2: copies plus forwards and replies up to 2 hops away. Deeper takes longer./)).toBeInTheDocument();
  fireEvent.click(screen.getByRole('button', { name: 'Find copies' }));
  expect(screen.getByText('Finding copies…')).toBeInTheDocument();
  expect(api.lookup).toHaveBeenCalledWith({
    internetMessageId: PHISH,
    depth: 2,
    includeSenderCopy: false,
    sender: 'attacker@evil.example',
    recipients: ['all@contoso.com', 'megan@contoso.com'],
  });
  await act(async () => pending.resolve(lookupFixture));

  expect(screen.getByText('4 copies in 3 mailboxes')).toBeInTheDocument();
  const grid = screen.getByRole('grid', { name: 'Copies found' });
  expect(within(grid).getAllByRole('row')).toHaveLength(5); // header + 4 targets
  expect(within(grid).getByRole('checkbox', { name: 'Include the copy in megan@contoso.com, Inbox' })).toBeChecked();
  expect(within(grid).getByRole('checkbox', { name: 'Include the copy in adele@contoso.com, Sent Items' })).toBeChecked();
  expect(within(grid).getAllByText('Unread')).toHaveLength(2);

  const skipped = screen.getByRole('table', { name: 'Addresses that cannot be retracted' });
  expect(within(skipped).getByText('External — outside your organisation')).toBeInTheDocument();
  expect(within(skipped).getByText('Domain not granted')).toBeInTheDocument();

  const ambiguous = screen.getByRole('table', { name: 'Forwards Retract could not attribute' });
  expect(within(ambiguous).getByRole('checkbox')).not.toBeChecked();
  expect(within(ambiguous).getByText(/same conversation index/)).toBeInTheDocument();

  const tree = screen.getByRole('tree', { name: 'How the message spread, hop by hop' });
  expect(within(tree).getByText('Original')).toBeInTheDocument();
  expect(within(tree).getByText('adele@contoso.com (depth 1)')).toBeInTheDocument();
  expect(within(tree).getByText('→ lynne@contoso.com')).toBeInTheDocument();
  expect(within(tree).getByText('pat@gmail.com')).toBeInTheDocument();
});

it('retracts exactly what is ticked, after a confirmation with the counts, shows progress and outcomes, then undoes', async () => {
  const jobs = [
    jobFixture({ status: 'running' }),
    jobFixture({
      status: 'completed',
      counts: { targets: 4, done: 3, alreadyGone: 1, failed: 0 },
      results: [
        { mailbox: 'adele@contoso.com', messageId: 'm-adele', outcome: 'done' },
        { mailbox: 'adele@contoso.com', messageId: 'm-adele-fwd', outcome: 'done' },
        { mailbox: 'lynne@contoso.com', messageId: 'm-lynne-fwd', outcome: 'already-gone' },
        { mailbox: 'megan@contoso.com', messageId: 'm-megan-amb', outcome: 'done' },
      ],
    }),
  ];
  const undoJob = jobFixture({ jobId: 'undo1', action: 'undo', status: 'completed', counts: { targets: 3, done: 3, alreadyGone: 0, failed: 0 }, results: [] });
  const api = fakeApi({
    lookup: async () => lookupFixture,
    startJob: async () => ({ jobId: 'job1' }),
    job: async (id) => (id === 'undo1' ? undoJob : (jobs.length > 1 ? jobs.shift() : jobs[0]) ?? jobFixture()),
    undo: async () => ({ jobId: 'undo1' }),
  });
  view(api);
  fireEvent.click(screen.getByRole('button', { name: 'Find copies' }));
  const grid = await screen.findByRole('grid', { name: 'Copies found' });
  fireEvent.click(within(grid).getByRole('checkbox', { name: 'Include the copy in megan@contoso.com, Inbox' }));
  fireEvent.click(within(screen.getByRole('table', { name: 'Forwards Retract could not attribute' })).getByRole('checkbox'));
  expect(screen.getByText('4 of 5 selected')).toBeInTheDocument();

  fireEvent.click(screen.getByRole('button', { name: 'Retract' }));
  const dialog = await screen.findByRole('alertdialog');
  expect(within(dialog).getByText('Soft delete (recoverable): 4 messages in 3 mailboxes.')).toBeInTheDocument();
  expect(within(dialog).getByText(/14 days by default/)).toBeInTheDocument();
  fireEvent.change(within(dialog).getByLabelText('Reason (recorded in the audit)'), { target: { value: 'phish INC-42' } });
  fireEvent.click(dialogButton(dialog, 'Retract now'));

  await waitFor(() => expect(api.startJob).toHaveBeenCalled());
  expect(api.startJob).toHaveBeenCalledWith({ lookupId: 'lk1', action: 'soft-delete', exclude: ['m-megan'], include: ['m-megan-amb'], reason: 'phish INC-42' });
  await screen.findByText('Soft delete (recoverable): Completed');
  expect(screen.getByText('3 done, 1 already gone, 0 failed, of 4')).toBeInTheDocument();
  expect(screen.getByRole('progressbar', { name: 'Soft delete (recoverable): Completed' })).toHaveAttribute('aria-valuenow', '1');
  expect(screen.getByText('Already gone')).toBeInTheDocument();
  expect(screen.getByText(/keeps deleted items for a limited time \(14 days by default\)/)).toBeInTheDocument();

  fireEvent.click(screen.getByRole('button', { name: 'Undo' }));
  await screen.findByText('Undo: Completed');
  expect(api.undo).toHaveBeenCalledWith('job1');
  expect(screen.queryByRole('button', { name: 'Undo' })).not.toBeInTheDocument();
});

it('warns that a hard delete cannot be undone, and offers no Undo after it; Select none disables Retract', async () => {
  const api = fakeApi({
    lookup: async () => lookupFixture,
    startJob: async () => ({ jobId: 'job1' }),
    job: async () => jobFixture({ action: 'hard-delete', status: 'completed', counts: { targets: 4, done: 4, alreadyGone: 0, failed: 0 } }),
  });
  view(api);
  fireEvent.change(screen.getByLabelText('Action'), { target: { value: 'hard-delete' } });
  fireEvent.click(screen.getByRole('button', { name: 'Find copies' }));
  await screen.findByRole('grid');
  fireEvent.click(screen.getByRole('button', { name: 'Select none' }));
  expect(screen.getByRole('button', { name: 'Retract' })).toBeDisabled();
  expect(screen.getByText('Tick at least one copy to retract.')).toBeInTheDocument();
  fireEvent.click(screen.getByRole('button', { name: 'Select all' }));
  fireEvent.click(screen.getByRole('button', { name: 'Retract' }));
  const dialog = await screen.findByRole('alertdialog');
  expect(within(dialog).getByText('Hard delete (permanent): 4 messages in 3 mailboxes.')).toBeInTheDocument();
  expect(within(dialog).getByText(/cannot be undone from Retract. Items under a hold stay in Recoverable Items/)).toBeInTheDocument();
  fireEvent.click(dialogButton(dialog, 'Retract now'));
  await screen.findByText('Hard delete (permanent): Completed');
  expect(api.startJob).toHaveBeenCalledWith({ lookupId: 'lk1', action: 'hard-delete' });
  expect(screen.queryByRole('button', { name: 'Undo' })).not.toBeInTheDocument();
});

it('cancels a running job, then reports a partial failure per target', async () => {
  let cancelled = false;
  const api = fakeApi({
    lookup: async () => lookupFixture,
    startJob: async () => ({ jobId: 'job1' }),
    // Running until the admin cancels; the worker then stops with what it had done.
    job: async () =>
      !cancelled
        ? jobFixture({ status: 'running' })
        : jobFixture({
            status: 'partial',
            counts: { targets: 4, done: 3, alreadyGone: 0, failed: 1 },
            results: [{ mailbox: 'lynne@contoso.com', messageId: 'm-lynne-fwd', outcome: 'failed', error: 'The mailbox answered 503 three times.' }],
          }),
    cancel: async () => {
      cancelled = true;
      return { jobId: 'job1' };
    },
  });
  view(api);
  fireEvent.click(screen.getByRole('button', { name: 'Find copies' }));
  await screen.findByRole('grid');
  fireEvent.click(screen.getByRole('button', { name: 'Retract' }));
  fireEvent.click(dialogButton(await screen.findByRole('alertdialog'), 'Retract now'));
  expect(await screen.findByText('Soft delete (recoverable): Running')).toBeInTheDocument();
  fireEvent.click(screen.getByRole('button', { name: 'Cancel job' }));
  await waitFor(() => expect(api.cancel).toHaveBeenCalledWith('job1'));
  await screen.findByText('Soft delete (recoverable): Partly completed: some targets failed');
  expect(screen.queryByRole('button', { name: 'Cancel job' })).not.toBeInTheDocument();
  expect(screen.getByText('Some targets failed. The rest were retracted; see each outcome below.')).toBeInTheDocument();
  expect(screen.getByText('Failed')).toBeInTheDocument();
  expect(screen.getByText(/answered 503 three times/)).toBeInTheDocument();
});

it('says so when no copies are found, when the lookup fails, and when the role is missing', async () => {
  const empty = fakeApi({ lookup: async () => ({ ...lookupFixture, targets: [], ambiguous: [], skipped: [] }) });
  const { unmount } = view(empty);
  fireEvent.click(screen.getByRole('button', { name: 'Find copies' }));
  expect(await screen.findByText('No copies were found in mailboxes Retract can reach.')).toBeInTheDocument();
  expect(screen.queryByRole('button', { name: 'Retract' })).not.toBeInTheDocument();
  unmount();

  const failing = fakeApi({ lookup: () => Promise.reject(problem(400, 'depth must be a whole number from 0 to 5.')) });
  const second = view(failing);
  fireEvent.click(screen.getByRole('button', { name: 'Find copies' }));
  expect(await screen.findByRole('alert')).toHaveTextContent('depth must be a whole number from 0 to 5.');
  second.unmount();

  const forbidden = fakeApi({ lookup: () => Promise.reject(problem(403, 'Forbidden')) });
  view(forbidden);
  fireEvent.click(screen.getByRole('button', { name: 'Find copies' }));
  expect(await screen.findByRole('alert')).toHaveTextContent(/does not have a Retract role/);
});

it('with no open message, explains why and lets an admin type a Message-ID', async () => {
  const api = fakeApi({ lookup: async () => lookupFixture });
  renderWith(<RetractView message={null} noMessageText="This message is still being written." canType />, { api });
  expect(screen.getByText('This message is still being written.')).toBeInTheDocument();
  const open = screen.getByRole('button', { name: 'Open' });
  fireEvent.change(screen.getByLabelText('Message-ID'), { target: { value: 'not an id' } });
  expect(open).toBeDisabled();
  fireEvent.change(screen.getByLabelText('Message-ID'), { target: { value: PHISH } });
  fireEvent.click(open);
  fireEvent.click(await screen.findByRole('button', { name: 'Find copies' }));
  await waitFor(() => expect(api.lookup).toHaveBeenCalledWith({ internetMessageId: PHISH, depth: 1, includeSenderCopy: false }));
});

it('keeps polling a running job through a restart of the service, saying so, and shows how it ended', async () => {
  // Running, then the API does not answer (restarting), then a 503, then the job has completed.
  const answers: Array<() => Promise<import('../../../src/contracts').Job>> = [
    async () => jobFixture({ status: 'running', counts: { targets: 4, done: 1, alreadyGone: 0, failed: 0 } }),
    async () => Promise.reject(new ApiError('Retract could not reach its service.', 0)),
    async () => Promise.reject(problem(503, 'Retract is starting.')),
    async () => jobFixture({ status: 'completed', counts: { targets: 4, done: 4, alreadyGone: 0, failed: 0 } }),
  ];
  const api = fakeApi({ lookup: async () => lookupFixture, startJob: async () => ({ jobId: 'job1' }), job: () => (answers.length > 1 ? answers.shift()! : answers[0]!)() });
  view(api);
  fireEvent.click(screen.getByRole('button', { name: 'Find copies' }));
  await screen.findByRole('grid');
  fireEvent.click(screen.getByRole('button', { name: 'Retract' }));
  fireEvent.click(dialogButton(await screen.findByRole('alertdialog'), 'Retract now'));
  expect(await screen.findByText(/Retract is not answering right now\. The job goes on without this pane/)).toBeInTheDocument();
  // The progress already shown stays while the pane reconnects.
  expect(screen.getByText('Soft delete (recoverable): Running')).toBeInTheDocument();
  expect(await screen.findByText('Soft delete (recoverable): Completed', undefined, { timeout: 3_000 })).toBeInTheDocument();
  expect(screen.queryByText(/Retract is not answering right now/)).not.toBeInTheDocument();
  expect(api.job.mock.calls.length).toBeGreaterThanOrEqual(4);
});

it('stops polling and says why when the service refuses the job (not a passing failure)', async () => {
  const api = fakeApi({ lookup: async () => lookupFixture, startJob: async () => ({ jobId: 'job1' }), job: async () => Promise.reject(problem(404, 'There is no job job1 in your tenant.')) });
  view(api);
  fireEvent.click(screen.getByRole('button', { name: 'Find copies' }));
  await screen.findByRole('grid');
  fireEvent.click(screen.getByRole('button', { name: 'Retract' }));
  fireEvent.click(dialogButton(await screen.findByRole('alertdialog'), 'Retract now'));
  expect(await screen.findByText(/There is no job job1 in your tenant\./)).toBeInTheDocument();
  const calls = api.job.mock.calls.length;
  await new Promise((r) => setTimeout(r, 200));
  expect(api.job.mock.calls.length).toBe(calls);
  expect(screen.queryByText(/Retract is not answering right now/)).not.toBeInTheDocument();
});
