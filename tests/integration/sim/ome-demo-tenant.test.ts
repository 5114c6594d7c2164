/**
 * The demo tenant's own mail through the Exchange admin API, as the product's gateway calls it:
 * the OME round trip on `enc1` (to Gmail), `enc-inline` (to a colleague) not revocable, and the
 * message trace of the `phish`, one row per recipient with the group expansion visible.
 */
import path from 'node:path';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { ensureDevCerts } from '../../../src/dev/certs';
import { loadTenantFixture, type TenantFixture } from '../../../src/sim/fixture';
import { startSimServer, type SimServer } from '../../../src/sim/server';

const fixture: TenantFixture = loadTenantFixture(path.join(__dirname, '..', '..', '..', 'src', 'sim', 'tenants', 'demo.json'));
const api = fixture.apps.find((a) => a.name === 'retract-api')!;
const tenantId = fixture.tenant.id;

let sim: SimServer;
let bearer: string;
beforeAll(async () => {
  const certs = ensureDevCerts();
  sim = await startSimServer({ fixture, cert: certs.cert, key: certs.key, port: 0 });
  const msal = new ConfidentialClientApplication({
    auth: { clientId: api.clientId, clientSecret: api.secret, authority: `${sim.origin}/${tenantId}`, knownAuthorities: [new URL(sim.origin).host] },
  });
  bearer = (await msal.acquireTokenByClientCredential({ scopes: ['https://outlook.office365.com/.default'] }))!.accessToken;
});
afterAll(() => sim.close());

async function invoke(cmdlet: string, parameters: Record<string, unknown>) {
  const res = await fetch(`${sim.origin}/adminapi/beta/${tenantId}/InvokeCommand`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', 'x-anchormailbox': `APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@${tenantId}` },
    body: JSON.stringify({ CmdletInput: { CmdletName: cmdlet, Parameters: parameters } }),
  });
  return { status: res.status, body: (await res.json()) as { value?: Record<string, unknown>[]; error?: { details: { message: string }[] } } };
}

const idOf = (ref: string) => sim.ctx.tenant.mail.byRef.get(ref)!.internetMessageId;

it('OME round trip on enc1: revocable → revoked → the portal says "The message has been revoked by the sender"', async () => {
  const id = idOf('enc1');
  const recipient = 'pat.kim@gmail.com';
  expect((await invoke('Get-OMEMessageStatus', { MessageId: id })).body.value).toEqual([{ Subject: 'Offer letter (encrypted)', IsRevocable: true, Revoked: false }]);
  expect(await (await fetch(`${sim.origin}/_sim/ome/${encodeURIComponent(id)}`)).json()).toMatchObject({ revoked: false, isRevocable: true, recipients: [recipient] });
  const before = await fetch(`${sim.origin}/ome/view/${encodeURIComponent(id)}?recipient=${encodeURIComponent(recipient)}`);
  expect(await before.text()).toContain('Offer letter (encrypted)');
  expect((await invoke('Set-OMEMessageRevocation', { MessageId: id, Revoke: true })).status).toBe(200);
  expect((await invoke('Get-OMEMessageStatus', { MessageId: id })).body.value?.[0]).toMatchObject({ IsRevocable: true, Revoked: true });
  expect(await (await fetch(`${sim.origin}/_sim/ome/${encodeURIComponent(id)}`)).json()).toMatchObject({ revoked: true });
  const after = await (await fetch(`${sim.origin}/ome/view/${encodeURIComponent(id)}?recipient=${encodeURIComponent(recipient)}`)).text();
  expect(after).toContain('The message has been revoked by the sender');
});

it('mail to a Microsoft 365 recipient (enc-inline) is not revocable', async () => {
  const id = idOf('enc-inline');
  expect((await invoke('Get-OMEMessageStatus', { MessageId: id })).body.value?.[0]).toMatchObject({ IsRevocable: false, Revoked: false });
  const revoke = await invoke('Set-OMEMessageRevocation', { MessageId: id, Revoke: true });
  expect(revoke.status).toBe(400);
  expect(revoke.body.error?.details[0]?.message.split('|')[2]).toContain("can't be revoked");
});

it('the trace of the phish has one row per recipient, and the group as Expanded', async () => {
  const phish = sim.ctx.tenant.mail.byRef.get('phish')!;
  const res = await invoke('Get-MessageTraceV2', { MessageId: phish.internetMessageId, SenderAddress: phish.from.address });
  expect(res.status).toBe(200);
  const rows = res.body.value!;
  const group = sim.ctx.tenant.findGroupByAddress('all@contoso.com')!;
  const members = sim.ctx.tenant.groupMembers(group.id, true).users.filter((u) => u.mailbox !== 'none');
  expect(members.length).toBeGreaterThan(1);
  expect(rows.find((r) => r.RecipientAddress === 'all@contoso.com')?.Status).toBe('Expanded');
  const delivered = rows.filter((r) => r.Status === 'Delivered').map((r) => String(r.RecipientAddress).toLowerCase()).sort();
  expect(delivered).toEqual(members.map((u) => (u.mail ?? u.userPrincipalName).toLowerCase()).sort());
  expect(new Set(rows.map((r) => r.RecipientAddress)).size).toBe(rows.length);
  for (const r of rows) expect(r).toMatchObject({ SenderAddress: phish.from.address, Subject: phish.subject, MessageId: phish.internetMessageId });
});
