/**
 * The zod fixture schema must accept and refuse exactly what shared/tenant-fixture.schema.json
 * does, and the semantic checks of CONTRACTS §3 must refuse with the JSON path of the fault.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { FixtureError, parseTenantFixture, tenantFixtureSchema } from '../../../src/sim/fixture';

const schemaFile = path.resolve(__dirname, '../../../../shared/tenant-fixture.schema.json');
const jsonSchema = JSON.parse(readFileSync(schemaFile, 'utf8')) as object;
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(jsonSchema);

const T = '11111111-1111-1111-1111-111111111111';
const U1 = '22222222-2222-2222-2222-222222222222';
const U2 = '33333333-3333-3333-3333-333333333333';
const G1 = '44444444-4444-4444-4444-444444444444';
const A1 = '55555555-5555-5555-5555-555555555555';

function good(): Record<string, unknown> {
  return {
    tenant: { id: T, displayName: 'Contoso', initialDomain: 'contoso.onmicrosoft.com' },
    domains: [
      { id: 'contoso.com', isVerified: true, isDefault: true },
      { id: 'contoso-legacy.com', isVerified: false },
    ],
    managedDomains: ['contoso.com'],
    users: [
      {
        id: U1,
        displayName: 'Adele Vance',
        userPrincipalName: 'adele@contoso.com',
        mail: 'adele@contoso.com',
        proxyAddresses: ['SMTP:adele@contoso.com', 'smtp:av@contoso.com'],
        mailbox: 'enabled',
        appRoles: ['Retract.Admin'],
        password: 'demo',
      },
      { id: U2, displayName: 'Megan', userPrincipalName: 'megan@contoso.com', mail: 'megan@contoso.com' },
    ],
    groups: [{ id: G1, displayName: 'All', mail: 'all@contoso.com', members: [U1, U2] }],
    apps: [{ name: 'retract-api', clientId: A1, secret: 's', applicationPermissions: ['Mail.ReadWrite'], adminConsent: true, accessTokenVersion: 2 }],
    mail: [
      { op: 'send', ref: 's1', as: 'adele@contoso.com', to: ['megan@contoso.com'], cc: [], bcc: [], subject: 'Order' },
      { op: 'deliver', ref: 'phish', from: 'x@evil.example', to: ['all@contoso.com'], subject: 'RE: Order', inReplyTo: 's1', at: '2026-01-01T10:00:00Z' },
      { op: 'forward', ref: 'f1', as: 'av@contoso.com', of: 'phish', to: ['megan@contoso.com', 'pat@gmail.com'] },
      { op: 'reply', ref: 'r1', as: 'megan@contoso.com', of: 'f1', internetMessageId: '<r1@contoso.com>' },
      { op: 'replyAll', ref: 'ra1', as: 'adele@contoso.com', of: 'r1' },
      { op: 'send', ref: 'enc1', as: 'adele@contoso.com', to: ['pat@gmail.com'], encryption: 'ome' },
      { op: 'deliver', ref: 'forged', from: 'x@evil.example', to: ['megan@contoso.com'], forgeThreadIndexOf: 's1', encryption: 'none' },
    ],
  };
}

type Mutation = [name: string, mutate: (f: Record<string, unknown>) => void];
// Every key access below is on the fixture built just above; the casts only reach into it.
const m = (f: Record<string, unknown>) => f.mail as Record<string, unknown>[];
const u = (f: Record<string, unknown>) => f.users as Record<string, unknown>[];

const schemaBreaks: Mutation[] = [
  ['missing tenant', (f) => delete f.tenant],
  ['extra top-level property', (f) => (f.extra = 1)],
  ['tenant id not a GUID', (f) => ((f.tenant as Record<string, unknown>).id = 'contoso')],
  ['empty domains', (f) => (f.domains = [])],
  ['domain without isVerified', (f) => ((f.domains as unknown[])[0] = { id: 'contoso.com' })],
  ['user without displayName', (f) => delete u(f)[1]!.displayName],
  ['user with unknown mailbox state', (f) => (u(f)[1]!.mailbox = 'disabled')],
  ['proxy address without prefix', (f) => (u(f)[0]!.proxyAddresses = ['adele@contoso.com'])],
  ['upn with a space', (f) => (u(f)[0]!.userPrincipalName = 'adele vance@contoso.com')],
  ['unknown role', (f) => (u(f)[0]!.appRoles = ['Retract.Owner'])],
  ['group without members', (f) => delete (f.groups as Record<string, unknown>[])[0]!.members],
  ['no apps', (f) => (f.apps = [])],
  ['app accessTokenVersion 3', (f) => ((f.apps as Record<string, unknown>[])[0]!.accessTokenVersion = 3)],
  ['unknown op', (f) => (m(f)[0]!.op = 'bounce')],
  ['op without ref', (f) => delete m(f)[0]!.ref],
  ['ref with a space', (f) => (m(f)[0]!.ref = 'a b')],
  ['send without to', (f) => delete m(f)[0]!.to],
  ['deliver without from', (f) => delete m(f)[1]!.from],
  ['deliver with as', (f) => (m(f)[1]!.as = 'adele@contoso.com')],
  ['forward with subject', (f) => (m(f)[2]!.subject = 'x')],
  ['reply with to', (f) => (m(f)[3]!.to = ['adele@contoso.com'])],
  ['send with inReplyTo', (f) => (m(f)[0]!.inReplyTo = 's1')],
  ['internetMessageId without brackets', (f) => (m(f)[0]!.internetMessageId = 'abc@contoso.com')],
  ['internetMessageId with whitespace', (f) => (m(f)[0]!.internetMessageId = '<a b@contoso.com>')],
  ['at not a date-time', (f) => (m(f)[0]!.at = 'yesterday')],
  ['at without offset', (f) => (m(f)[0]!.at = '2026-01-01T10:00:00')],
  ['unknown encryption', (f) => (m(f)[0]!.encryption = 'pgp')],
  ['recipient not an address', (f) => (m(f)[0]!.to = ['megan'])],
];

describe('tenant fixture schema', () => {
  it('accepts the good fixture in both schemas', () => {
    const f = good();
    expect(validate(f)).toBe(true);
    const parsed = parseTenantFixture(f);
    expect(parsed.users[1]!.mailbox).toBe('enabled');
    expect(parsed.mail).toHaveLength(7);
  });

  it.each(schemaBreaks)('both schemas refuse: %s', (_name, mutate) => {
    const f = good();
    mutate(f);
    expect(validate(f)).toBe(false);
    expect(tenantFixtureSchema.safeParse(f).success).toBe(false);
    expect(() => parseTenantFixture(f)).toThrow(FixtureError);
  });

  it('names the JSON path of the first fault', () => {
    const f = good();
    m(f)[0]!.to = ['megan'];
    try {
      parseTenantFixture(f);
      throw new Error('accepted a bad fixture');
    } catch (e) {
      expect(e).toBeInstanceOf(FixtureError);
      expect((e as FixtureError).path).toBe('$.mail[0].to[0]');
      expect((e as FixtureError).message).toContain('$.mail[0].to[0]');
    }
  });
});

describe('tenant fixture semantic checks', () => {
  const refused: [string, (f: Record<string, unknown>) => void, string][] = [
    ['an unknown of', (f) => (m(f)[2]!.of = 'nope'), '$.mail[2].of'],
    ['an of naming a later ref', (f) => (m(f)[2]!.of = 'r1'), '$.mail[2].of'],
    ['an unknown inReplyTo', (f) => (m(f)[1]!.inReplyTo = 'nope'), '$.mail[1].inReplyTo'],
    ['an unknown forgeThreadIndexOf', (f) => (m(f)[6]!.forgeThreadIndexOf = 'nope'), '$.mail[6].forgeThreadIndexOf'],
    ['a repeated ref', (f) => (m(f)[3]!.ref = 's1'), '$.mail[3].ref'],
    ['a send to an unlisted address in a verified domain', (f) => (m(f)[0]!.cc = ['nobody@contoso.com']), '$.mail[0].cc[0]'],
    ['a group member that does not exist', (f) => ((f.groups as Record<string, unknown>[])[0]!.members = [U1, T]), '$.groups[0].members[1]'],
  ];
  it.each(refused)('refuses %s at its path', (_name, mutate, where) => {
    const f = good();
    mutate(f);
    // The JSON schema cannot see these faults; only the semantic checks refuse them.
    expect(validate(f)).toBe(true);
    let err: unknown;
    try {
      parseTenantFixture(f);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FixtureError);
    expect((err as FixtureError).path).toBe(where);
  });

  it('accepts addresses in unverified or foreign domains, and addresses in any case', () => {
    const f = good();
    m(f)[0]!.to = ['someone@contoso-legacy.com', 'pat@gmail.com', 'MEGAN@Contoso.com'];
    expect(parseTenantFixture(f).mail[0]).toMatchObject({ to: ['someone@contoso-legacy.com', 'pat@gmail.com', 'MEGAN@Contoso.com'] });
  });
});
