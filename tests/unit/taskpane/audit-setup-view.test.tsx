// Audit (filters, expandable entries, paging, the chain badge) and Setup (consent, Grant
// permissions through the host, domains with status, add and remove).
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { AuditRecord, Setup } from '../../../src/contracts';
import { AuditView } from '../../../src/taskpane/views/AuditView';
import { SetupView } from '../../../src/taskpane/views/SetupView';
import { deferred, fakeApi, fakeHost, problem, renderWith } from './fake-api';

const record = (seq: number, over: Partial<AuditRecord> = {}): AuditRecord => ({
  seq,
  time: '2026-11-20T09:30:00Z',
  section: 'Retract',
  event: 'job',
  phase: 'outcome',
  actor: { upn: 'adele@contoso.com' },
  internetMessageId: '<phish@evil.example>',
  jobId: `job${seq}`,
  outcome: 'completed',
  prevHash: `prev${seq}`,
  hash: `hash${seq}`,
  ...over,
});

describe('Audit view', () => {
  it('loads the newest records and the chain badge, filters, expands an entry, and pages on', async () => {
    const api = fakeApi({
      audit: async (q) =>
        q.cursor ? { records: [record(1, { event: 'lookup' })], nextCursor: null } : { records: [record(3), record(2, { section: 'Revoke', event: 'ome-revoke', outcome: 'ok' })], nextCursor: 'c2' },
      auditVerify: async () => ({ ok: true, records: 3, head: 'hash3' }),
    });
    renderWith(<AuditView />, { api });
    expect(await screen.findByText('Chain verified (3 records)')).toBeInTheDocument();
    const entries = await screen.findAllByRole('button', { name: /adele@contoso.com/ });
    expect(entries).toHaveLength(2);
    fireEvent.click(entries[0]!);
    expect(await screen.findByText('job3')).toBeInTheDocument();
    expect(screen.getByText('hash3')).toBeInTheDocument();

    fireEvent.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(screen.getAllByRole('button', { name: /adele@contoso.com/ })).toHaveLength(3));
    expect(api.audit).toHaveBeenLastCalledWith({ cursor: 'c2' });

    fireEvent.change(screen.getByLabelText('Section'), { target: { value: 'Revoke' } });
    fireEvent.change(screen.getByLabelText('Actor'), { target: { value: 'adele@contoso.com' } });
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));
    await waitFor(() => expect(api.audit).toHaveBeenLastCalledWith({ section: 'Revoke', actor: 'adele@contoso.com' }));
  });

  it('shows a broken chain, an empty result, and a refusal', async () => {
    const api = fakeApi({ audit: async () => ({ records: [], nextCursor: null }), auditVerify: async () => ({ ok: false, records: 9, head: 'h', brokenAt: 7 }) });
    const { unmount } = renderWith(<AuditView />, { api });
    expect(await screen.findByText('Chain broken at 7: the audit log was altered')).toBeInTheDocument();
    expect(await screen.findByText('No audit records match.')).toBeInTheDocument();
    unmount();
    const refused = fakeApi({ audit: () => Promise.reject(problem(403, 'Forbidden')), auditVerify: () => Promise.reject(problem(403, 'Forbidden')) });
    renderWith(<AuditView />, { api: refused });
    expect(await screen.findByRole('alert')).toHaveTextContent(/does not have a Retract role/);
  });
});

const setup: Setup = {
  consent: false,
  consentUrl: 'https://localhost:4010/tenant-1/adminconsent?client_id=c1',
  domains: [
    { domain: 'contoso.com', status: 'granted' },
    { domain: 'contoso-legacy.com', status: 'not-verified' },
  ],
  permissions: [
    { name: 'Mail.ReadWrite', granted: false },
    { name: 'Exchange.ManageAsApp', granted: true },
  ],
};

describe('Setup view', () => {
  it('shows consent and domain status, opens the consent URL through the host, adds and removes domains', async () => {
    const loading = deferred<Setup>();
    let current = setup;
    const api = fakeApi({
      setup: jest.fn().mockReturnValueOnce(loading.promise).mockImplementation(async () => current),
      setDomains: async (domains) => {
        current = { ...setup, domains: domains.map((domain) => ({ domain, status: 'granted' as const })) };
        return { domains };
      },
    });
    const host = fakeHost();
    renderWith(<SetupView />, { api, host: host.host });
    expect(screen.getByText('Loading…')).toBeInTheDocument();
    loading.resolve(setup);
    expect(await screen.findByText(/Not granted: Retract cannot act/)).toBeInTheDocument();
    const domains = screen.getByRole('table', { name: 'Managed domains' });
    expect(within(domains).getByText('Not verified')).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Grant permissions' }));
    await waitFor(() => expect(host.opened).toEqual([setup.consentUrl]));

    fireEvent.change(screen.getByLabelText('Domain to add'), { target: { value: 'not a domain' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add domain' }));
    expect(screen.getByText('Type a domain name such as contoso.com.')).toBeInTheDocument();
    expect(api.setDomains).not.toHaveBeenCalled();

    fireEvent.change(screen.getByLabelText('Domain to add'), { target: { value: 'Fabrikam.COM' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add domain' }));
    await waitFor(() => expect(api.setDomains).toHaveBeenCalledWith(['contoso.com', 'contoso-legacy.com', 'fabrikam.com']));
    expect(await screen.findByText('Domains saved.')).toBeInTheDocument();
    expect(await screen.findByText('fabrikam.com')).toBeInTheDocument();

    fireEvent.click(screen.getByRole('button', { name: 'Remove contoso-legacy.com' }));
    await waitFor(() => expect(api.setDomains).toHaveBeenLastCalledWith(['contoso.com', 'fabrikam.com']));
  });

  it('shows a refusal to load and a failure to save', async () => {
    const refused = fakeApi({ setup: () => Promise.reject(problem(403, 'Forbidden')) });
    const { unmount } = renderWith(<SetupView />, { api: refused });
    expect(await screen.findByRole('alert')).toHaveTextContent(/does not have a Retract role/);
    unmount();
    const failing = fakeApi({ setup: async () => ({ ...setup, consent: true }), setDomains: () => Promise.reject(problem(400, 'At most 500 managed domains.')) });
    renderWith(<SetupView />, { api: failing });
    expect(await screen.findByText(/Granted: Retract can act/)).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Remove contoso.com' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('At most 500 managed domains.');
  });
});
