// Every control labelled: axe-core over the busiest states of the views (jsdom has no layout, so
// colour contrast and visibility rules are left to the browser tests).
import { fireEvent, screen } from '@testing-library/react';
import axe from 'axe-core';
import { AuditView } from '../../../src/taskpane/views/AuditView';
import { RetractView } from '../../../src/taskpane/views/RetractView';
import { SetupView } from '../../../src/taskpane/views/SetupView';
import { fakeApi, jobFixture, lookupFixture, PHISH, renderWith } from './fake-api';

async function seriousViolations(root: HTMLElement): Promise<string[]> {
  const result = await axe.run(root, { rules: { 'color-contrast': { enabled: false } }, resultTypes: ['violations'] });
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

it('the Retract view with copies, ambiguous forwards, unreachable addresses, the tree and a job has no serious violation', async () => {
  const api = fakeApi({ lookup: async () => lookupFixture, startJob: async () => ({ jobId: 'job1' }), job: async () => jobFixture({ status: 'completed' }) });
  const { container } = renderWith(<RetractView message={{ internetMessageId: PHISH, subject: 'RE: Order' }} canType />, { api });
  fireEvent.click(screen.getByRole('button', { name: 'Find copies' }));
  await screen.findByRole('grid');
  expect(await seriousViolations(container)).toEqual([]);
});

it('the Audit and Setup views have no serious violation', async () => {
  const api = fakeApi({
    audit: async () => ({ records: [{ seq: 1, time: '2026-11-20T09:30:00Z', section: 'Setup', event: 'settings', actor: { upn: 'adele@contoso.com' }, prevHash: 'p', hash: 'h' }], nextCursor: 'n' }),
    auditVerify: async () => ({ ok: true, records: 1, head: 'h' }),
    setup: async () => ({ consent: true, consentUrl: 'https://x/adminconsent', domains: [{ domain: 'contoso.com', status: 'granted' }], permissions: [{ name: 'Mail.ReadWrite', granted: true }] }),
  });
  const audit = renderWith(<AuditView />, { api });
  await screen.findByText('Chain verified (1 record)');
  await screen.findByRole('button', { name: 'Load more' });
  expect(await seriousViolations(audit.container)).toEqual([]);
  audit.unmount();
  const setup = renderWith(<SetupView />, { api });
  await screen.findByRole('button', { name: 'Remove contoso.com' });
  expect(await seriousViolations(setup.container)).toEqual([]);
});
