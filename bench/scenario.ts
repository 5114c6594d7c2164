/**
 * Scenario "all-staff" (issue 10): a generated tenant of N mailboxes, a phish delivered to the
 * all-staff group, 2% of its recipients forwarding it to 3 colleagues and 10% of those
 * recipients forwarding that forward again to 3 more; plus background mail so that every
 * mailbox holds at least 20 other messages.
 *
 * Everything goes through the simulator's own delivery (fixture mail ops, CONTRACTS §3). The
 * background is made the cheapest way those ops allow: newsletters delivered to the all-staff
 * group (one op, N copies each) and one small send per user to ten colleagues (one op, eleven
 * copies), so N = 10,000 needs about 10,000 ops for 210,000 copies instead of 200,000 ops.
 *
 * Deterministic: the same N and seed give the same tenant, so figures compare across runs.
 */
import type { MailOp, TenantFixture } from '../src/sim/fixture';

export const BENCH_DOMAIN = 'fabrikam.example';
export const PHISH_REF = 'phish';
export const PHISH_INTERNET_MESSAGE_ID = '<all-staff-phish-0001@evil.example>';
export const ATTACKER = 'payroll@evil.example';

export interface ScenarioOptions {
  mailboxes: number;
  /** Share of the phish's recipients that forward it (issue: 2%). */
  forwardShare?: number;
  /** Share of the forwards' recipients that forward again (issue: 10%). */
  reforwardShare?: number;
  /** Colleagues each forward goes to (issue: 3). */
  forwardTo?: number;
  /** Newsletters to all staff (one Inbox copy each per mailbox). */
  newsletters?: number;
  /** Colleagues each user's own background message goes to. */
  colleaguesPerSend?: number;
  seed?: number;
}

export interface Scenario {
  fixture: TenantFixture;
  /** Refs of the mail that must be taken back: the phish and every forward of it. */
  retractRefs: string[];
  counts: {
    mailboxes: number;
    forwarders: number;
    reforwarders: number;
    /** Copies of the phish and its forwards that exist (Inbox and Sent Items) — what depth 2 must find. */
    expectedCopies: number;
    backgroundOps: number;
    backgroundCopies: number;
    /** Mail ops in the fixture (all of them run at simulator start). */
    mailOps: number;
  };
}

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same tenant. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hex12 = (n: number): string => n.toString(16).padStart(12, '0');
export const userId = (i: number): string => `b0000000-0000-4000-8000-${hex12(i + 1)}`;
export const userAddress = (i: number): string => `user${String(i + 1).padStart(5, '0')}@${BENCH_DOMAIN}`;
export const ALL_STAFF = `all-staff@${BENCH_DOMAIN}`;

export const BENCH_TENANT_ID = 'b0000000-0000-4000-8000-00000000aaaa';
export const API_CLIENT_ID = 'b0000000-0000-4000-8000-0000000a0001';
export const CLI_CLIENT_ID = 'b0000000-0000-4000-8000-0000000a0002';

function pickDistinct(rand: () => number, n: number, count: number, not: Set<number>): number[] {
  const out = new Set<number>();
  while (out.size < count && out.size + not.size < n) {
    const k = Math.floor(rand() * n);
    if (!not.has(k)) out.add(k);
  }
  return [...out];
}

export function buildScenario(opts: ScenarioOptions): Scenario {
  const n = opts.mailboxes;
  if (!Number.isInteger(n) || n < 20) throw new Error('The all-staff scenario needs at least 20 mailboxes.');
  const forwardShare = opts.forwardShare ?? 0.02;
  const reforwardShare = opts.reforwardShare ?? 0.1;
  const forwardTo = opts.forwardTo ?? 3;
  const newsletters = opts.newsletters ?? 10;
  const colleagues = opts.colleaguesPerSend ?? 10;
  const rand = prng(opts.seed ?? 20261122);

  const users: TenantFixture['users'] = [];
  for (let i = 0; i < n; i++) {
    const mail = userAddress(i);
    users.push({
      id: userId(i),
      displayName: `User ${i + 1}`,
      userPrincipalName: mail,
      mail,
      proxyAddresses: [`SMTP:${mail}`],
      mailbox: 'enabled',
      ...(i === 0 ? { appRoles: ['Retract.Admin' as const] } : {}),
    });
  }

  const mail: MailOp[] = [];
  let backgroundCopies = 0;
  // Background first (older), as a real mailbox holds the week before the phish.
  for (let k = 0; k < newsletters; k++) {
    mail.push({ op: 'deliver', ref: `news${k}`, from: `news@vendor${k}.example`, to: [ALL_STAFF], subject: `Newsletter ${k + 1}`, body: 'Background mail.' });
    backgroundCopies += n;
  }
  for (let i = 0; i < n; i++) {
    const to: string[] = [];
    for (let c = 1; c <= colleagues; c++) to.push(userAddress((i + c * 7) % n));
    mail.push({ op: 'send', ref: `bg${i}`, as: userAddress(i), to, subject: `Status ${i + 1}`, body: 'Background mail.' });
    backgroundCopies += colleagues + 1;
  }
  const backgroundOps = mail.length;

  // The phish, then its forwards (depth 1) and the forwards of those (depth 2).
  mail.push({ op: 'deliver', ref: PHISH_REF, internetMessageId: PHISH_INTERNET_MESSAGE_ID, from: ATTACKER, to: [ALL_STAFF], subject: 'Action required: confirm your payroll details', body: 'Open the link to keep your salary flowing.' });
  const retractRefs = [PHISH_REF];
  let expectedCopies = n;
  const forwarders = pickDistinct(rand, n, Math.max(1, Math.round(n * forwardShare)), new Set());
  const depth1: Array<{ holder: number; ref: string }> = [];
  forwarders.forEach((f, j) => {
    const rcpts = pickDistinct(rand, n, forwardTo, new Set([f]));
    const ref = `fwd1-${j}`;
    mail.push({ op: 'forward', ref, as: userAddress(f), of: PHISH_REF, to: rcpts.map(userAddress), body: 'FYI — is this real?' });
    retractRefs.push(ref);
    expectedCopies += rcpts.length + 1; // each recipient's Inbox copy and the forwarder's Sent Items copy
    for (const r of rcpts) depth1.push({ holder: r, ref });
  });
  const reforwardCount = Math.max(1, Math.round(depth1.length * reforwardShare));
  const chosen = pickDistinct(rand, depth1.length, reforwardCount, new Set());
  chosen.forEach((c, j) => {
    const { holder, ref: of } = depth1[c]!;
    const rcpts = pickDistinct(rand, n, forwardTo, new Set([holder]));
    const ref = `fwd2-${j}`;
    mail.push({ op: 'forward', ref, as: userAddress(holder), of, to: rcpts.map(userAddress), body: 'Passing this on.' });
    retractRefs.push(ref);
    expectedCopies += rcpts.length + 1;
  });

  const fixture: TenantFixture = {
    tenant: { id: BENCH_TENANT_ID, displayName: 'Fabrikam (benchmark)', initialDomain: 'fabrikambench.onmicrosoft.com' },
    domains: [
      { id: BENCH_DOMAIN, isVerified: true, isDefault: true },
      { id: 'fabrikambench.onmicrosoft.com', isVerified: true },
    ],
    managedDomains: [BENCH_DOMAIN],
    users,
    groups: [{ id: 'b0000000-0000-4000-8000-00000000a11a', displayName: 'All staff', mail: ALL_STAFF, members: users.map((u) => u.id) }],
    apps: [
      {
        name: 'retract-api',
        clientId: API_CLIENT_ID,
        secret: 'bench-api-secret',
        identifierUri: `api://localhost:3000/${API_CLIENT_ID}`,
        applicationPermissions: ['Mail.ReadWrite', 'User.Read.All', 'GroupMember.Read.All', 'Domain.Read.All', 'Directory.Read.All', 'Exchange.ManageAsApp'],
        appRoles: ['Retract.Admin', 'Retract.Auditor'],
        adminConsent: true,
        accessTokenVersion: 2,
      },
      { name: 'retract-cli', clientId: CLI_CLIENT_ID, secret: 'bench-cli-secret', appRolesOnApi: ['Retract.Admin'] },
    ],
    mail,
  };
  return {
    fixture,
    retractRefs,
    counts: {
      mailboxes: n,
      forwarders: forwarders.length,
      reforwarders: chosen.length,
      expectedCopies,
      backgroundOps,
      backgroundCopies,
      mailOps: mail.length,
    },
  };
}
