/**
 * OME: a sender with no role checks and revokes their own message (to one recipient) and is
 * refused for someone else's, or for one sent to several people; an admin revokes anyone's.
 * Setup: the demo tenant's three kinds of domain, and a missing admin consent shown as missing.
 */
import { startStack, type Stack } from './stack';

let stack: Stack;

async function simSend(op: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${stack.sim.origin}/_sim/mail`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(op) });
  if (!res.ok) throw new Error(`sim mail: ${res.status} ${await res.text()}`);
  return ((await res.json()) as Record<string, string>)[String(op.ref)]!;
}

async function simOme(id: string): Promise<{ revoked: boolean; isRevocable: boolean }> {
  return (await (await fetch(`${stack.sim.origin}/_sim/ome/${encodeURIComponent(id)}`)).json()) as { revoked: boolean; isRevocable: boolean };
}

beforeAll(async () => {
  stack = await startStack();
}, 60000);
afterAll(async () => {
  await stack?.close();
});

describe('OME', () => {
  it('lets a sender with no role revoke their own single-recipient message, and no one else’s', async () => {
    const mine = await simSend({ op: 'send', ref: 'lidia-ome', as: 'lidia@contoso.com', to: ['pat.kim@gmail.com'], cc: [], bcc: [], subject: 'Salary review', encryption: 'ome' });
    const toTwo = await simSend({ op: 'send', ref: 'lidia-ome-2', as: 'lidia@contoso.com', to: ['pat.kim@gmail.com', 'sam@fabrikam.example'], cc: [], bcc: [], subject: 'Contract', encryption: 'ome' });
    const megans = await simSend({ op: 'send', ref: 'megan-ome', as: 'megan@contoso.com', to: ['sam@fabrikam.example'], cc: [], bcc: [], subject: 'Offer', encryption: 'ome' });
    const lidia = await stack.userToken('lidia@contoso.com');
    const megan = await stack.userToken('megan@contoso.com');
    const alex = await stack.userToken('alex@contoso.com');

    const status = await stack.call('GET', `ome?internetMessageId=${encodeURIComponent(mine)}`, { token: lidia });
    expect(status.status).toBe(200);
    expect(status.body).toEqual({ subject: 'Salary review', isRevocable: true, revoked: false });

    // Someone else's message: refused, whoever they are without the admin role.
    const other = await stack.call('POST', 'ome/revoke', { token: megan, body: { internetMessageId: mine } });
    expect(other.status).toBe(403);
    expect(other.body.detail).toMatch(/only messages you sent yourself/);
    expect((await simOme(mine)).revoked).toBe(false);
    expect((await stack.call('GET', `ome?internetMessageId=${encodeURIComponent(megans)}`, { token: lidia })).status).toBe(403);

    // Her own, but to two people: not for a sender to revoke.
    const two = await stack.call('POST', 'ome/revoke', { token: lidia, body: { internetMessageId: toTwo } });
    expect(two.status).toBe(403);
    expect(two.body.detail).toMatch(/single recipient/);

    const revoked = await stack.call('POST', 'ome/revoke', { token: lidia, body: { internetMessageId: mine } });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ revoked: true });
    expect(await simOme(mine)).toMatchObject({ revoked: true });
    const portal = await fetch(`${stack.sim.origin}/ome/view/${encodeURIComponent(mine)}?recipient=pat.kim@gmail.com`);
    expect(await portal.text()).toContain('The message has been revoked by the sender');

    // An admin may revoke anyone's revocable message.
    const byAdmin = await stack.call('POST', 'ome/revoke', { token: alex, body: { internetMessageId: megans } });
    expect(byAdmin.status).toBe(200);
    expect((await simOme(megans)).revoked).toBe(true);

    // The audit: Revoke records (intent and outcome) and the refusals in Access.
    const admin = await stack.appToken('retract-cli');
    const revokes = await stack.call('GET', `audit?section=Revoke&internetMessageId=${encodeURIComponent(mine)}`, { token: admin });
    expect(revokes.body.records.map((r: { event: string; phase?: string; outcome: string }) => `${r.event}/${r.phase ?? '-'}/${r.outcome}`).sort()).toEqual([
      'ome-revoke/intent/dispatched',
      'ome-revoke/outcome/revoked',
      'ome-status/-/revocable',
    ]);
    const access = await stack.call('GET', 'audit?section=Access', { token: admin });
    const refusals = access.body.records.filter((r: { outcome: string }) => r.outcome === '403');
    expect(refusals.map((r: { detail: string }) => r.detail).sort()).toEqual([
      'not the sender of the message',
      'not the sender of the message',
      'sent to more than one recipient',
    ]);
  });
});

describe('setup', () => {
  it("shows the demo tenant's domains as granted, not-verified and not-in-tenant", async () => {
    const admin = await stack.appToken('retract-cli');
    const put = await stack.call('PUT', 'settings/domains', { token: admin, body: { domains: ['Contoso.com', 'contoso-legacy.com', 'fabrikam.example'] } });
    expect(put.status).toBe(200);
    expect(put.body.domains).toEqual(['contoso-legacy.com', 'contoso.com', 'fabrikam.example']);
    const setup = await stack.call('GET', 'setup', { token: admin });
    expect(setup.status).toBe(200);
    expect(setup.body.consent).toBe(true);
    expect(setup.body.consentUrl).toBe(`${stack.sim.origin}/${stack.fixture.tenant.id}/adminconsent?client_id=${stack.apiApp.clientId}`);
    expect(Object.fromEntries(setup.body.domains.map((d: { domain: string; status: string }) => [d.domain, d.status]))).toEqual({
      'contoso.com': 'granted',
      'contoso-legacy.com': 'not-verified',
      'fabrikam.example': 'not-in-tenant',
    });
    expect(setup.body.permissions.every((p: { granted: boolean }) => p.granted)).toBe(true);
  });

  it('shows a missing admin consent as missing', async () => {
    const admin = await stack.appToken('retract-cli');
    const off = await fetch(`${stack.sim.origin}/_sim/apps/${stack.apiApp.clientId}/consent`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ adminConsent: false }),
    });
    expect(off.status).toBe(200);
    const setup = await stack.call('GET', 'setup', { token: admin });
    expect(setup.status).toBe(200);
    expect(setup.body.consent).toBe(false);
    expect(setup.body.permissions.find((p: { name: string }) => p.name === 'Mail.ReadWrite').granted).toBe(false);
    await fetch(`${stack.sim.origin}/_sim/apps/${stack.apiApp.clientId}/consent`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ adminConsent: true }) });
    expect((await stack.call('GET', 'setup', { token: admin })).body.consent).toBe(true);
  });
});
