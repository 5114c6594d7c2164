/**
 * The simulated Exchange mail store and its transport.
 *
 * Every mailbox holds folders (the well-known ones, Recoverable Items included) and copies of
 * messages. Indexes: all ids (immutable and current REST id) → message; per mailbox,
 * internetMessageId → copies and conversationId → copies, so a lookup never scans a mailbox.
 *
 * Delivery is the one path for fixture ops, `POST /_sim/mail` and the Graph actions
 * (sendMail, reply, replyAll, forward): `MailStore.submit()`.
 *
 * For the Exchange side (message trace, OME) the store keeps, in order:
 *   - `deliveryLog: DeliveryRow[]`  one row per recipient of each send:
 *       { messageTraceId, received, senderAddress, recipientAddress, subject, status, internetMessageId, size }
 *       status 'Delivered' (a mailbox, or an external address the mail left for),
 *       'Expanded' (a group address), 'Failed' (an address in a verified domain that reaches no one).
 *   - `sends: SendRecord[]`  one per send, with subject, body, from, to/cc/bcc (external ones too),
 *       encryption ('none' | 'ome'), messageTraceId, internetMessageId, ref, sentAt.
 *   - `onSend(listener)`  called after each send is delivered.
 */
import { randomUUID } from 'node:crypto';
import { poolRandomBytes as randomBytes } from './random';
import { asciiLower, type MailOp } from './fixture';
import type { SimTenant, SimUser } from './tenant';
import { childThreadIndex, conversationIdOf, newThreadIndex } from './threading';

export type WellKnownFolder =
  | 'msgfolderroot'
  | 'inbox'
  | 'sentitems'
  | 'deleteditems'
  | 'junkemail'
  | 'drafts'
  | 'outbox'
  | 'archive'
  | 'recoverableitemsroot'
  | 'recoverableitemsdeletions'
  | 'recoverableitemspurges';

const FOLDERS: { name: WellKnownFolder; displayName: string; parent: WellKnownFolder | null; hidden: boolean }[] = [
  { name: 'msgfolderroot', displayName: 'Top of Information Store', parent: null, hidden: false },
  { name: 'inbox', displayName: 'Inbox', parent: 'msgfolderroot', hidden: false },
  { name: 'sentitems', displayName: 'Sent Items', parent: 'msgfolderroot', hidden: false },
  { name: 'deleteditems', displayName: 'Deleted Items', parent: 'msgfolderroot', hidden: false },
  { name: 'junkemail', displayName: 'Junk Email', parent: 'msgfolderroot', hidden: false },
  { name: 'drafts', displayName: 'Drafts', parent: 'msgfolderroot', hidden: false },
  { name: 'outbox', displayName: 'Outbox', parent: 'msgfolderroot', hidden: false },
  { name: 'archive', displayName: 'Archive', parent: 'msgfolderroot', hidden: false },
  { name: 'recoverableitemsroot', displayName: 'Recoverable Items', parent: null, hidden: true },
  { name: 'recoverableitemsdeletions', displayName: 'Deletions', parent: 'recoverableitemsroot', hidden: true },
  { name: 'recoverableitemspurges', displayName: 'Purges', parent: 'recoverableitemsroot', hidden: true },
];

export interface Recipient {
  name: string;
  address: string;
}

export interface SimFolder {
  id: string;
  wellKnownName: WellKnownFolder;
  displayName: string;
  parentFolderId: string;
  isHidden: boolean;
  /** In the Recoverable Items tree (not listed by `/messages`). */
  recoverable: boolean;
  messages: Map<string, SimMessage>;
}

export interface SendRecord {
  kind: MailOp['op'];
  ref?: string;
  messageTraceId: string;
  internetMessageId: string;
  subject: string;
  body: string;
  from: Recipient;
  to: Recipient[];
  cc: Recipient[];
  bcc: Recipient[];
  sentAt: Date;
  encryption: 'none' | 'ome';
  conversationIndex: Buffer;
  conversationId: string;
  /** Replies only (never forwards). */
  inReplyTo?: string;
  references: string[];
  /** Users (mailbox owners) that received a copy; the sender's Sent Items copy is not counted. */
  deliveredTo: SimUser[];
}

export interface SimMessage {
  /** Stays the same for the life of the item, whatever folder it moves to. */
  immutableId: string;
  /** The REST id without `Prefer: IdType="ImmutableId"`: changes on every move. */
  restId: string;
  mailbox: Mailbox;
  folder: SimFolder;
  send: SendRecord;
  /** The sender's own copy (Sent Items): Bcc visible, no internet headers. */
  isSentCopy: boolean;
  receivedAt: Date;
  createdAt: Date;
  lastModifiedAt: Date;
  isRead: boolean;
  changeCount: number;
}

export interface Mailbox {
  user: SimUser;
  folders: SimFolder[];
  folderById: Map<string, SimFolder>;
  byWellKnown: Map<WellKnownFolder, SimFolder>;
  byInternetMessageId: Map<string, SimMessage[]>;
  byConversation: Map<string, SimMessage[]>;
  count: number;
}

export interface DeliveryRow {
  messageTraceId: string;
  received: Date;
  senderAddress: string;
  recipientAddress: string;
  subject: string;
  status: 'Delivered' | 'Expanded' | 'Failed';
  internetMessageId: string;
  size: number;
}

/** A mail op that cannot be carried out; the message says why, in the user's terms. */
export class MailError extends Error {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'MailError';
  }
}

/** What a send needs once the op or Graph call has been resolved to addresses. */
export interface Submission {
  kind: MailOp['op'];
  ref?: string;
  /** The acting user (absent for `deliver`: mail from outside). */
  actor?: SimUser;
  from: Recipient;
  to: Recipient[];
  cc: Recipient[];
  bcc: Recipient[];
  subject: string;
  body: string;
  at: Date;
  internetMessageId?: string;
  encryption?: 'none' | 'ome';
  /** The message replied to or forwarded (its thread continues). */
  parent?: SendRecord;
  /** Replies set In-Reply-To; forwards do not. */
  isReply?: boolean;
  /** A forger's claim to exactly this thread index. */
  forgedIndexOf?: SendRecord;
  saveToSentItems?: boolean;
}

function b64url(bytes: Buffer): string {
  return bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

const IMMUTABLE_PREFIX = 'AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0A';

export function newImmutableId(): string {
  return IMMUTABLE_PREFIX + b64url(randomBytes(24)) + 'AAA=';
}
export function newRestId(): string {
  return 'AAMkAGI2' + b64url(randomBytes(30)) + 'AAA=';
}
/** Could this be an Exchange item id at all? Anything else is ErrorInvalidIdMalformed. */
export function isWellFormedId(id: string): boolean {
  return /^AA[A-Za-z0-9_+/-]{14,}={0,2}$/.test(id) && id.length <= 512;
}

function prefixSubject(prefix: 'RE: ' | 'FW: ', subject: string): string {
  const p = prefix.trim().toLowerCase();
  return subject.toLowerCase().startsWith(p) ? subject : prefix + subject;
}

export class MailStore {
  readonly sends: SendRecord[] = [];
  readonly deliveryLog: DeliveryRow[] = [];
  readonly byRef = new Map<string, SendRecord>();
  private readonly mailboxes = new Map<string, Mailbox>();
  private readonly byId = new Map<string, SimMessage>();
  private readonly usedInternetMessageIds = new Set<string>();
  private readonly listeners: ((send: SendRecord) => void)[] = [];

  constructor(private readonly tenant: SimTenant) {}

  onSend(listener: (send: SendRecord) => void): void {
    this.listeners.push(listener);
  }

  /** The mailbox of a user (created on first use); none for a `mailbox: none` user. */
  mailboxOf(user: SimUser): Mailbox | undefined {
    if (user.mailbox === 'none') return undefined;
    let mb = this.mailboxes.get(user.id);
    if (!mb) {
      mb = {
        user,
        folders: [],
        folderById: new Map(),
        byWellKnown: new Map(),
        byInternetMessageId: new Map(),
        byConversation: new Map(),
        count: 0,
      };
      for (const f of FOLDERS) {
        const folder: SimFolder = {
          id: 'AAMkAGI2' + b64url(randomBytes(21)) + 'AAA=',
          wellKnownName: f.name,
          displayName: f.displayName,
          parentFolderId: f.parent ? mb.byWellKnown.get(f.parent)!.id : 'AAMkAGI2' + b64url(randomBytes(12)) + 'AAA=',
          isHidden: f.hidden,
          recoverable: f.name.startsWith('recoverableitems'),
          messages: new Map(),
        };
        mb.folders.push(folder);
        mb.folderById.set(folder.id, folder);
        mb.byWellKnown.set(f.name, folder);
      }
      this.mailboxes.set(user.id, mb);
    }
    return mb;
  }

  /** A folder by id or well-known name (case-insensitive, as Graph takes them). */
  folder(mb: Mailbox, idOrName: string): SimFolder | undefined {
    return mb.folderById.get(idOrName) ?? mb.byWellKnown.get(idOrName.toLowerCase() as WellKnownFolder);
  }

  /** A message by immutable or current REST id. A stale REST id (before a move) finds nothing. */
  findById(id: string): SimMessage | undefined {
    return this.byId.get(id);
  }

  /** Copies of one send in one mailbox, through the index. */
  findByInternetMessageId(mb: Mailbox, internetMessageId: string): readonly SimMessage[] {
    return mb.byInternetMessageId.get(asciiLower(internetMessageId)) ?? [];
  }

  findByConversation(mb: Mailbox, conversationId: string): readonly SimMessage[] {
    return mb.byConversation.get(asciiLower(conversationId)) ?? [];
  }

  /** Every mailbox that holds at least one message or was asked for. */
  allMailboxes(): IterableIterator<Mailbox> {
    return this.mailboxes.values();
  }

  messageCount(): number {
    return this.byId.size / 2;
  }

  /** Moves a copy; without immutable ids the item's REST id changes, as in Exchange. */
  move(msg: SimMessage, to: SimFolder, at: Date): SimMessage {
    if (msg.folder === to) return msg;
    msg.folder.messages.delete(msg.immutableId);
    to.messages.set(msg.immutableId, msg);
    msg.folder = to;
    this.byId.delete(msg.restId);
    msg.restId = newRestId();
    this.byId.set(msg.restId, msg);
    msg.lastModifiedAt = at;
    msg.changeCount++;
    return msg;
  }

  /** Gone for good: Graph finds it no more (it stays listed in Purges for /_sim). */
  purge(msg: SimMessage, at: Date): void {
    const purges = msg.mailbox.byWellKnown.get('recoverableitemspurges')!;
    this.move(msg, purges, at);
    this.byId.delete(msg.restId);
    this.byId.delete(msg.immutableId);
  }

  isPurged(msg: SimMessage): boolean {
    return !this.byId.has(msg.immutableId);
  }

  markRead(msg: SimMessage, isRead: boolean, at: Date): void {
    msg.isRead = isRead;
    msg.lastModifiedAt = at;
    msg.changeCount++;
  }

  private store(mb: Mailbox, send: SendRecord, folderName: WellKnownFolder, isSentCopy: boolean, receivedAt: Date): SimMessage {
    const folder = mb.byWellKnown.get(folderName)!;
    const msg: SimMessage = {
      immutableId: newImmutableId(),
      restId: newRestId(),
      mailbox: mb,
      folder,
      send,
      isSentCopy,
      receivedAt,
      createdAt: receivedAt,
      lastModifiedAt: receivedAt,
      isRead: isSentCopy,
      changeCount: 0,
    };
    folder.messages.set(msg.immutableId, msg);
    this.byId.set(msg.immutableId, msg);
    this.byId.set(msg.restId, msg);
    // Keys are ASCII-folded: Exchange compares these ids case-insensitively in $filter.
    const imid = asciiLower(send.internetMessageId);
    const list = mb.byInternetMessageId.get(imid);
    if (list) list.push(msg);
    else mb.byInternetMessageId.set(imid, [msg]);
    const convKey = asciiLower(send.conversationId);
    const conv = mb.byConversation.get(convKey);
    if (conv) conv.push(msg);
    else mb.byConversation.set(convKey, [msg]);
    mb.count++;
    return msg;
  }

  private recipient(address: string, name?: string): Recipient {
    const user = this.tenant.findUserByAddress(address);
    const group = user ? undefined : this.tenant.findGroupByAddress(address);
    return { name: name ?? user?.displayName ?? group?.displayName ?? address, address };
  }

  /** The one delivery path. Returns the send record shared by all copies. */
  submit(s: Submission): SendRecord {
    const actorMailbox = s.actor ? this.mailboxOf(s.actor) : undefined;
    if (s.actor && !actorMailbox) throw new MailError(`${s.actor.userPrincipalName} has no mailbox, so they cannot send mail.`, 'as');
    let internetMessageId = s.internetMessageId;
    if (internetMessageId && this.usedInternetMessageIds.has(asciiLower(internetMessageId)))
      throw new MailError(`The internetMessageId ${internetMessageId} was already used by another message.`, 'internetMessageId');
    if (!internetMessageId) {
      // Exchange Online names its own hosts; mail from outside carries its sender's domain.
      const host = s.actor ? `${this.tenant.initialDomain.replace(/\.onmicrosoft\.com$/i, '').toUpperCase()}PR01MB${1000 + (this.sends.length % 9000)}.prod.outlook.com` : s.from.address.slice(s.from.address.lastIndexOf('@') + 1);
      internetMessageId = `<${b64url(randomBytes(12)).replace(/[-_]/g, 'X')}@${host}>`;
    }
    this.usedInternetMessageIds.add(asciiLower(internetMessageId));

    let conversationIndex: Buffer;
    if (s.forgedIndexOf) conversationIndex = Buffer.from(s.forgedIndexOf.conversationIndex);
    else if (s.parent) conversationIndex = childThreadIndex(s.parent.conversationIndex, s.at);
    else conversationIndex = newThreadIndex(s.at);
    const references = s.parent ? [...s.parent.references, s.parent.internetMessageId].slice(-20) : [];

    const send: SendRecord = {
      kind: s.kind,
      ...(s.ref !== undefined ? { ref: s.ref } : {}),
      messageTraceId: randomUUID(),
      internetMessageId,
      subject: s.subject,
      body: s.body,
      from: s.from,
      to: s.to.map((r) => this.recipient(r.address, r.name || undefined)),
      cc: s.cc.map((r) => this.recipient(r.address, r.name || undefined)),
      bcc: s.bcc.map((r) => this.recipient(r.address, r.name || undefined)),
      sentAt: s.at,
      encryption: s.encryption ?? 'none',
      conversationIndex,
      conversationId: conversationIdOf(conversationIndex),
      ...(s.parent && s.isReply ? { inReplyTo: s.parent.internetMessageId } : {}),
      references,
      deliveredTo: [],
    };
    const size = 1024 + Buffer.byteLength(send.body) + Buffer.byteLength(send.subject);

    if (actorMailbox && s.saveToSentItems !== false) this.store(actorMailbox, send, 'sentitems', true, s.at);

    const received = new Date(s.at.getTime() + 2000);
    const delivered = new Set<string>();
    const log = (recipientAddress: string, status: DeliveryRow['status']) =>
      this.deliveryLog.push({
        messageTraceId: send.messageTraceId,
        received,
        senderAddress: s.from.address,
        recipientAddress,
        subject: send.subject,
        status,
        internetMessageId,
        size,
      });
    const deliverTo = (user: SimUser) => {
      if (delivered.has(user.id)) return;
      delivered.add(user.id);
      const mb = this.mailboxOf(user);
      if (!mb) return;
      this.store(mb, send, 'inbox', false, received);
      send.deliveredTo.push(user);
      log(user.mail ?? user.addresses[0] ?? user.userPrincipalName, 'Delivered');
    };
    for (const r of [...send.to, ...send.cc, ...send.bcc]) {
      if (!this.tenant.isInternalAddress(r.address)) {
        log(r.address, 'Delivered');
        continue;
      }
      const user = this.tenant.findUserByAddress(r.address);
      if (user) {
        deliverTo(user);
        continue;
      }
      const group = this.tenant.findGroupByAddress(r.address);
      if (group) {
        log(group.mail, 'Expanded');
        for (const member of this.tenant.groupMembers(group.id, true).users) if (member.mailbox !== 'none') deliverTo(member);
        continue;
      }
      log(r.address, 'Failed');
    }
    this.sends.push(send);
    if (send.ref !== undefined) this.byRef.set(send.ref, send);
    for (const l of this.listeners) l(send);
    return send;
  }

  /** The actor's own copy of an earlier send (what `of` names). */
  actorCopy(actor: SimUser, of: SendRecord): SimMessage {
    const mb = this.mailboxOf(actor);
    const copy = mb ? this.findByInternetMessageId(mb, of.internetMessageId).find((m) => !this.isPurged(m)) : undefined;
    if (!copy) throw new MailError(`${actor.userPrincipalName} holds no copy of "${of.ref ?? of.internetMessageId}", so they cannot act on it.`, 'of');
    return copy;
  }

  /** Reply or reply-all recipients, as Outlook fills them in. */
  replyRecipients(actor: SimUser, msg: SimMessage, all: boolean): { to: Recipient[]; cc: Recipient[] } {
    const mine = new Set(actor.addresses.map(asciiLower));
    const notMe = (r: Recipient) => !mine.has(asciiLower(r.address));
    const s = msg.send;
    if (mine.has(asciiLower(s.from.address))) {
      // Replying to one's own sent message addresses its recipients again.
      return { to: s.to, cc: all ? s.cc : [] };
    }
    if (!all) return { to: [s.from], cc: [] };
    const to = [s.from, ...s.to.filter(notMe)];
    return { to, cc: s.cc.filter(notMe) };
  }

  /** Reply, reply-all or forward `msg` as `actor` (Graph actions and fixture ops alike). */
  respond(
    kind: 'reply' | 'replyAll' | 'forward',
    actor: SimUser,
    msg: SimMessage,
    opts: { to?: Recipient[]; cc?: Recipient[]; bcc?: Recipient[]; comment?: string; at: Date; ref?: string; internetMessageId?: string },
  ): SendRecord {
    const s = msg.send;
    const isForward = kind === 'forward';
    const recipients = isForward ? { to: opts.to ?? [], cc: opts.cc ?? [] } : this.replyRecipients(actor, msg, kind === 'replyAll');
    if (isForward && recipients.to.length + recipients.cc.length + (opts.bcc?.length ?? 0) === 0)
      throw new MailError('A forward needs at least one recipient.', 'to');
    const quoted = `${opts.comment ?? ''}\r\n\r\n________________________________\r\nFrom: ${s.from.name} <${s.from.address}>\r\nSubject: ${s.subject}\r\n\r\n${s.body}`;
    return this.submit({
      kind,
      ...(opts.ref !== undefined ? { ref: opts.ref } : {}),
      actor,
      from: { name: actor.displayName, address: actor.mail ?? actor.addresses[0] ?? actor.userPrincipalName },
      to: recipients.to,
      cc: recipients.cc,
      bcc: opts.bcc ?? [],
      subject: prefixSubject(isForward ? 'FW: ' : 'RE: ', s.subject),
      body: quoted,
      at: opts.at,
      ...(opts.internetMessageId ? { internetMessageId: opts.internetMessageId } : {}),
      parent: s,
      isReply: !isForward,
    });
  }

  private sendRecordOf(ref: string, field: string): SendRecord {
    const s = this.byRef.get(ref);
    if (!s) throw new MailError(`"${ref}" names no earlier mail op's ref.`, field);
    return s;
  }

  private actor(as: string): SimUser {
    const user = this.tenant.findUserByAddress(as) ?? this.tenant.findUser(as);
    if (!user) throw new MailError(`${as} is not a user of this tenant with a mailbox, so it cannot act in a mail op.`, 'as');
    return user;
  }

  /** Runs one §3 mail op at the given time. */
  runOp(op: MailOp, at: Date): SendRecord {
    if (this.byRef.has(op.ref)) throw new MailError(`The ref "${op.ref}" is used twice.`, 'ref');
    const rcpts = (list: readonly string[] | undefined) => (list ?? []).map((a) => this.recipient(a));
    switch (op.op) {
      case 'deliver': {
        const parent = op.inReplyTo !== undefined ? this.sendRecordOf(op.inReplyTo, 'inReplyTo') : undefined;
        const forged = op.forgeThreadIndexOf !== undefined ? this.sendRecordOf(op.forgeThreadIndexOf, 'forgeThreadIndexOf') : undefined;
        return this.submit({
          kind: 'deliver',
          ref: op.ref,
          from: { name: op.from, address: op.from },
          to: rcpts(op.to),
          cc: rcpts(op.cc),
          bcc: rcpts(op.bcc),
          subject: op.subject ?? (parent ? prefixSubject('RE: ', parent.subject) : ''),
          body: op.body ?? '',
          at,
          ...(op.internetMessageId ? { internetMessageId: op.internetMessageId } : {}),
          ...(op.encryption ? { encryption: op.encryption } : {}),
          ...(parent ? { parent, isReply: true } : {}),
          ...(forged ? { forgedIndexOf: forged } : {}),
        });
      }
      case 'send': {
        const actor = this.actor(op.as);
        return this.submit({
          kind: 'send',
          ref: op.ref,
          actor,
          from: { name: actor.displayName, address: actor.mail ?? op.as },
          to: rcpts(op.to),
          cc: rcpts(op.cc),
          bcc: rcpts(op.bcc),
          subject: op.subject ?? '',
          body: op.body ?? '',
          at,
          ...(op.internetMessageId ? { internetMessageId: op.internetMessageId } : {}),
          ...(op.encryption ? { encryption: op.encryption } : {}),
        });
      }
      case 'forward':
      case 'reply':
      case 'replyAll': {
        const actor = this.actor(op.as);
        const copy = this.actorCopy(actor, this.sendRecordOf(op.of, 'of'));
        return this.respond(op.op, actor, copy, {
          ...(op.op === 'forward' ? { to: rcpts(op.to), cc: rcpts(op.cc), bcc: rcpts(op.bcc) } : {}),
          ...(op.body !== undefined ? { comment: op.body } : {}),
          at,
          ref: op.ref,
          ...(op.internetMessageId ? { internetMessageId: op.internetMessageId } : {}),
        });
      }
    }
  }
}

/**
 * The times of a list of ops: an op's own `at`, else one minute after the previous op; the
 * first op without any earlier time starts so that, with no `at` at all, the last op is one
 * minute before `start`.
 */
export function opTimes(ops: readonly MailOp[], start: Date): Date[] {
  const out: Date[] = [];
  let prev: number | undefined;
  ops.forEach((op, i) => {
    let t: number;
    if (op.at) t = Date.parse(op.at);
    else if (prev !== undefined) t = prev + 60_000;
    else t = start.getTime() - (ops.length - i) * 60_000;
    out.push(new Date(t));
    prev = t;
  });
  return out;
}
