// Search: the message trace, folded per message, with the "Retracted" badge derived from jobs
// and audit, and Open handing the message to the Retract view.
import { fireEvent, screen, within } from '@testing-library/react';
import type { AuditPage, JobList, Trace } from '../../../src/contracts';
import { retractedIds, SearchView } from '../../../src/taskpane/views/SearchView';
import { deferred, fakeApi, problem, renderWith } from './fake-api';

const row = (over: Partial<Trace['rows'][number]>): Trace['rows'][number] => ({
  received: '2026-11-20T09:30:00Z',
  senderAddress: 'attacker@evil.example',
  recipientAddress: 'adele@contoso.com',
  subject: 'RE: Order',
  status: 'Delivered',
  internetMessageId: '<phish@evil.example>',
  messageTraceId: 't1',
  ...over,
});
const trace: Trace = {
  rows: [
    row({}),
    row({ recipientAddress: 'megan@contoso.com', messageTraceId: 't2' }),
    row({ internetMessageId: '<lunch@contoso.com>', subject: 'Lunch', senderAddress: 'megan@contoso.com', messageTraceId: 't3' }),
  ],
};
const jobs: JobList = {
  jobs: [{ jobId: 'j1', status: 'completed', action: 'soft-delete', lookupId: 'l1', counts: { targets: 2, done: 2, alreadyGone: 0, failed: 0 }, internetMessageId: '<phish@evil.example>' }],
};

it('searches the trace, shows one row per message with its recipients, badges what was retracted, and opens one', async () => {
  const pending = deferred<Trace>();
  const api = fakeApi({ trace: () => pending.promise, jobs: async () => jobs, audit: async () => ({ records: [], nextCursor: null }) });
  const opened: unknown[] = [];
  renderWith(<SearchView onOpen={(m) => opened.push(m)} />, { api });
  fireEvent.change(screen.getByLabelText('Sender'), { target: { value: 'attacker@evil.example' } });
  fireEvent.click(screen.getByRole('button', { name: 'Search' }));
  expect(screen.getByText('Searching the message trace…')).toBeInTheDocument();
  pending.resolve(trace);
  const table = await screen.findByRole('table', { name: 'Trace results' });
  expect(api.trace).toHaveBeenCalledWith({ sender: 'attacker@evil.example' });
  expect(within(table).getAllByRole('row')).toHaveLength(3);
  expect(within(table).getByText('adele@contoso.com, megan@contoso.com')).toBeInTheDocument();
  const phishRow = within(table).getByText('RE: Order').closest('[role="row"]') as HTMLElement;
  expect(within(phishRow).getByText('Retracted')).toBeInTheDocument();
  const lunchRow = within(table).getByText('Lunch').closest('[role="row"]') as HTMLElement;
  expect(within(lunchRow).queryByText('Retracted')).not.toBeInTheDocument();
  fireEvent.click(within(table).getByRole('button', { name: 'Open "RE: Order" in Retract' }));
  expect(opened).toEqual([
    {
      internetMessageId: '<phish@evil.example>',
      subject: 'RE: Order',
      from: { address: 'attacker@evil.example' },
      date: '2026-11-20T09:30:00Z',
      to: [{ address: 'adele@contoso.com' }, { address: 'megan@contoso.com' }],
    },
  ]);
});

it('asks for a criterion, says when nothing matches, shows errors and refusals; auditors get no Open button', async () => {
  const api = fakeApi({ trace: async () => ({ rows: [] }), jobs: async () => ({ jobs: [] }), audit: async () => ({ records: [], nextCursor: null }) });
  const { unmount } = renderWith(<SearchView />, { api });
  fireEvent.click(screen.getByRole('button', { name: 'Search' }));
  expect(screen.getByText('Give at least a sender, a recipient or a subject.')).toBeInTheDocument();
  expect(api.trace).not.toHaveBeenCalled();
  fireEvent.change(screen.getByLabelText('Subject'), { target: { value: 'nothing' } });
  fireEvent.click(screen.getByRole('button', { name: 'Search' }));
  expect(await screen.findByText('No messages match. Widen the dates or check the addresses.')).toBeInTheDocument();
  unmount();

  const refused = fakeApi({ trace: () => Promise.reject(problem(403, 'Forbidden')), jobs: async () => ({ jobs: [] }), audit: async () => ({ records: [], nextCursor: null }) });
  renderWith(<SearchView />, { api: refused });
  fireEvent.change(screen.getByLabelText('Subject'), { target: { value: 'x' } });
  fireEvent.click(screen.getByRole('button', { name: 'Search' }));
  expect(await screen.findByRole('alert')).toHaveTextContent(/does not have a Retract role/);
});

it('still shows the trace when jobs and audit cannot be read (no badge then), and shows no Open button without onOpen', async () => {
  const api = fakeApi({ trace: async () => trace, jobs: () => Promise.reject(problem(500, 'x')), audit: () => Promise.reject(problem(500, 'x')) });
  renderWith(<SearchView />, { api });
  fireEvent.change(screen.getByLabelText('Recipient'), { target: { value: 'adele@contoso.com' } });
  fireEvent.click(screen.getByRole('button', { name: 'Search' }));
  const table = await screen.findByRole('table', { name: 'Trace results' });
  expect(within(table).queryByText('Retracted')).not.toBeInTheDocument();
  expect(within(table).queryByRole('button')).not.toBeInTheDocument();
});

describe('retractedIds', () => {
  it('counts completed and partial jobs, not undone ones, not undo jobs, plus audit outcomes the list lacks', () => {
    const list: JobList = {
      jobs: [
        { ...jobs.jobs[0]!, jobId: 'a', internetMessageId: '<a@x>' },
        { ...jobs.jobs[0]!, jobId: 'b', internetMessageId: '<b@x>', undoneBy: 'u' },
        { ...jobs.jobs[0]!, jobId: 'u', action: 'undo', undoOf: 'b', internetMessageId: '<b@x>' },
        { ...jobs.jobs[0]!, jobId: 'c', status: 'failed', internetMessageId: '<c@x>' },
        { ...jobs.jobs[0]!, jobId: 'd', status: 'partial', internetMessageId: '<d@x>' },
      ],
    };
    const base = { seq: 1, time: '2026-11-20T09:30:00Z', section: 'Retract' as const, actor: {}, prevHash: 'p', hash: 'h' };
    const audit: AuditPage = {
      records: [
        { ...base, event: 'job', phase: 'outcome', outcome: 'completed', jobId: 'old', internetMessageId: '<old@x>' },
        { ...base, event: 'job', phase: 'intent', jobId: 'new', internetMessageId: '<intent@x>' },
      ],
      nextCursor: null,
    };
    expect([...retractedIds(list, audit)].sort()).toEqual(['<a@x>', '<d@x>', '<old@x>']);
  });
});
