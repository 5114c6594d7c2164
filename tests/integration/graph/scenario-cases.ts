/**
 * What each scenario fixture must give: the exact targets (`mailbox ref folder depth`), skipped
 * addresses (`address reason`) and ambiguous forwards (`mailbox ref`) of its lookups, and the
 * action a job then takes on the first lookup's targets.
 */
import type { Action } from '../../../src/core';

export interface LookupCase {
  title: string;
  input: { internetMessageId: string; depth: number; includeSenderCopy?: boolean; sender?: string; recipients?: string[] };
  /** Give the lookup the message trace (Exchange admin API) as the API does. */
  withTrace?: boolean;
  targets: string[];
  skipped: string[];
  ambiguous: string[];
  /** At least this many mailboxes searched (a sweep searches every managed one). */
  minMailboxesSearched?: number;
}

export interface ScenarioCase {
  name: string;
  lookups: LookupCase[];
  /** Acts on the targets of `lookups[0]`. */
  action: Action;
}

export const SCENARIOS: ScenarioCase[] = [
  {
    name: 'plain-send',
    action: 'soft-delete',
    lookups: [
      {
        title: 'To, Cc and the Bcc read from the sender’s Sent Items copy',
        input: { internetMessageId: '<plain-1@contoso.com>', depth: 0, sender: 'adele@contoso.com', recipients: ['megan@contoso.com', 'alex@contoso.com'] },
        targets: ['alex@contoso.com s1 inbox 0', 'lee@contoso.com s1 inbox 0', 'megan@contoso.com s1 inbox 0'],
        skipped: [],
        ambiguous: [],
      },
      {
        title: 'the sender’s own copy only when asked for',
        input: { internetMessageId: '<plain-1@contoso.com>', depth: 1, includeSenderCopy: true, sender: 'adele@contoso.com', recipients: ['megan@contoso.com'] },
        targets: ['adele@contoso.com s1 sentitems 0', 'alex@contoso.com s1 inbox 0', 'lee@contoso.com s1 inbox 0', 'megan@contoso.com s1 inbox 0'],
        skipped: [],
        ambiguous: [],
      },
      {
        title: 'an id alone, with the message trace',
        input: { internetMessageId: '<plain-1@contoso.com>', depth: 0 },
        withTrace: true,
        targets: ['alex@contoso.com s1 inbox 0', 'lee@contoso.com s1 inbox 0', 'megan@contoso.com s1 inbox 0'],
        skipped: [],
        ambiguous: [],
      },
      {
        title: 'an id alone and no trace: every managed mailbox is swept',
        input: { internetMessageId: '<plain-1@contoso.com>', depth: 0 },
        targets: ['alex@contoso.com s1 inbox 0', 'lee@contoso.com s1 inbox 0', 'megan@contoso.com s1 inbox 0'],
        skipped: ['pradeep@contoso.com mailbox-unreachable'],
        ambiguous: [],
        minMailboxesSearched: 6,
      },
    ],
  },
  {
    name: 'nested-group-cycle',
    action: 'hard-delete',
    lookups: [
      {
        title: 'a group holding a group that holds it back',
        input: { internetMessageId: '<grp-1@evil.example>', depth: 1, recipients: ['team@contoso.com'] },
        targets: ['alex@contoso.com phish inbox 0', 'lee@contoso.com phish inbox 0'],
        skipped: [],
        ambiguous: [],
      },
    ],
  },
  {
    name: 'proxy-address',
    action: 'move-to-junk',
    lookups: [
      {
        title: 'a secondary proxy address written in another case',
        input: { internetMessageId: '<proxy-1@evil.example>', depth: 0, recipients: ['D.Garcia@CONTOSO.com'] },
        targets: ['diego@contoso.com phish inbox 0'],
        skipped: [],
        ambiguous: [],
      },
    ],
  },
  {
    name: 'forward-chain',
    action: 'move-to-deleted-items',
    lookups: [
      {
        title: 'depth 3: four layers',
        input: { internetMessageId: '<chain-1@evil.example>', depth: 3, recipients: ['adele@contoso.com'] },
        targets: [
          'adele@contoso.com phish inbox 0',
          'adele@contoso.com fwd1 sentitems 1',
          'megan@contoso.com fwd1 inbox 1',
          'megan@contoso.com fwd2 sentitems 2',
          'alex@contoso.com fwd2 inbox 2',
          'alex@contoso.com fwd3 sentitems 3',
          'lee@contoso.com fwd3 inbox 3',
        ],
        skipped: [],
        ambiguous: [],
      },
      {
        title: 'depth 0: one layer',
        input: { internetMessageId: '<chain-1@evil.example>', depth: 0, recipients: ['adele@contoso.com'] },
        targets: ['adele@contoso.com phish inbox 0'],
        skipped: [],
        ambiguous: [],
      },
      {
        title: 'depth 1: two layers',
        input: { internetMessageId: '<chain-1@evil.example>', depth: 1, recipients: ['adele@contoso.com'] },
        targets: ['adele@contoso.com phish inbox 0', 'adele@contoso.com fwd1 sentitems 1', 'megan@contoso.com fwd1 inbox 1'],
        skipped: [],
        ambiguous: [],
      },
      {
        title: 'depth 2: three layers',
        input: { internetMessageId: '<chain-1@evil.example>', depth: 2, recipients: ['adele@contoso.com'] },
        targets: [
          'adele@contoso.com phish inbox 0',
          'adele@contoso.com fwd1 sentitems 1',
          'megan@contoso.com fwd1 inbox 1',
          'megan@contoso.com fwd2 sentitems 2',
          'alex@contoso.com fwd2 inbox 2',
        ],
        skipped: [],
        ambiguous: [],
      },
    ],
  },
  {
    name: 'reply-all',
    action: 'soft-delete',
    lookups: [
      {
        title: 'depth 2: the reply to the reply-all is at depth 2',
        input: { internetMessageId: '<offsite-1@contoso.com>', depth: 2, sender: 'adele@contoso.com', recipients: ['megan@contoso.com', 'alex@contoso.com'] },
        targets: [
          'megan@contoso.com s1 inbox 0',
          'alex@contoso.com s1 inbox 0',
          'megan@contoso.com ra1 sentitems 1',
          'adele@contoso.com ra1 inbox 1',
          'alex@contoso.com ra1 inbox 1',
          'alex@contoso.com re2 sentitems 2',
          'megan@contoso.com re2 inbox 2',
        ],
        skipped: [],
        ambiguous: [],
      },
      {
        title: 'depth 1: the reply-all lands back where the original is, its reply does not count yet',
        input: { internetMessageId: '<offsite-1@contoso.com>', depth: 1, sender: 'adele@contoso.com', recipients: ['megan@contoso.com', 'alex@contoso.com'] },
        targets: ['megan@contoso.com s1 inbox 0', 'alex@contoso.com s1 inbox 0', 'megan@contoso.com ra1 sentitems 1', 'adele@contoso.com ra1 inbox 1', 'alex@contoso.com ra1 inbox 1'],
        skipped: [],
        ambiguous: [],
      },
    ],
  },
  {
    name: 'phish-into-thread',
    action: 'move-to-deleted-items',
    lookups: [
      {
        title: 'the older legitimate thread is never a target; a forward outside the tenant is skipped',
        input: { internetMessageId: '<thread-phish@evil.example>', depth: 2, recipients: ['adele@contoso.com', 'megan@contoso.com'] },
        targets: ['adele@contoso.com phish inbox 0', 'megan@contoso.com phish inbox 0', 'adele@contoso.com rp sentitems 1', 'megan@contoso.com fx sentitems 1'],
        skipped: ['billing@evil.example external', 'pat@gmail.com external'],
        ambiguous: [],
      },
    ],
  },
  {
    name: 'forged-thread-index',
    action: 'soft-delete',
    lookups: [
      {
        title: 'a forged Thread-Index: the legitimate reply is never a target, the real forward is ambiguous',
        input: { internetMessageId: '<forged-1@evil.example>', depth: 2, recipients: ['megan@contoso.com'] },
        targets: ['megan@contoso.com phish inbox 0'],
        skipped: [],
        ambiguous: ['megan@contoso.com fwdphish'],
      },
    ],
  },
  {
    name: 'domains-and-mailboxes',
    action: 'soft-delete',
    lookups: [
      {
        title: 'every reason an address cannot be retracted',
        input: {
          internetMessageId: '<dom-1@evil.example>',
          depth: 0,
          recipients: ['adele@contoso.com', 'someone@contoso-legacy.com', 'fab@fabrikam.com', 'pat@gmail.com', 'pradeep@contoso.com', 'nestor@contoso.com', 'ghost@contoso.com'],
        },
        targets: ['adele@contoso.com phish inbox 0'],
        skipped: [
          'someone@contoso-legacy.com domain-not-granted',
          'fab@fabrikam.com not-managed',
          'pat@gmail.com external',
          'pradeep@contoso.com mailbox-unreachable',
          'nestor@contoso.com no-mailbox',
          'ghost@contoso.com no-mailbox',
        ],
        ambiguous: [],
      },
    ],
  },
  {
    name: 'quoted-ids',
    action: 'soft-delete',
    lookups: [
      {
        title: "an id with a single quote finds only itself, not one that differs after the quote",
        input: { internetMessageId: "<o'brien-1@evil.example>", depth: 0, recipients: ['adele@contoso.com', 'megan@contoso.com'] },
        targets: ['adele@contoso.com q1 inbox 0'],
        skipped: [],
        ambiguous: [],
      },
      {
        title: 'and the other one only itself',
        input: { internetMessageId: "<o'brien-2@evil.example>", depth: 0, recipients: ['adele@contoso.com', 'megan@contoso.com'] },
        targets: ['adele@contoso.com q2 inbox 0', 'megan@contoso.com q2 inbox 0'],
        skipped: [],
        ambiguous: [],
      },
    ],
  },
];
