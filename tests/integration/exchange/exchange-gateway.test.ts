/**
 * The Exchange admin API gateway against the simulated tenant over HTTPS: OME status and
 * revoke through InvokeCommand, message trace, and the trace's recipients found by searching
 * back through 10-day windows.
 */
import { ExchangeCommandError } from '../../../src/exchange';
import { startScenario, type Scenario } from '../graph/scenario-harness';

// The machine is shared: give each step room beyond jest's 5 s default (the integration project's own timeout is not applied per project).
jest.setTimeout(60_000);

let s: Scenario;
beforeAll(async () => {
  s = await startScenario('ome-and-trace');
});
afterAll(async () => {
  await s?.close();
});

it('reads the OME status of a message and revokes it for a portal (link-based) recipient', async () => {
  await expect(s.exchange.omeStatus('<ome-ext@contoso.com>')).resolves.toEqual({ subject: 'Offer letter', isRevocable: true, revoked: false });
  await expect(s.exchange.omeRevoke('<ome-ext@contoso.com>')).resolves.toEqual({ revoked: true });
  await expect(s.exchange.omeStatus('<ome-ext@contoso.com>')).resolves.toMatchObject({ revoked: true });
  const portal = await fetch(`${s.sim.origin}/ome/view/${encodeURIComponent('<ome-ext@contoso.com>')}?recipient=pat@gmail.com`);
  expect(await portal.text()).toContain('The message has been revoked by the sender');
});

it("refuses to revoke a message read inline, with Exchange's reason as a sentence", async () => {
  const err = await s.exchange.omeRevoke('<ome-int@contoso.com>').catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ExchangeCommandError);
  expect((err as Error).message).toMatch(/^Exchange Online refused Set-OMEMessageRevocation: .*can't be revoked/);
  await expect(s.exchange.omeStatus('<ome-int@contoso.com>')).resolves.toMatchObject({ isRevocable: false, revoked: false });
});

it('finds a 35-day-old message in the trace by searching back through 10-day windows', async () => {
  const at = new Date(Date.now() - 35 * 86_400_000).toISOString();
  const res = await fetch(`${s.sim.origin}/_sim/mail`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ op: 'deliver', ref: 'old', from: 'x@evil.example', to: ['lee@contoso.com', 'team@contoso.com'], subject: 'Old phish', internetMessageId: '<old-phish@evil.example>', at }),
  });
  expect(res.status).toBe(200);
  const traced = await s.exchange.traceRecipients('<old-phish@evil.example>');
  expect(traced.sender).toBe('x@evil.example');
  // The group's own row and a row for each member it reached; lee only once.
  expect(traced.recipients.map((r) => r.toLowerCase()).sort()).toEqual(['alex@contoso.com', 'lee@contoso.com', 'team@contoso.com']);
  // A plain trace of the last 10 days does not reach it.
  const recent = await s.exchange.messageTrace({ messageId: '<old-phish@evil.example>', startDate: new Date(Date.now() - 10 * 86_400_000), endDate: new Date() });
  expect(recent).toEqual([]);
  // A 40-day range is split into windows Exchange accepts.
  const wide = await s.exchange.messageTrace({ senderAddress: 'x@evil.example', startDate: new Date(Date.now() - 40 * 86_400_000), endDate: new Date() });
  expect(wide.map((r) => r.recipientAddress.toLowerCase()).sort()).toEqual(['alex@contoso.com', 'lee@contoso.com', 'team@contoso.com']);
});

it('lists what adele sent, by sender, through message trace', async () => {
  const rows = await s.exchange.messageTrace({ senderAddress: 'adele@contoso.com' });
  expect(rows.map((r) => `${r.messageId} ${r.recipientAddress}`).sort()).toEqual(['<ome-ext@contoso.com> pat@gmail.com', '<ome-int@contoso.com> megan@contoso.com']);
});
