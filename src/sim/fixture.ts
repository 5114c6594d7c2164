/**
 * The tenant fixture (CONTRACTS §3): a zod schema that agrees with
 * shared/tenant-fixture.schema.json (tests/unit/sim/fixture-schema.test.ts checks both on the
 * same good and bad fixtures), plus the semantic checks the JSON schema cannot express.
 * A fixture is refused with the JSON path of its first fault.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const guid = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a GUID');
const address = z.string().regex(/^[^@\s]+@[^@\s]+$/, 'must be an email address (one @, no spaces)');
const role = z.enum(['Retract.Admin', 'Retract.Auditor']);
const ref = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, "_", "." or "-"');
const addresses = z.array(address);
// JSON Schema's "date-time" is RFC 3339: a full time with seconds and an offset or Z.
const dateTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/, 'must be an RFC 3339 date-time')
  .refine((s) => !Number.isNaN(Date.parse(s)), 'must be a valid date-time');
const internetMessageId = z
  .string()
  .max(998)
  .regex(/^<[^\s]+@[^\s]+>$/, 'must look like <local@domain>');
const encryption = z.enum(['none', 'ome']);

const common = {
  ref,
  internetMessageId: internetMessageId.optional(),
  at: dateTime.optional(),
  body: z.string().optional(),
};

const deliverOp = z.strictObject({
  op: z.literal('deliver'),
  ...common,
  subject: z.string().optional(),
  from: address,
  to: addresses,
  cc: addresses.optional(),
  bcc: addresses.optional(),
  inReplyTo: ref.optional(),
  forgeThreadIndexOf: ref.optional(),
  encryption: encryption.optional(),
});
const sendOp = z.strictObject({
  op: z.literal('send'),
  ...common,
  subject: z.string().optional(),
  as: address,
  to: addresses,
  cc: addresses.optional(),
  bcc: addresses.optional(),
  encryption: encryption.optional(),
});
const forwardOp = z.strictObject({
  op: z.literal('forward'),
  ...common,
  as: address,
  of: ref,
  to: addresses,
  cc: addresses.optional(),
  bcc: addresses.optional(),
});
const replyOp = z.strictObject({
  op: z.enum(['reply', 'replyAll']),
  ...common,
  as: address,
  of: ref,
});

export const mailOpSchema = z.discriminatedUnion('op', [deliverOp, sendOp, forwardOp, replyOp]);

const userSchema = z.strictObject({
  id: guid,
  displayName: z.string(),
  userPrincipalName: address,
  mail: address.optional(),
  proxyAddresses: z.array(z.string().regex(/^(SMTP|smtp):[^@\s]+@[^@\s]+$/, 'must be "SMTP:address" or "smtp:address"')).optional(),
  mailbox: z.enum(['enabled', 'none', 'not-rest-enabled']).default('enabled'),
  appRoles: z.array(role).optional(),
  password: z.string().optional(),
});

const groupSchema = z.strictObject({
  id: guid,
  displayName: z.string(),
  mail: address,
  members: z.array(guid),
});

const appSchema = z.strictObject({
  name: z.string().min(1),
  clientId: guid,
  secret: z.string().min(1),
  certificateThumbprint: z.string().optional(),
  identifierUri: z.string().optional(),
  applicationPermissions: z.array(z.string()).optional(),
  appRoles: z.array(role).optional(),
  appRolesOnApi: z.array(role).optional(),
  adminConsent: z.boolean().optional(),
  accessTokenVersion: z.union([z.literal(1), z.literal(2)]).optional(),
});

export const tenantFixtureSchema = z.strictObject({
  $schema: z.string().optional(),
  tenant: z.strictObject({ id: guid, displayName: z.string().min(1), initialDomain: z.string().min(3) }),
  domains: z.array(z.strictObject({ id: z.string().min(3), isVerified: z.boolean(), isDefault: z.boolean().optional() })).min(1),
  managedDomains: z.array(z.string().min(3)).optional(),
  users: z.array(userSchema),
  groups: z.array(groupSchema).optional(),
  apps: z.array(appSchema).min(1),
  mail: z.array(mailOpSchema),
});

export type TenantFixture = z.infer<typeof tenantFixtureSchema>;
export type FixtureUser = z.infer<typeof userSchema>;
export type FixtureGroup = z.infer<typeof groupSchema>;
export type FixtureApp = z.infer<typeof appSchema>;
export type MailOp = z.infer<typeof mailOpSchema>;
export type DeliverOp = z.infer<typeof deliverOp>;
export type SendOp = z.infer<typeof sendOp>;
export type ForwardOp = z.infer<typeof forwardOp>;
export type ReplyOp = z.infer<typeof replyOp>;

/** A fixture fault: `path` is the JSON path of the first fault, e.g. `$.mail[3].of`. */
export class FixtureError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`Tenant fixture refused at ${path}: ${reason}`);
    this.name = 'FixtureError';
  }
}

export function jsonPath(parts: readonly PropertyKey[]): string {
  let out = '$';
  for (const p of parts) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (typeof p === 'string' && /^[A-Za-z_$][\w$]*$/.test(p)) out += `.${p}`;
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out;
}

export function domainOf(addr: string): string {
  return addr.slice(addr.lastIndexOf('@') + 1).toLowerCase();
}

/** ASCII-only lower-casing, as Exchange compares SMTP addresses: no Unicode folding. */
export function asciiLower(s: string): string {
  // Runs of A-Z lower-cased as a whole: toLowerCase of pure ASCII letters is ASCII folding.
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (run) => run.toLowerCase()) : s;
}

/** Every address a directory object lists: a user's UPN, mail and smtp proxies; a group's mail. */
function listedAddresses(f: TenantFixture): Set<string> {
  const out = new Set<string>();
  for (const u of f.users) {
    out.add(asciiLower(u.userPrincipalName));
    if (u.mail) out.add(asciiLower(u.mail));
    for (const p of u.proxyAddresses ?? []) out.add(asciiLower(p.slice(5)));
  }
  for (const g of f.groups ?? []) out.add(asciiLower(g.mail));
  return out;
}

function semanticCheck(f: TenantFixture): void {
  const verified = new Set(f.domains.filter((d) => d.isVerified).map((d) => asciiLower(d.id)));
  const listed = listedAddresses(f);
  const userIds = new Set<string>();
  f.users.forEach((u, i) => {
    const id = u.id.toLowerCase();
    if (userIds.has(id)) throw new FixtureError(jsonPath(['users', i, 'id']), `the user id ${u.id} is used twice`);
    userIds.add(id);
  });
  const groupIds = new Set<string>();
  (f.groups ?? []).forEach((g, i) => {
    const id = g.id.toLowerCase();
    if (groupIds.has(id) || userIds.has(id)) throw new FixtureError(jsonPath(['groups', i, 'id']), `the id ${g.id} is used twice`);
    groupIds.add(id);
  });
  (f.groups ?? []).forEach((g, i) => {
    g.members.forEach((m, j) => {
      const id = m.toLowerCase();
      if (!userIds.has(id) && !groupIds.has(id))
        throw new FixtureError(jsonPath(['groups', i, 'members', j]), `no user or group has the id ${m}`);
    });
  });
  const clientIds = new Set<string>();
  f.apps.forEach((a, i) => {
    const id = a.clientId.toLowerCase();
    if (clientIds.has(id)) throw new FixtureError(jsonPath(['apps', i, 'clientId']), `the clientId ${a.clientId} is used twice`);
    clientIds.add(id);
  });

  const refs = new Set<string>();
  const checkRecipients = (i: number, key: 'to' | 'cc' | 'bcc', list: readonly string[] | undefined) => {
    (list ?? []).forEach((a, j) => {
      if (verified.has(domainOf(a)) && !listed.has(asciiLower(a)))
        throw new FixtureError(
          jsonPath(['mail', i, key, j]),
          `${a} is in the verified domain ${domainOf(a)} but no user or group in the fixture has that address`,
        );
    });
  };
  const checkRef = (i: number, key: string, r: string | undefined) => {
    if (r !== undefined && !refs.has(r)) throw new FixtureError(jsonPath(['mail', i, key]), `"${r}" names no earlier mail op's ref`);
  };
  const checkActor = (i: number, as: string) => {
    if (!verified.has(domainOf(as)) || !listed.has(asciiLower(as)))
      throw new FixtureError(jsonPath(['mail', i, 'as']), `${as} is not a user of this tenant, so it cannot act in a mail op`);
  };
  f.mail.forEach((op, i) => {
    if (refs.has(op.ref)) throw new FixtureError(jsonPath(['mail', i, 'ref']), `the ref "${op.ref}" is used twice`);
    switch (op.op) {
      case 'deliver':
        checkRef(i, 'inReplyTo', op.inReplyTo);
        checkRef(i, 'forgeThreadIndexOf', op.forgeThreadIndexOf);
        checkRecipients(i, 'to', op.to);
        checkRecipients(i, 'cc', op.cc);
        checkRecipients(i, 'bcc', op.bcc);
        break;
      case 'send':
        checkActor(i, op.as);
        checkRecipients(i, 'to', op.to);
        checkRecipients(i, 'cc', op.cc);
        checkRecipients(i, 'bcc', op.bcc);
        break;
      case 'forward':
        checkActor(i, op.as);
        checkRef(i, 'of', op.of);
        checkRecipients(i, 'to', op.to);
        checkRecipients(i, 'cc', op.cc);
        checkRecipients(i, 'bcc', op.bcc);
        break;
      case 'reply':
      case 'replyAll':
        checkActor(i, op.as);
        checkRef(i, 'of', op.of);
        break;
    }
    refs.add(op.ref);
  });
}

function firstIssue(error: z.ZodError): FixtureError {
  // Zod reports a union's own issue first for a bad discriminator; any issue is a real fault,
  // and the first in document order is the one the user should fix first.
  const issue = error.issues[0];
  if (!issue) return new FixtureError('$', 'invalid fixture');
  return new FixtureError(jsonPath(issue.path), issue.message);
}

/** Validates a parsed JSON value as a tenant fixture; throws FixtureError at the first fault. */
export function parseTenantFixture(json: unknown): TenantFixture {
  const result = tenantFixtureSchema.safeParse(json);
  if (!result.success) throw firstIssue(result.error);
  semanticCheck(result.data);
  return result.data;
}

/** Reads and validates a fixture file; a file that is not JSON is refused at `$`. */
export function loadTenantFixture(file: string): TenantFixture {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new FixtureError('$', `cannot read ${file}: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new FixtureError('$', `${file} is not JSON: ${(e as Error).message}`);
  }
  return parseTenantFixture(value);
}
