/**
 * Graph v1.0 mail: list, get, delete, permanentDelete, move, PATCH isRead, mail folders, and
 * the actions sendMail, reply, replyAll, forward (which go through MailStore.submit, as the
 * fixture's ops and POST /_sim/mail do).
 */
import { z } from 'zod';
import type { SimContext } from '../context';
import type { SimRequest, SimResponse, SimRouter } from '../http';
import { isWellFormedId, MailError, type Mailbox, type Recipient, type SimFolder, type SimMessage } from '../mailstore';
import { evaluate, filterProperties, leadingProperties, parseFilter, parseOrderBy, type FilterExpr, type FilterValue, ODataError } from '../odata';
import type { SimUser } from '../tenant';
import {
  applySelect,
  type Claims,
  GraphFault,
  graphDate,
  graphJson,
  headerOf,
  metadata,
  nextLink,
  odataFault,
  onlyOptions,
  pageOffset,
  queryOption,
  resolveUser,
  selectOption,
  topOption,
} from './common';

export type Handle = (permissions: readonly string[], fn: (req: SimRequest, claims: Claims) => SimResponse | Promise<SimResponse>) => (req: SimRequest) => Promise<SimResponse>;

const MAIL_READ = ['Mail.ReadWrite', 'Mail.Read', 'Mail.ReadBasic.All', 'Mail.ReadBasic'];
const MAIL_WRITE = ['Mail.ReadWrite'];
const MAIL_SEND = ['Mail.Send'];

const MESSAGE_PROPERTIES = [
  'id',
  'createdDateTime',
  'lastModifiedDateTime',
  'changeKey',
  'categories',
  'receivedDateTime',
  'sentDateTime',
  'hasAttachments',
  'internetMessageId',
  'subject',
  'bodyPreview',
  'importance',
  'parentFolderId',
  'conversationId',
  'conversationIndex',
  'isDeliveryReceiptRequested',
  'isReadReceiptRequested',
  'isRead',
  'isDraft',
  'webLink',
  'inferenceClassification',
  'body',
  'sender',
  'from',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'replyTo',
  'flag',
];
const SELECT_ONLY = ['internetMessageHeaders', 'uniqueBody'];
const SELECTABLE = new Set([...MESSAGE_PROPERTIES, ...SELECT_ONLY].map((p) => p.toLowerCase()));

/** Graph's dates: seconds precision, Z. */
function gd(d: Date): string {
  return graphDate(d) + 'Z';
}

function rfc2822(d: Date): string {
  return d.toUTCString().replace('GMT', '+0000');
}

function emailAddress(r: Recipient) {
  return { emailAddress: { name: r.name, address: r.address } };
}

function formatAddresses(list: readonly Recipient[]): string {
  return list.map((r) => (r.name && r.name !== r.address ? `${r.name} <${r.address}>` : r.address)).join(', ');
}

/** Prefer: IdType="ImmutableId" makes every id in the answer (and accepted) immutable. */
export function wantsImmutable(req: SimRequest): boolean {
  const prefer = req.headers['prefer'];
  const values = Array.isArray(prefer) ? prefer : prefer ? [prefer] : [];
  return values.some((v) => /IdType\s*=\s*"?ImmutableId"?/i.test(v));
}

function changeKey(m: SimMessage): string {
  return Buffer.from(`CQAAABYAAAC${m.immutableId.slice(-12)}${m.changeCount}`).toString('base64');
}

/** The headers of a received copy, as Exchange stamps them. A Sent Items copy has none. */
export function internetMessageHeaders(m: SimMessage): { name: string; value: string }[] | undefined {
  if (m.isSentCopy) return undefined;
  const s = m.send;
  const h: { name: string; value: string }[] = [
    { name: 'Received', value: `from ${s.from.address.split('@')[1] ?? 'localhost'} by ${m.mailbox.user.userPrincipalName.split('@')[1] ?? 'localhost'} with Microsoft SMTP Server; ${rfc2822(m.receivedAt)}` },
    { name: 'From', value: formatAddresses([s.from]) },
  ];
  if (s.to.length) h.push({ name: 'To', value: formatAddresses(s.to) });
  if (s.cc.length) h.push({ name: 'CC', value: formatAddresses(s.cc) });
  h.push(
    { name: 'Subject', value: s.subject },
    { name: 'Thread-Topic', value: s.subject.replace(/^((re|fw|fwd):\s*)+/i, '') },
    { name: 'Thread-Index', value: s.conversationIndex.toString('base64') },
    { name: 'Date', value: rfc2822(s.sentAt) },
    { name: 'Message-ID', value: s.internetMessageId },
  );
  if (s.inReplyTo) h.push({ name: 'In-Reply-To', value: s.inReplyTo });
  if (s.references.length) h.push({ name: 'References', value: s.references.join(' ') });
  h.push({ name: 'Content-Type', value: 'text/plain; charset="us-ascii"' }, { name: 'MIME-Version', value: '1.0' });
  return h;
}

/** MAPI properties Graph exposes through singleValueExtendedProperties. */
function extendedProperties(m: SimMessage): { id: string; value: string }[] {
  const s = m.send;
  const out = [{ id: 'String 0x1035', value: s.internetMessageId }];
  if (s.inReplyTo) out.push({ id: 'String 0x1042', value: s.inReplyTo });
  if (s.references.length) out.push({ id: 'String 0x1039', value: s.references.join(' ') });
  out.push({ id: 'Binary 0x71', value: s.conversationIndex.toString('base64') });
  return out;
}

export function messageId(m: SimMessage, immutable: boolean): string {
  return immutable ? m.immutableId : m.restId;
}

export function messageJson(ctx: SimContext, m: SimMessage, immutable: boolean, opts: { select?: string[]; expand?: FilterExpr | 'all' } = {}): Record<string, unknown> {
  const s = m.send;
  const id = messageId(m, immutable);
  const ck = changeKey(m);
  const full: Record<string, unknown> = {
    '@odata.etag': `W/"${ck}"`,
    id,
    createdDateTime: gd(m.createdAt),
    lastModifiedDateTime: gd(m.lastModifiedAt),
    changeKey: ck,
    categories: [],
    receivedDateTime: gd(m.receivedAt),
    sentDateTime: gd(s.sentAt),
    hasAttachments: false,
    internetMessageId: s.internetMessageId,
    subject: s.subject,
    bodyPreview: s.body.slice(0, 255),
    importance: 'normal',
    parentFolderId: m.folder.id,
    conversationId: s.conversationId,
    conversationIndex: s.conversationIndex.toString('base64'),
    isDeliveryReceiptRequested: false,
    isReadReceiptRequested: false,
    isRead: m.isRead,
    isDraft: false,
    webLink: `https://outlook.office365.com/owa/?ItemID=${encodeURIComponent(id)}&exvsurl=1&viewmodel=ReadMessageItem`,
    inferenceClassification: 'focused',
    body: { contentType: 'text', content: s.body },
    sender: emailAddress(s.from),
    from: emailAddress(s.from),
    toRecipients: s.to.map(emailAddress),
    ccRecipients: s.cc.map(emailAddress),
    bccRecipients: m.isSentCopy ? s.bcc.map(emailAddress) : [],
    replyTo: [],
    flag: { flagStatus: 'notFlagged' },
  };
  let out = full;
  if (opts.select) {
    const sel = new Set(opts.select.map((p) => p.toLowerCase()));
    if (sel.has('internetmessageheaders')) {
      const headers = internetMessageHeaders(m);
      if (headers) full.internetMessageHeaders = headers;
    }
    if (sel.has('uniquebody')) full.uniqueBody = { contentType: 'text', content: s.body };
    out = applySelect(full, opts.select);
  }
  if (opts.expand) {
    const props = extendedProperties(m).filter((p) => opts.expand === 'all' || evaluate(opts.expand as FilterExpr, (name) => (name.toLowerCase() === 'id' ? p.id : undefined)));
    if (props.length) out.singleValueExtendedProperties = props;
  }
  return out;
}

function messageSelect(req: SimRequest): string[] | undefined {
  const sel = selectOption(req);
  if (sel) for (const p of sel) if (!SELECTABLE.has(p.toLowerCase()) && p.toLowerCase() !== 'singlevalueextendedproperties') throw new GraphFault(400, 'RequestBroker--ParseUri', `Could not find a property named '${p}' on type 'microsoft.graph.message'.`);
  return sel;
}

function messageExpand(req: SimRequest): FilterExpr | 'all' | undefined {
  const e = queryOption(req, '$expand');
  if (e === undefined) return undefined;
  const m = /^\s*singleValueExtendedProperties(?:\(\s*\$filter\s*=\s*(.*)\))?\s*$/i.exec(e);
  if (!m) throw new GraphFault(400, 'RequestBroker--ParseUri', `Parsing OData Select and Expand failed: Could not find a property named '${e.split('(')[0]}' on type 'microsoft.graph.message'.`);
  if (m[1] === undefined) return 'all';
  try {
    const f = parseFilter(m[1]);
    for (const p of filterProperties(f)) if (p.toLowerCase() !== 'id') throw new ODataError(`singleValueExtendedProperties can only be filtered on id, not '${p}'.`);
    return f;
  } catch (err) {
    throw odataFault(err);
  }
}

/** The mailbox behind a user, or Graph's answer for one it cannot reach over REST. */
export function restMailbox(ctx: SimContext, user: SimUser): Mailbox {
  const mb = user.mailbox === 'enabled' ? ctx.tenant.mail.mailboxOf(user) : undefined;
  if (!mb) throw new GraphFault(404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.');
  return mb;
}

function findMessage(ctx: SimContext, mb: Mailbox, id: string): SimMessage {
  if (!isWellFormedId(id)) throw new GraphFault(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
  const m = ctx.tenant.mail.findById(id);
  if (!m || m.mailbox !== mb) throw new GraphFault(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
  return m;
}

function findFolder(ctx: SimContext, mb: Mailbox, id: string): SimFolder {
  const f = ctx.tenant.mail.folder(mb, id);
  if (f) return f;
  if (!/^[a-z]+$/i.test(id) && !isWellFormedId(id)) throw new GraphFault(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
  throw new GraphFault(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
}

function filterValue(m: SimMessage, property: string): FilterValue | readonly string[] {
  const s = m.send;
  switch (property.toLowerCase()) {
    case 'internetmessageid':
      return s.internetMessageId;
    case 'conversationid':
      return s.conversationId;
    case 'receiveddatetime':
      return m.receivedAt;
    case 'sentdatetime':
      return s.sentAt;
    case 'createddatetime':
      return m.createdAt;
    case 'lastmodifieddatetime':
      return m.lastModifiedAt;
    case 'subject':
      return s.subject;
    case 'isread':
      return m.isRead;
    case 'isdraft':
      return false;
    case 'hasattachments':
      return false;
    case 'importance':
      return 'normal';
    case 'parentfolderid':
      return m.folder.id;
    case 'from/emailaddress/address':
    case 'sender/emailaddress/address':
      return s.from.address;
    case 'internetmessageheaders':
      throw new GraphFault(400, 'ErrorInvalidProperty', "The property 'InternetMessageHeaders' does not support filtering.");
    default:
      throw new GraphFault(400, 'RequestBroker--ParseUri', `Could not find a property named '${property}' on type 'microsoft.graph.message'.`);
  }
}

/** Candidates for a filter: the mailbox's index when the filter pins internetMessageId or conversationId. */
function candidates(ctx: SimContext, mb: Mailbox, folder: SimFolder | undefined, filter: FilterExpr | undefined): Iterable<SimMessage> {
  const pinned = filter ? pinnedEquality(filter) : undefined;
  const store = ctx.tenant.mail;
  let base: Iterable<SimMessage>;
  if (pinned?.property === 'internetmessageid') base = store.findByInternetMessageId(mb, pinned.value);
  else if (pinned?.property === 'conversationid') base = store.findByConversation(mb, pinned.value);
  else if (folder) return [...folder.messages.values()];
  else return mb.folders.filter((f) => !f.recoverable).flatMap((f) => [...f.messages.values()]);
  const list = [...base].filter((m) => !store.isPurged(m));
  return folder ? list.filter((m) => m.folder === folder) : list.filter((m) => !m.folder.recoverable);
}

/** An `eq` on an indexed property inside the top-level `and` chain (the index folds case as the filter does). */
function pinnedEquality(f: FilterExpr): { property: string; value: string } | undefined {
  if (f.kind === 'and') return pinnedEquality(f.left) ?? pinnedEquality(f.right);
  if (f.kind === 'cmp' && f.op === 'eq' && f.value.type === 'string') {
    const p = f.property.toLowerCase();
    if (p === 'internetmessageid' || p === 'conversationid') return { property: p, value: f.value.value };
  }
  return undefined;
}

function sortKey(m: SimMessage, property: string): number | string {
  const v = filterValue(m, property);
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'boolean') return v ? 1 : 0;
  return typeof v === 'number' || typeof v === 'string' ? v : '';
}

function listMessages(ctx: SimContext, req: SimRequest, mb: Mailbox, user: SimUser, folder: SimFolder | undefined): SimResponse {
  onlyOptions(req, ['$filter', '$select', '$top', '$skip', '$orderby', '$expand', '$count']);
  const countSrc = queryOption(req, '$count');
  if (countSrc !== undefined && !/^(true|false)$/i.test(countSrc)) throw new GraphFault(400, 'BadRequest', `Invalid value '${countSrc}' for $count query option.`);
  const select = messageSelect(req);
  const expand = messageExpand(req);
  const top = topOption(req, 10, 1000);
  const skip = pageOffset(req, '$skip');
  const filterSrc = queryOption(req, '$filter');
  const orderSrc = queryOption(req, '$orderby');
  let filter: FilterExpr | undefined;
  let order: { property: string; desc: boolean }[] = [{ property: 'receivedDateTime', desc: true }];
  try {
    if (filterSrc !== undefined) filter = parseFilter(filterSrc);
    if (orderSrc !== undefined) order = parseOrderBy(orderSrc);
  } catch (e) {
    throw odataFault(e);
  }
  if (filter && orderSrc !== undefined) {
    // Exchange needs the sorted properties first in the filter, in the same order.
    const lead = leadingProperties(filter).map((p) => p.toLowerCase());
    const ok = order.every((o, i) => lead[i] === o.property.toLowerCase());
    if (!ok) throw new GraphFault(400, 'InefficientFilter', 'The restriction or sort order is too complex for this operation.');
  }
  const items = [...candidates(ctx, mb, folder, filter)];
  const matched = filter
    ? items.filter((m) => {
        try {
          return evaluate(filter, (p) => filterValue(m, p));
        } catch (e) {
          throw odataFault(e);
        }
      })
    : items;
  matched.sort((a, b) => {
    for (const o of order) {
      const x = sortKey(a, o.property);
      const y = sortKey(b, o.property);
      if (x < y) return o.desc ? 1 : -1;
      if (x > y) return o.desc ? -1 : 1;
    }
    return a.immutableId < b.immutableId ? -1 : 1;
  });
  const immutable = wantsImmutable(req);
  const page = matched.slice(skip, skip + top);
  const body: Record<string, unknown> = {
    '@odata.context': metadata(ctx, `users('${user.id}')/${folder ? `mailFolders('${folder.wellKnownName}')/` : ''}messages${select ? `(${select.join(',')})` : ''}`),
    ...(countSrc?.toLowerCase() === 'true' ? { '@odata.count': matched.length } : {}),
    value: page.map((m) => messageJson(ctx, m, immutable, { ...(select ? { select } : {}), ...(expand ? { expand } : {}) })),
  };
  if (skip + top < matched.length) body['@odata.nextLink'] = nextLink(ctx, req, '$skip', skip + top);
  return graphJson(200, body, immutable ? { 'preference-applied': 'IdType="ImmutableId"' } : {});
}

function folderJson(f: SimFolder, mb: Mailbox): Record<string, unknown> {
  let unread = 0;
  for (const m of f.messages.values()) if (!m.isRead) unread++;
  return {
    id: f.id,
    displayName: f.displayName,
    parentFolderId: f.parentFolderId,
    childFolderCount: mb.folders.filter((c) => c.parentFolderId === f.id).length,
    unreadItemCount: unread,
    totalItemCount: f.messages.size,
    sizeInBytes: [...f.messages.values()].reduce((n, m) => n + 1024 + m.send.body.length, 0),
    isHidden: f.isHidden,
  };
}

const emailAddressSchema = z.object({ emailAddress: z.object({ address: z.string().regex(/^[^@\s]+@[^@\s]+$/), name: z.string().optional() }) });
const recipientsSchema = z.array(emailAddressSchema).max(500).optional();
const messageInputSchema = z.object({
  subject: z.string().max(1000).optional(),
  body: z.object({ contentType: z.string().optional(), content: z.string().max(1_000_000) }).optional(),
  toRecipients: recipientsSchema,
  ccRecipients: recipientsSchema,
  bccRecipients: recipientsSchema,
  internetMessageId: z.string().regex(/^<[^\s]+@[^\s]+>$/).max(998).optional(),
});
const sendMailSchema = z.object({ message: messageInputSchema, saveToSentItems: z.union([z.boolean(), z.string()]).optional() });
const respondSchema = z.object({ comment: z.string().max(1_000_000).optional(), toRecipients: recipientsSchema, message: messageInputSchema.optional() });
const moveSchema = z.union([z.object({ destinationId: z.string().min(1) }), z.object({ DestinationId: z.string().min(1) })]);
const patchSchema = z.object({ isRead: z.boolean().optional() });

function bodyOf<T>(req: SimRequest, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = req.body.length ? JSON.parse(req.body.toString('utf8')) : {};
  } catch {
    throw new GraphFault(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new GraphFault(400, 'ErrorInvalidRequest', `The request is invalid: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'bad body'}.`);
  }
  return r.data;
}

function recipients(list: z.infer<typeof recipientsSchema>): Recipient[] {
  return (list ?? []).map((r) => ({ address: r.emailAddress.address, name: r.emailAddress.name ?? '' }));
}

export function registerMessages(router: SimRouter, ctx: SimContext, handle: Handle): void {
  const store = ctx.tenant.mail;
  const mailboxFor = (req: SimRequest, claims: Claims) => {
    const user = resolveUser(ctx, req.params.user!, claims, true);
    return { user, mb: restMailbox(ctx, user) };
  };

  const list = handle(MAIL_READ, (req, claims) => {
    const { user, mb } = mailboxFor(req, claims);
    const folder = req.params.folder !== undefined ? findFolder(ctx, mb, req.params.folder) : undefined;
    return listMessages(ctx, req, mb, user, folder);
  });
  router.get('/v1.0/users/:user/messages', list);
  router.get('/v1.0/users/:user/mailFolders/:folder/messages', list);

  const get = handle(MAIL_READ, (req, claims) => {
    const { user, mb } = mailboxFor(req, claims);
    const m = findMessage(ctx, mb, req.params.id!);
    const select = messageSelect(req);
    const expand = messageExpand(req);
    const immutable = wantsImmutable(req);
    const id = messageId(m, immutable);
    const body = {
      '@odata.context': metadata(ctx, `users('${user.id}')/messages${select ? `(${select.join(',')})` : ''}/$entity`),
      // Graph names the entity itself when the answer expands a relationship of it.
      ...(expand ? { '@odata.id': `${ctx.origin}/v1.0/users('${user.id}')/messages('${id}')` } : {}),
      ...messageJson(ctx, m, immutable, { ...(select ? { select } : {}), ...(expand ? { expand } : {}) }),
    };
    return graphJson(200, body, immutable ? { 'preference-applied': 'IdType="ImmutableId"' } : {});
  });
  router.get('/v1.0/users/:user/messages/:id', get);
  router.get('/v1.0/users/:user/mailFolders/:folder/messages/:id', get);

  const del = handle(MAIL_WRITE, (req, claims) => {
    const { mb } = mailboxFor(req, claims);
    const m = findMessage(ctx, mb, req.params.id!);
    // Deleting from Graph is a soft delete: the item stays recoverable in Recoverable Items.
    if (m.folder.wellKnownName === 'recoverableitemsdeletions') store.purge(m, ctx.now());
    else store.move(m, mb.byWellKnown.get('recoverableitemsdeletions')!, ctx.now());
    return { status: 204 };
  });
  router.delete('/v1.0/users/:user/messages/:id', del);
  router.delete('/v1.0/users/:user/mailFolders/:folder/messages/:id', del);

  const permanentDelete = handle(MAIL_WRITE, (req, claims) => {
    const { mb } = mailboxFor(req, claims);
    store.purge(findMessage(ctx, mb, req.params.id!), ctx.now());
    return { status: 204 };
  });
  router.post('/v1.0/users/:user/messages/:id/permanentDelete', permanentDelete);
  router.post('/v1.0/users/:user/mailFolders/:folder/messages/:id/permanentDelete', permanentDelete);

  const move = handle(MAIL_WRITE, (req, claims) => {
    const { user, mb } = mailboxFor(req, claims);
    const m = findMessage(ctx, mb, req.params.id!);
    const b = bodyOf(req, moveSchema);
    const dest = findFolder(ctx, mb, 'destinationId' in b ? b.destinationId : b.DestinationId);
    if (dest.wellKnownName === 'recoverableitemspurges') store.purge(m, ctx.now());
    else store.move(m, dest, ctx.now());
    const immutable = wantsImmutable(req);
    return graphJson(
      201,
      { '@odata.context': metadata(ctx, `users('${user.id}')/messages/$entity`), '@odata.type': '#microsoft.graph.message', ...messageJson(ctx, m, immutable) },
      immutable ? { 'preference-applied': 'IdType="ImmutableId"' } : {},
    );
  });
  router.post('/v1.0/users/:user/messages/:id/move', move);
  router.post('/v1.0/users/:user/mailFolders/:folder/messages/:id/move', move);

  const patch = handle(MAIL_WRITE, (req, claims) => {
    const { user, mb } = mailboxFor(req, claims);
    const m = findMessage(ctx, mb, req.params.id!);
    const b = bodyOf(req, patchSchema);
    if (b.isRead !== undefined) store.markRead(m, b.isRead, ctx.now());
    const immutable = wantsImmutable(req);
    return graphJson(200, { '@odata.context': metadata(ctx, `users('${user.id}')/messages/$entity`), ...messageJson(ctx, m, immutable) });
  });
  router.patch('/v1.0/users/:user/messages/:id', patch);

  router.get(
    '/v1.0/users/:user/mailFolders/:folder',
    handle(MAIL_READ, (req, claims) => {
      const { user, mb } = mailboxFor(req, claims);
      const f = findFolder(ctx, mb, req.params.folder!);
      return graphJson(200, { '@odata.context': metadata(ctx, `users('${user.id}')/mailFolders/$entity`), ...applySelect(folderJson(f, mb), selectOption(req)) });
    }),
  );
  router.get(
    '/v1.0/users/:user/mailFolders',
    handle(MAIL_READ, (req, claims) => {
      const { user, mb } = mailboxFor(req, claims);
      const hidden = /^true$/i.test(req.url.searchParams.get('includeHiddenFolders') ?? '');
      const root = mb.byWellKnown.get('msgfolderroot')!;
      const folders = mb.folders.filter((f) => f.parentFolderId === root.id && (hidden || !f.isHidden));
      return graphJson(200, { '@odata.context': metadata(ctx, `users('${user.id}')/mailFolders`), value: folders.map((f) => applySelect(folderJson(f, mb), selectOption(req))) });
    }),
  );

  router.post(
    '/v1.0/users/:user/sendMail',
    handle(MAIL_SEND, (req, claims) => {
      const { user } = mailboxFor(req, claims);
      const b = bodyOf(req, sendMailSchema);
      const to = recipients(b.message.toRecipients);
      const cc = recipients(b.message.ccRecipients);
      const bcc = recipients(b.message.bccRecipients);
      if (to.length + cc.length + bcc.length === 0) throw new GraphFault(400, 'ErrorInvalidRecipients', 'At least one recipient is not valid., A message can\'t be sent because it contains no recipients.');
      try {
        store.submit({
          kind: 'send',
          actor: user,
          from: { name: user.displayName, address: user.mail ?? user.userPrincipalName },
          to,
          cc,
          bcc,
          subject: b.message.subject ?? '',
          body: b.message.body?.content ?? '',
          at: ctx.now(),
          ...(b.message.internetMessageId ? { internetMessageId: b.message.internetMessageId } : {}),
          saveToSentItems: b.saveToSentItems !== false && b.saveToSentItems !== 'false',
        });
      } catch (e) {
        if (e instanceof MailError) throw new GraphFault(400, 'ErrorInvalidRequest', e.message);
        throw e;
      }
      return { status: 202 };
    }),
  );

  for (const action of ['reply', 'replyAll', 'forward'] as const) {
    router.post(
      `/v1.0/users/:user/messages/:id/${action}`,
      handle(MAIL_SEND, (req, claims) => {
        const { user, mb } = mailboxFor(req, claims);
        const m = findMessage(ctx, mb, req.params.id!);
        const b = bodyOf(req, respondSchema);
        const to = recipients(b.toRecipients ?? b.message?.toRecipients);
        if (action === 'forward' && to.length === 0) throw new GraphFault(400, 'ErrorInvalidRecipients', 'At least one recipient is not valid., A message can\'t be sent because it contains no recipients.');
        try {
          store.respond(action, user, m, {
            ...(action === 'forward' ? { to, cc: recipients(b.message?.ccRecipients), bcc: recipients(b.message?.bccRecipients) } : {}),
            ...(b.comment !== undefined ? { comment: b.comment } : {}),
            at: ctx.now(),
          });
        } catch (e) {
          if (e instanceof MailError) throw new GraphFault(400, 'ErrorInvalidRequest', e.message);
          throw e;
        }
        return { status: 202 };
      }),
    );
  }
}

/** The mailbox a Graph path addresses (`/v1.0/users/{x}/…`), for throttling and /_sim/requests. */
export function mailboxSegment(path: string): string | undefined {
  const m = /^\/v1\.0\/users\/([^/]+)\/(messages|mailFolders|sendMail)/i.exec(path);
  return m?.[1];
}

export { headerOf };
