/** A small tenant for the identity tests: two users, the API (v2 or v1 tokens), two clients. */
import type { TenantFixture } from '../../../src/sim/fixture';
import { parseTenantFixture } from '../../../src/sim/fixture';

export const TENANT_ID = '5a7c3e1f-0b2d-4c6e-8f90-1a2b3c4d5e6f';
export const API_ID = '11111111-2222-4333-8444-555555555555';
export const CLI_ID = '22222222-3333-4444-8555-666666666666';
export const NOCONSENT_ID = '33333333-4444-4555-8666-777777777777';
export const ADELE_ID = 'a0000000-0000-4000-8000-000000000001';
export const MEGAN_ID = 'a0000000-0000-4000-8000-000000000002';

export function identityFixture(opts: { accessTokenVersion?: 1 | 2 } = {}): TenantFixture {
  return parseTenantFixture({
    tenant: { id: TENANT_ID, displayName: 'Contoso', initialDomain: 'contoso.onmicrosoft.com' },
    domains: [{ id: 'contoso.com', isVerified: true, isDefault: true }],
    users: [
      { id: ADELE_ID, displayName: 'Adele Vance', userPrincipalName: 'adele@contoso.com', mail: 'adele@contoso.com', appRoles: ['Retract.Admin'], password: 'demo' },
      { id: MEGAN_ID, displayName: 'Megan Bowen', userPrincipalName: 'megan@contoso.com', mail: 'megan@contoso.com', password: 'demo' },
    ],
    apps: [
      {
        name: 'retract-api',
        clientId: API_ID,
        secret: 'api-s3cret',
        identifierUri: `api://localhost:3000/${API_ID}`,
        applicationPermissions: ['Mail.ReadWrite', 'User.Read.All', 'GroupMember.Read.All', 'Domain.Read.All', 'Exchange.ManageAsApp'],
        appRoles: ['Retract.Admin', 'Retract.Auditor'],
        adminConsent: true,
        accessTokenVersion: opts.accessTokenVersion ?? 2,
      },
      { name: 'retract-cli', clientId: CLI_ID, secret: 'cli-s3cret', appRolesOnApi: ['Retract.Admin'] },
      { name: 'unconsented', clientId: NOCONSENT_ID, secret: 'nc-s3cret', applicationPermissions: ['Mail.ReadWrite'] },
    ],
    mail: [],
  });
}
