/**
 * `/users?$filter` equality on id, userPrincipalName, mail and proxyAddresses is answered from
 * the tenant's indexes (as Entra's are), never by a scan; the answers must be exactly what the
 * filter means, checked here against the fixture itself for every user and address.
 */
import type { Client } from '@microsoft/microsoft-graph-client';
import { userCandidates } from '../../../src/sim/graph/directory';
import { parseFilter } from '../../../src/sim/odata';
import { startGraphHarness, type GraphHarness } from './graph-harness';

let h: GraphHarness;
let client: Client;

beforeAll(async () => {
  h = await startGraphHarness();
  client = h.client();
});
afterAll(async () => {
  await h.close();
});

interface User {
  id: string;
  userPrincipalName: string;
  displayName: string;
}

async function upns(filter: string): Promise<string[]> {
  const res = (await client.api('/users').filter(filter).select('id,userPrincipalName,displayName').get()) as { value: User[] };
  return res.value.map((u) => u.userPrincipalName).sort();
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

it('finds each user by every address they hold, in any ASCII case, and no one else', async () => {
  for (const u of h.fixture.users) {
    const hasMailbox = (u.mailbox ?? 'enabled') !== 'none';
    expect(await upns(`userPrincipalName eq ${quote(u.userPrincipalName.toUpperCase())}`)).toEqual([u.userPrincipalName]);
    expect(await upns(`id eq ${quote(u.id)}`)).toEqual([u.userPrincipalName]);
    if (u.mail) expect(await upns(`mail eq ${quote(u.mail.toUpperCase())}`)).toEqual(hasMailbox ? [u.userPrincipalName] : []);
    for (const proxy of u.proxyAddresses ?? []) {
      const address = proxy.slice('smtp:'.length);
      expect(await upns(`proxyAddresses/any(p:p eq ${quote('smtp:' + address)})`)).toEqual(hasMailbox ? [u.userPrincipalName] : []);
    }
  }
});

it('combines indexed clauses with or and and exactly as the filter means', async () => {
  const [a, b] = h.fixture.users.filter((u) => u.mail && (u.mailbox ?? 'enabled') === 'enabled');
  expect(await upns(`mail eq ${quote(a!.mail!)} or mail eq ${quote(b!.mail!)}`)).toEqual([a!.userPrincipalName, b!.userPrincipalName].sort());
  expect(await upns(`mail eq ${quote(a!.mail!)} and displayName eq ${quote(a!.displayName)}`)).toEqual([a!.userPrincipalName]);
  expect(await upns(`mail eq ${quote(a!.mail!)} and displayName eq ${quote(b!.displayName)}`)).toEqual([]);
  // A clause that cannot narrow (displayName) makes the whole or a scan: still the same answer.
  expect(await upns(`mail eq ${quote(a!.mail!)} or displayName eq ${quote(b!.displayName)}`)).toEqual([a!.userPrincipalName, b!.userPrincipalName].sort());
});

it('matches no one for an unknown address or a look-alike character', async () => {
  expect(await upns("mail eq 'nobody@contoso.com'")).toEqual([]);
  // Cyrillic "а" (U+0430) in place of the Latin "a": a different address.
  expect(await upns("mail eq '\u0430dele@contoso.com'")).toEqual([]);
  expect(await upns("proxyAddresses/any(p:p eq 'x500:adele@contoso.com')")).toEqual([]);
});

describe('which filters the index answers (the rest are scanned)', () => {
  // Pins that the address filters the product sends never fall back to reading every user.
  it('narrows mail, proxyAddresses/any and their or to the one holder, and scans displayName', () => {
    const tenant = h.sim.ctx.tenant;
    const narrowed = (filter: string) => userCandidates(tenant, parseFilter(filter));
    const gateway = narrowed("mail eq 'adele@contoso.com' or proxyAddresses/any(p:p eq 'smtp:adele@contoso.com')");
    expect(gateway && [...gateway].map((u) => u.userPrincipalName)).toEqual(['adele@contoso.com']);
    expect(narrowed("proxyAddresses/any(x:x eq 'SMTP:a.vance@contoso.com')")?.size).toBe(1);
    expect(narrowed("displayName eq 'Adele Vance'")).toBeUndefined();
    expect(narrowed("mail eq 'adele@contoso.com' or displayName eq 'x'")).toBeUndefined();
  });
});
