/**
 * The lookup (DESIGN.md, the retraction algorithm, steps 1–6): who received the message, which
 * of them Retract may act for, every copy in their mailboxes, then hop by hop the forwards and
 * replies that descend from those copies. Nothing is changed.
 *
 * Cost grows with the mailboxes involved, never with their square: each round issues all its
 * calls at once (the scheduler packs them into `$batch` requests), and each mailbox is searched
 * once per hop, whatever number of targets it holds.
 */
import {
  addressesOf,
  ambiguityReason,
  classifyRecipient,
  decideDirectChild,
  dedupeTargets,
  needsDirectoryLookup,
  nonTargetHoldersOfIndex,
  normalizeAddress,
  type Ambiguous,
  type DirectoryAnswer,
  type Domains,
  type LookupResult,
  type Skipped,
  type SkipReason,
  type Target,
} from '../core';
import { BULK_DIRECTORY_THRESHOLD, type GraphGateway, type OpOptions, type Result } from './graph-gateway';
import { addressesIn, inReplyToOf, type DirectoryGroup, type DirectoryUser, type GraphMessage } from './graph-schemas';
import type { RequestMeter } from './graph-http';
import { lookupInputSchema, parseOrThrow } from './lookup-input';

export interface LookupEnv {
  managedDomains: string[];
  trace?: { recipientsOf(internetMessageId: string): Promise<{ sender?: string; recipients: string[] }> };
  signal?: AbortSignal;
}

interface Mailbox {
  userId: string;
  /** Primary SMTP address: how targets name their mailbox. */
  mail: string;
}

interface FoundTarget extends Target {
  userId: string;
  parentFolderId: string | null;
  conversationId: string | null;
  conversationIndex: string | undefined;
  receivedDateTime: string | undefined;
}

// Most copies sit in Inbox: its id alone names them; the rest are asked only where needed.
const FIRST_FOLDERS = ['inbox'] as const;
const MORE_FOLDERS = ['sentitems', 'deleteditems', 'junkemail', 'archive', 'recoverableitemsdeletions'] as const;

export async function lookup(
  gateway: GraphGateway,
  rawInput: { internetMessageId: string; depth: number; includeSenderCopy?: boolean; sender?: string; recipients?: string[] },
  env: LookupEnv,
): Promise<LookupResult> {
  const input = parseOrThrow(lookupInputSchema, rawInput);
  const started = Date.now();
  const meter: RequestMeter = { httpRequests: 0 };
  const opts: OpOptions = { signal: env.signal, meter };
  const run = new LookupRun(gateway, opts);

  const [domainList, traceResult] = await Promise.all([gateway.listDomains(opts), traceRecipients(env, input.internetMessageId)]);
  const traceFailed = traceResult === 'unavailable';
  const traced = traceFailed ? undefined : traceResult;
  run.domains = { verifiedDomains: domainList.filter((d) => d.isVerified).map((d) => d.id), managedDomains: env.managedDomains };

  // Step 1 and 3: recipients from the item, the trace, the sender's own copy and every copy found.
  let sender = input.sender ?? traced?.sender;
  const named = [...(input.recipients ?? []), ...(traced?.recipients ?? [])];
  let senderBox: Mailbox | undefined;
  let senderResolved = false;
  let queue = named;
  let anyRecipientNamed = named.some((a) => !sender || normalizeAddress(a) !== normalizeAddress(sender));
  const copies: Array<{ box: Mailbox; message: GraphMessage }> = [];
  // Every copy found adds what it shows: its To/Cc, the sender (From), and on the sender's own copy the Bcc.
  const take = (found: Array<{ box: Mailbox; message: GraphMessage }>): string[] => {
    const shown = new Set<string>();
    for (const f of found) {
      copies.push(f);
      if (!sender && f.message.from?.emailAddress?.address) sender = f.message.from.emailAddress.address;
      const inSenderBox = senderBox !== undefined && f.box.userId === senderBox.userId;
      for (const a of [...addressesIn(f.message.toRecipients), ...addressesIn(f.message.ccRecipients), ...(inSenderBox ? addressesIn(f.message.bccRecipients) : [])]) shown.add(a);
    }
    return [...shown].filter((a) => !run.known(a));
  };
  for (let round = 0; round < 20; round++) {
    const senderNorm = sender ? normalizeAddress(sender) : undefined;
    const boxes = await run.resolve(queue.filter((a) => normalizeAddress(a) !== senderNorm));
    const toSearch = [...boxes];
    if (sender && !senderResolved) {
      senderResolved = true;
      senderBox = (await run.resolve([sender], { quiet: true }))[0];
      if (senderBox) toSearch.push(senderBox);
    }
    queue = take(await run.searchCopies(input.internetMessageId, toSearch));
    if (queue.length > 0) anyRecipientNamed = true;
    if (round === 0 && (!anyRecipientNamed || traceFailed)) {
      // Neither the item, the trace nor the sender's copy names anyone, or the trace could not be
      // read (throttled, down) so recipients may be missing (Bcc): sweep the managed domains.
      queue.push(...take(await run.sweep(input.internetMessageId)));
    }
    if (queue.length === 0 && (!sender || senderResolved)) break;
  }

  for (const { box, message } of copies) {
    const isSenderBox = senderBox !== undefined && box.userId === senderBox.userId;
    if (isSenderBox && !input.includeSenderCopy) continue;
    run.addTarget(box, message, 0, null);
  }

  // Step 4: hop by hop, the direct children of the previous hop's targets.
  for (let depth = 1; depth <= input.depth; depth++) {
    const frontier = run.targetsAt(depth - 1);
    if (frontier.length === 0) break;
    await run.hop(frontier, depth);
  }

  await run.labelFolders();
  const targets = dedupeTargets(run.allTargets()).map(publicTarget);
  const targetIds = new Set(targets.map((t) => t.messageId));
  return {
    targets,
    skipped: [...run.skipped.values()],
    ambiguous: run.ambiguous.filter((a) => !targetIds.has(a.messageId)),
    stats: { mailboxesSearched: run.searchedMailboxes.size, graphRequests: meter.httpRequests, ms: Date.now() - started },
  };
}

/** The trace's sender and recipients; undefined when no trace is configured, 'unavailable' when it failed. */
async function traceRecipients(env: LookupEnv, internetMessageId: string): Promise<{ sender?: string; recipients: string[] } | 'unavailable' | undefined> {
  if (!env.trace) return undefined;
  try {
    return await env.trace.recipientsOf(internetMessageId);
  } catch (err) {
    if (env.signal?.aborted) throw err;
    // Without the trace the lookup still has the item, the sender's copy, and the sweep.
    return 'unavailable';
  }
}

function publicTarget(t: FoundTarget): Target {
  return { mailbox: t.mailbox, messageId: t.messageId, internetMessageId: t.internetMessageId, folder: t.folder, depth: t.depth, isRead: t.isRead, via: t.via };
}

class LookupRun {
  domains: Domains = { verifiedDomains: [] };
  readonly skipped = new Map<string, Skipped>();
  readonly ambiguous: Ambiguous[] = [];
  readonly searchedMailboxes = new Set<string>();
  /** normalised address → the managed mailboxes it reaches (several for a group; none when skipped). */
  private readonly resolved = new Map<string, Mailbox[]>();
  private readonly searchedFor = new Map<string, Set<string>>();
  private readonly unreachable = new Set<string>();
  private readonly targets = new Map<string, FoundTarget>();
  private readonly targetMessageIds = new Set<string>();
  private readonly ambiguousIds = new Set<string>();

  constructor(
    private readonly gateway: GraphGateway,
    private readonly opts: OpOptions,
  ) {}

  known(address: string): boolean {
    return this.resolved.has(normalizeAddress(address));
  }

  /** Why an address resolved quietly (the original's sender) would be skipped, if it is ever a recipient. */
  private readonly quietSkips = new Map<string, Skipped>();

  private skip(address: string, reason: SkipReason, error?: string, quiet = false): void {
    const key = normalizeAddress(address);
    const entry = error ? { address, reason, error } : { address, reason };
    if (quiet) this.quietSkips.set(key, entry);
    else if (!this.skipped.has(key)) this.skipped.set(key, entry);
  }

  /** Steps 1–2: resolves and classifies addresses, expanding groups; returns the managed mailboxes they reach. */
  async resolve(addresses: string[], { quiet = false } = {}): Promise<Mailbox[]> {
    const fresh: string[] = [];
    const seen = new Set<string>();
    const out: Mailbox[] = [];
    for (const a of addresses) {
      const key = normalizeAddress(a);
      if (seen.has(key)) continue;
      seen.add(key);
      const done = this.resolved.get(key);
      if (done) {
        out.push(...done);
        // The original's sender, now a recipient (of a reply): its reason is shown after all.
        const held = this.quietSkips.get(key);
        if (held && !quiet && !this.skipped.has(key)) this.skipped.set(key, held);
      } else fresh.push(a);
    }
    const ask: string[] = [];
    for (const a of fresh) {
      if (needsDirectoryLookup(a, this.domains)) ask.push(a);
      else {
        const c = classifyRecipient(a, this.domains, { kind: 'none' });
        if (c.kind === 'skipped') this.skip(a, c.reason, c.error, quiet);
        this.resolved.set(normalizeAddress(a), []);
      }
    }
    if (ask.length === 0) return dedupeBoxes(out);

    const [users, groups] = ask.length >= BULK_DIRECTORY_THRESHOLD ? await this.fromSnapshot(ask) : await Promise.all([this.gateway.findUsers(ask, this.opts), this.gateway.findGroups(ask, this.opts)]);
    const expand: Array<{ address: string; groupId: string }> = [];
    for (const a of ask) {
      const key = normalizeAddress(a);
      const u = users.get(a);
      const g = groups.get(a);
      let answer: DirectoryAnswer;
      const user = u?.ok ? u.value.find((x) => addressesOf(x).has(key)) : undefined;
      const group = g?.ok ? g.value.find((x) => addressesOf(x).has(key)) : undefined;
      if (user) answer = { kind: 'user', id: user.id, mail: user.mail ?? '', reachable: !this.unreachable.has(user.id) };
      else if (group) answer = { kind: 'group', id: group.id };
      else if (u && !u.ok) answer = { kind: 'error', error: u.error };
      else if (g && !g.ok) answer = { kind: 'error', error: g.error };
      else answer = { kind: 'none' };
      const c = classifyRecipient(a, this.domains, answer);
      if (c.kind === 'managed') {
        const box = { userId: c.userId, mail: c.mailbox };
        this.gateway.rememberUser(c.mailbox, c.userId);
        this.resolved.set(key, [box]);
        out.push(box);
      } else if (c.kind === 'group') {
        expand.push({ address: a, groupId: c.groupId });
      } else {
        this.skip(a, c.reason, c.error, quiet);
        this.resolved.set(key, []);
      }
    }
    if (expand.length > 0) {
      const members = await this.gateway.groupMembers([...new Set(expand.map((e) => e.groupId))], this.opts);
      for (const { address, groupId } of expand) {
        const m = members.get(groupId);
        const boxes: Mailbox[] = [];
        if (!m || !m.ok) {
          this.skip(address, 'unknown', m && !m.ok ? m.error : 'The group could not be expanded.');
        } else {
          for (const user of m.value) {
            if (!user.mail) {
              // In the directory but with no Exchange recipient: nothing was delivered to them.
              this.skip(user.userPrincipalName ?? user.id, 'no-mailbox');
              continue;
            }
            const c = classifyRecipient(user.mail, this.domains, { kind: 'user', id: user.id, mail: user.mail, reachable: !this.unreachable.has(user.id) });
            if (c.kind === 'managed') {
              const box = { userId: c.userId, mail: c.mailbox };
              this.gateway.rememberUser(c.mailbox, c.userId);
              boxes.push(box);
              if (!this.resolved.has(normalizeAddress(user.mail))) this.resolved.set(normalizeAddress(user.mail), [box]);
            } else if (c.kind === 'skipped') {
              this.skip(user.mail, c.reason, c.error);
            }
          }
        }
        this.resolved.set(normalizeAddress(address), boxes);
        out.push(...boxes);
      }
    }
    return dedupeBoxes(out);
  }

  private snapshot: Promise<{ users: Map<string, DirectoryUser[]>; groups: Map<string, DirectoryGroup[]> }> | undefined;

  /** Answers for many addresses from one listing of the directory (the trace of a message to all staff names thousands). */
  private async fromSnapshot(ask: string[]): Promise<[Map<string, Result<DirectoryUser[]>>, Map<string, Result<DirectoryGroup[]>>]> {
    this.snapshot ??= this.gateway.directorySnapshot(this.opts).then(({ users, groups }) => {
      const index = <T extends { mail?: string | null; proxyAddresses?: readonly string[] | null }>(list: T[]) => {
        const map = new Map<string, T[]>();
        for (const e of list)
          for (const a of addressesOf(e)) {
            const l = map.get(a);
            if (l) l.push(e);
            else map.set(a, [e]);
          }
        return map;
      };
      return { users: index(users), groups: index(groups) };
    });
    const snap = await this.snapshot;
    const users = new Map<string, Result<DirectoryUser[]>>();
    const groups = new Map<string, Result<DirectoryGroup[]>>();
    for (const a of ask) {
      users.set(a, { ok: true, value: snap.users.get(normalizeAddress(a)) ?? [] });
      groups.set(a, { ok: true, value: snap.groups.get(normalizeAddress(a)) ?? [] });
    }
    return [users, groups];
  }

  /** Step 3: the copies of one internetMessageId in mailboxes not yet searched for it. */
  async searchCopies(internetMessageId: string, boxes: Mailbox[]): Promise<Array<{ box: Mailbox; message: GraphMessage }>> {
    let done = this.searchedFor.get(internetMessageId);
    if (!done) this.searchedFor.set(internetMessageId, (done = new Set()));
    const todo = dedupeBoxes(boxes).filter((b) => !done.has(b.userId) && !this.unreachable.has(b.userId));
    for (const b of todo) {
      done.add(b.userId);
      this.searchedMailboxes.add(b.userId);
    }
    if (todo.length === 0) return [];
    const results = await this.gateway.findCopies(
      todo.map((b) => b.userId),
      internetMessageId,
      this.opts,
    );
    const out: Array<{ box: Mailbox; message: GraphMessage }> = [];
    for (const box of todo) {
      const r = results.get(box.userId);
      if (!r) continue;
      if (!r.ok) {
        if (r.code === 'MailboxNotEnabledForRESTAPI') {
          this.unreachable.add(box.userId);
          this.skip(box.mail, 'mailbox-unreachable');
        } else this.skip(box.mail, 'unknown', r.error);
        continue;
      }
      for (const message of r.value) out.push({ box, message });
    }
    return out;
  }

  /** Every mailbox of the managed domains, searched for the message. */
  async sweep(internetMessageId: string): Promise<Array<{ box: Mailbox; message: GraphMessage }>> {
    const users = await this.gateway.listUsers(this.opts);
    const boxes: Mailbox[] = [];
    for (const u of users) {
      if (!u.mail) continue;
      const c = classifyRecipient(u.mail, this.domains, { kind: 'user', id: u.id, mail: u.mail, reachable: true });
      if (c.kind === 'managed') {
        boxes.push({ userId: c.userId, mail: c.mailbox });
        this.gateway.rememberUser(c.mailbox, c.userId);
      }
    }
    // A mailbox the sweep could not reach stays in `skipped`: the admin must know it was not searched.
    return this.searchCopies(internetMessageId, boxes);
  }

  addTarget(box: Mailbox, m: GraphMessage, depth: number, via: string | null): boolean {
    const key = `${box.userId}\u0000${m.id}`;
    const existing = this.targets.get(key);
    if (existing && existing.depth <= depth) return false;
    this.targets.set(key, {
      mailbox: box.mail,
      userId: box.userId,
      messageId: m.id,
      internetMessageId: m.internetMessageId ?? '',
      folder: m.parentFolderId ?? '',
      parentFolderId: m.parentFolderId ?? null,
      depth,
      isRead: m.isRead ?? false,
      via,
      conversationId: m.conversationId ?? null,
      conversationIndex: m.conversationIndex ?? undefined,
      receivedDateTime: m.receivedDateTime ?? m.sentDateTime ?? undefined,
    });
    this.targetMessageIds.add(m.id);
    return true;
  }

  targetsAt(depth: number): FoundTarget[] {
    return [...this.targets.values()].filter((t) => t.depth === depth);
  }

  allTargets(): FoundTarget[] {
    return [...this.targets.values()];
  }

  /** Step 4, one hop: each mailbox holding a frontier target is searched once. */
  async hop(frontier: FoundTarget[], depth: number): Promise<void> {
    const byMailbox = new Map<string, FoundTarget[]>();
    for (const t of frontier) {
      if (!t.conversationId) continue;
      const list = byMailbox.get(t.userId);
      if (list) list.push(t);
      else byMailbox.set(t.userId, [t]);
    }
    if (byMailbox.size === 0) return;
    const userIds = [...byMailbox.keys()];
    const request = (ids: string[]) => ids.map((userId) => ({ userId, conversationIds: byMailbox.get(userId)!.map((t) => t.conversationId!) }));
    // Sent Items first; the whole conversation (for the forged-index guard) only where a forward needs it.
    const sentByMailbox = await this.gateway.sentItemsInConversations(request(userIds), this.opts);
    for (const u of userIds) this.searchedMailboxes.add(u);
    const candidatesOf = (parent: FoundTarget, sent: GraphMessage[]) =>
      sent.filter((m) => m.id !== parent.messageId && m.conversationId === parent.conversationId && !this.targets.has(`${parent.userId}\u0000${m.id}`));
    const needGuard: string[] = [];
    for (const [userId, parents] of byMailbox) {
      const sent = sentByMailbox.get(userId);
      if (!sent?.ok) continue;
      const forward = parents.some((parent) =>
        candidatesOf(parent, sent.value).some(
          (m) =>
            decideDirectChild(
              { internetMessageId: parent.internetMessageId, conversationIndex: parent.conversationIndex, receivedDateTime: parent.receivedDateTime },
              { inReplyTo: inReplyToOf(m), conversationIndex: m.conversationIndex ?? undefined, sentDateTime: m.sentDateTime ?? undefined },
              { nonTargetHoldersOfParentIndex: 0 },
            ) === 'forward',
        ),
      );
      if (forward) needGuard.push(userId);
    }
    const conversations = needGuard.length > 0 ? await this.gateway.conversationMessages(request(needGuard), this.opts) : new Map<string, Result<GraphMessage[]>>();

    const children: Array<{ box: Mailbox; parent: FoundTarget; message: GraphMessage }> = [];
    const claimed = new Set<string>();
    for (const [userId, parents] of byMailbox) {
      const box = { userId, mail: parents[0]!.mailbox };
      const sent = sentByMailbox.get(userId);
      const conv = conversations.get(userId);
      const failed = !sent ? undefined : !sent.ok ? sent : conv && !conv.ok ? conv : undefined;
      if (!sent || failed) {
        this.skip(box.mail, 'unknown', failed && !failed.ok ? failed.error : 'The mailbox could not be searched for forwards and replies.');
        continue;
      }
      if (!sent.ok) continue;
      const holders = conv?.ok ? conv.value.map((m) => ({ messageId: m.id, conversationIndex: m.conversationIndex ?? undefined })) : [];
      for (const parent of parents) {
        const nonTargetHolders = nonTargetHoldersOfIndex(parent.conversationIndex, holders, this.targetMessageIds);
        for (const m of candidatesOf(parent, sent.value)) {
          if (claimed.has(m.id)) continue;
          const decision = decideDirectChild(
            { internetMessageId: parent.internetMessageId, conversationIndex: parent.conversationIndex, receivedDateTime: parent.receivedDateTime },
            { inReplyTo: inReplyToOf(m), conversationIndex: m.conversationIndex ?? undefined, sentDateTime: m.sentDateTime ?? undefined },
            { nonTargetHoldersOfParentIndex: nonTargetHolders },
          );
          if (decision === 'reply' || decision === 'forward') {
            claimed.add(m.id);
            children.push({ box, parent, message: m });
          } else if (decision === 'ambiguous' && !this.ambiguousIds.has(m.id)) {
            this.ambiguousIds.add(m.id);
            this.ambiguous.push({
              mailbox: box.mail,
              messageId: m.id,
              internetMessageId: m.internetMessageId ?? '',
              why: ambiguityReason(parent, { address: box.mail, nonTargetHoldersOfParentIndex: nonTargetHolders }),
              folder: 'sentitems',
              depth,
              via: parent.internetMessageId,
              isRead: m.isRead ?? true,
            });
          }
        }
      }
    }
    if (children.length === 0) return;

    // The child's own Sent Items copy carries the retracted content on: it is a target too.
    for (const c of children) this.addTarget(c.box, c.message, depth, c.parent.internetMessageId);

    // Its recipients (all but its own From), resolved together, then its copies.
    const recipientsOf = children.map((c) => {
      const from = c.message.from?.emailAddress?.address;
      const all = [...addressesIn(c.message.toRecipients), ...addressesIn(c.message.ccRecipients), ...addressesIn(c.message.bccRecipients)];
      return from ? all.filter((a) => normalizeAddress(a) !== normalizeAddress(from)) : all;
    });
    await this.resolve(recipientsOf.flat());
    const perChild = await Promise.all(
      children.map(async (c, i) => {
        const boxes = (await this.resolve(recipientsOf[i]!)).filter((b) => b.userId !== c.box.userId);
        const imid = c.message.internetMessageId;
        return imid ? { c, found: await this.searchCopies(imid, boxes) } : { c, found: [] };
      }),
    );
    for (const { c, found } of perChild) {
      for (const f of found) this.addTarget(f.box, f.message, depth, c.parent.internetMessageId);
    }
  }

  /** Names each target's folder: a well-known name where it is one, else the folder's display name. */
  async labelFolders(): Promise<void> {
    const all = [...this.targets.values()];
    if (all.length === 0) return;
    const userIds = [...new Set(all.map((t) => t.userId))];
    await this.gateway.wellKnownFolderIds(userIds, FIRST_FOLDERS, this.opts);
    let unnamed = all.filter((t) => !this.gateway.folderName(t.userId, t.parentFolderId));
    if (unnamed.length > 0) {
      await this.gateway.wellKnownFolderIds([...new Set(unnamed.map((t) => t.userId))], MORE_FOLDERS, this.opts);
      unnamed = unnamed.filter((t) => !this.gateway.folderName(t.userId, t.parentFolderId));
    }
    const display =
      unnamed.length > 0
        ? await this.gateway.folderDisplayNames(
            unnamed.filter((t) => t.parentFolderId).map((t) => ({ userId: t.userId, folderId: t.parentFolderId! })),
            this.opts,
          )
        : new Map<string, string>();
    for (const t of all) {
      t.folder = this.gateway.folderName(t.userId, t.parentFolderId) ?? display.get(`${t.userId}\u0000${t.parentFolderId}`) ?? t.parentFolderId ?? '';
    }
  }
}

function dedupeBoxes(boxes: Mailbox[]): Mailbox[] {
  const seen = new Set<string>();
  return boxes.filter((b) => (seen.has(b.userId) ? false : (seen.add(b.userId), true)));
}
