/** A tenant with the demo's mail: a phish delivered to a group, OME mail to Gmail and to a colleague. */
import { parseTenantFixture, type TenantFixture } from '../../../src/sim/fixture';

export const TENANT_ID = '6b8d4f20-1c3e-4d5f-9a01-2b3c4d5e6f70';
export const API_ID = '44444444-5555-4666-8777-888888888888';
export const AUDITOR_ID = '55555555-6666-4777-8888-999999999999';
export const ANCHOR = `APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@${TENANT_ID}`;
const ADELE = 'b0000000-0000-4000-8000-000000000001';
const MEGAN = 'b0000000-0000-4000-8000-000000000002';
const ALEX = 'b0000000-0000-4000-8000-000000000003';

export function exchangeFixture(): TenantFixture {
  return parseTenantFixture({
    tenant: { id: TENANT_ID, displayName: 'Contoso', initialDomain: 'contoso.onmicrosoft.com' },
    domains: [{ id: 'contoso.com', isVerified: true, isDefault: true }],
    users: [
      { id: ADELE, displayName: 'Adele Vance', userPrincipalName: 'adele@contoso.com', mail: 'adele@contoso.com', appRoles: ['Retract.Admin'], password: 'demo' },
      { id: MEGAN, displayName: 'Megan Bowen', userPrincipalName: 'megan@contoso.com', mail: 'megan@contoso.com', password: 'demo' },
      { id: ALEX, displayName: 'Alex Wilber', userPrincipalName: 'alex@contoso.com', mail: 'alex@contoso.com', password: 'demo' },
    ],
    groups: [{ id: 'c0000000-0000-4000-8000-000000000001', displayName: 'All staff', mail: 'all@contoso.com', members: [ADELE, MEGAN, ALEX] }],
    apps: [
      {
        name: 'retract-api',
        clientId: API_ID,
        secret: 'api-s3cret',
        identifierUri: `api://localhost:3000/${API_ID}`,
        applicationPermissions: ['Mail.ReadWrite', 'User.Read.All', 'GroupMember.Read.All', 'Domain.Read.All', 'Exchange.ManageAsApp'],
        appRoles: ['Retract.Admin', 'Retract.Auditor'],
        adminConsent: true,
      },
      { name: 'soc-reader', clientId: AUDITOR_ID, secret: 'soc-s3cret', appRolesOnApi: ['Retract.Auditor'] },
    ],
    mail: [
      { op: 'send', ref: 's1', as: 'adele@contoso.com', to: ['megan@contoso.com'], subject: 'Order' },
      { op: 'deliver', ref: 'phish', from: 'attacker@evil.example', to: ['all@contoso.com'], subject: 'RE: Order', body: 'Pay this invoice', inReplyTo: 's1' },
      { op: 'send', ref: 'enc1', as: 'adele@contoso.com', to: ['pat@gmail.com'], subject: 'Contract draft', body: 'Confidential terms', encryption: 'ome' },
      { op: 'send', ref: 'enc2', as: 'adele@contoso.com', to: ['megan@contoso.com'], subject: 'Salary review', body: 'Internal only', encryption: 'ome' },
      { op: 'send', ref: 'enc3', as: 'adele@contoso.com', to: ['pat@gmail.com', 'sam@outlook.com'], subject: 'Mixed', encryption: 'ome' },
    ],
  });
}
