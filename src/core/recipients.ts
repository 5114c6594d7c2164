import { domainOf, localPartOf, normalizeAddress, normalizeDomain } from './address';

export const SKIP_REASONS = [
  'external',
  'not-managed',
  'domain-not-granted',
  'no-mailbox',
  'mailbox-unreachable',
  'unknown',
] as const;
/** Why an address cannot be retracted (CONTRACTS.md §5). */
export type SkipReason = (typeof SKIP_REASONS)[number];

export type DomainClass = 'managed' | 'external' | 'not-managed' | 'domain-not-granted';

export interface Domains {
  /** Domains the tenant has verified (Graph `/domains`, `isVerified`). */
  verifiedDomains: Iterable<string>;
  /**
   * Domains the admin enabled in Retract's settings. Undefined means the admin has set none,
   * in which case every verified domain is managed (CONTRACTS.md §3).
   */
  managedDomains?: Iterable<string> | undefined;
}

function domainSet(domains: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const d of domains) out.add(normalizeDomain(d));
  return out;
}

/**
 * A domain, by tenant and settings (DESIGN.md step 2):
 * verified and enabled → `managed`; verified, not enabled → `not-managed`;
 * enabled, not verified → `domain-not-granted`; neither → `external`.
 */
export function classifyDomain(domain: string, domains: Domains): DomainClass {
  const d = normalizeDomain(domain);
  const verified = domainSet(domains.verifiedDomains);
  const managed = domains.managedDomains === undefined ? verified : domainSet(domains.managedDomains);
  const isVerified = d !== '' && verified.has(d);
  const isManaged = d !== '' && managed.has(d);
  if (isVerified && isManaged) return 'managed';
  if (isVerified) return 'not-managed';
  if (isManaged) return 'domain-not-granted';
  return 'external';
}

/** What the directory says about an address in a managed domain. */
export type DirectoryAnswer =
  | { kind: 'user'; id: string; mail: string; reachable: boolean }
  | { kind: 'group'; id: string }
  | { kind: 'none' }
  | { kind: 'error'; error: string };

export type RecipientClass =
  | { kind: 'managed'; mailbox: string; userId: string }
  | { kind: 'group'; groupId: string }
  | { kind: 'skipped'; reason: SkipReason; error?: string };

/**
 * Classifies one recipient address (DESIGN.md step 2). The domain decides first: an address
 * outside the managed domains is skipped whatever the directory says (and needs no directory
 * lookup — see {@link needsDirectoryLookup}). In a managed domain, the directory decides:
 * a reachable user → `managed` (mailbox = the user's primary `mail`); a group → expand it;
 * a user whose mailbox Graph cannot reach (`MailboxNotEnabledForRESTAPI`) →
 * `mailbox-unreachable`; no one → `no-mailbox`; anything else → `unknown`, with the error.
 */
export function classifyRecipient(address: string, domains: Domains, answer: DirectoryAnswer): RecipientClass {
  if (localPartOf(address) === '' || domainOf(address) === '') {
    return { kind: 'skipped', reason: 'unknown', error: `"${address}" is not an email address.` };
  }
  const domainClass = classifyDomain(domainOf(address), domains);
  if (domainClass !== 'managed') return { kind: 'skipped', reason: domainClass };
  switch (answer.kind) {
    case 'user':
      if (!answer.reachable) return { kind: 'skipped', reason: 'mailbox-unreachable' };
      if (answer.mail === '') return { kind: 'skipped', reason: 'no-mailbox' };
      return { kind: 'managed', mailbox: answer.mail, userId: answer.id };
    case 'group':
      return { kind: 'group', groupId: answer.id };
    case 'none':
      return { kind: 'skipped', reason: 'no-mailbox' };
    case 'error':
      return { kind: 'skipped', reason: 'unknown', error: answer.error };
  }
}

/** Whether the directory must be asked about an address (only addresses in managed domains). */
export function needsDirectoryLookup(address: string, domains: Domains): boolean {
  return (
    localPartOf(address) !== '' &&
    domainOf(address) !== '' &&
    classifyDomain(domainOf(address), domains) === 'managed'
  );
}

/**
 * The recipients of a message from several sources (To/Cc of each copy, the sender's Bcc, the
 * trace), once each (ASCII case folded, first spelling kept), never including the message's
 * own From (DESIGN.md step 1).
 */
export function uniqueRecipients(sources: Iterable<Iterable<string>>, from?: string | readonly string[]): string[] {
  const excluded = new Set((typeof from === 'string' ? [from] : (from ?? [])).map(normalizeAddress));
  const seen = new Set<string>();
  const out: string[] = [];
  for (const source of sources) {
    for (const address of source) {
      const key = normalizeAddress(address);
      if (excluded.has(key) || seen.has(key)) continue;
      seen.add(key);
      out.push(address);
    }
  }
  return out;
}

/** One skipped entry per address (ASCII case folded), the first reason kept. */
export function dedupeSkipped<T extends { address: string }>(skipped: Iterable<T>): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const s of skipped) {
    const key = normalizeAddress(s.address);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(s);
  }
  return out;
}
