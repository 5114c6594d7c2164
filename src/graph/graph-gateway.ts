/**
 * The Graph gateway: mailbox and directory operations over the request scheduler. Every bulk
 * operation takes a whole list and issues its calls in one tick, so the scheduler packs them
 * into `$batch` requests; nothing here makes one round trip per target that a batch could carry.
 */
import { z } from 'zod';
import { addressesOf, normalizeAddress, odataEq, odataString } from '../core';
import { createAppTokenProvider, type AppCredentials } from './app-token-provider';
import { createGraphTransport } from './graph-transport';
import { errorCodeOf, graphError } from './graph-errors';
import { isSuccess, type GraphCall, type GraphResponse, type GraphTransport, type RequestMeter } from './graph-http';
import { RequestScheduler, type SendOptions } from './request-scheduler';
import {
  directoryGroupSchema,
  directoryUserSchema,
  domainSchema,
  folderSchema,
  IN_REPLY_TO_PROPERTY,
  MESSAGE_FIELDS,
  messageSchema,
  pageOf,
  type DirectoryGroup,
  type DirectoryUser,
  type GraphDomain,
  type GraphMessage,
} from './graph-schemas';

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

export type Result<T> = { ok: true; value: T } | { ok: false; status: number; code: string; error: string };

export interface OpOptions {
  signal?: AbortSignal;
  meter?: RequestMeter;
}

export interface GraphGatewayOptions extends AppCredentials {
  graphBase: string;
  maxConcurrency?: number;
  retryBudget?: number;
  /** Milliseconds one HTTP request to Graph may take (default 100 s; the API takes it from `RETRACT_GRAPH_TIMEOUT_MS`). */
  requestTimeoutMs?: number;
  /** Total wait per call on 429s and 503/504s before giving up (default five minutes). */
  throttleBudgetMs?: number;
}

/** Well-known folder names Graph accepts in place of a folder id. */
export const WELL_KNOWN_FOLDERS = ['inbox', 'sentitems', 'deleteditems', 'junkemail', 'archive', 'drafts', 'recoverableitemsdeletions'] as const;
export type WellKnownFolder = (typeof WELL_KNOWN_FOLDERS)[number];
export function isWellKnownFolder(name: string): name is WellKnownFolder {
  return (WELL_KNOWN_FOLDERS as readonly string[]).includes(name.toLowerCase());
}

const enc = encodeURIComponent;

/** From this many addresses on, the directory is listed once rather than queried per address. */
export const BULK_DIRECTORY_THRESHOLD = 40;

/** A directory object whose `mail` or any `smtp:` proxy address is `address` (user or group alike). */
function addressFilter(address: string): string {
  return `${odataEq('mail', address)} or proxyAddresses/any(p:p eq ${odataString(`smtp:${address}`)})`;
}

export class GraphGateway {
  readonly graphBase: string;
  readonly scheduler: RequestScheduler;
  /** userId → well-known folder name → folder id. Folder ids never change, so they are kept. */
  private readonly folderIds = new Map<string, Map<string, string>>();
  /** normalised address → user id, learned while resolving; act and undo reuse it. */
  private readonly userIdByAddress = new Map<string, string>();

  constructor(graphBase: string, scheduler: RequestScheduler) {
    this.graphBase = graphBase.replace(/\/+$/, '');
    this.scheduler = scheduler;
  }

  send(call: GraphCall, opts: OpOptions = {}): Promise<GraphResponse> {
    const send: SendOptions = { signal: opts.signal, meter: opts.meter };
    return this.scheduler.send(call, send);
  }

  /** Reads a list to its end, following `@odata.nextLink`. */
  async listAll<T extends z.ZodTypeAny>(call: GraphCall, item: T, what: string, opts: OpOptions = {}): Promise<Result<z.infer<T>[]>> {
    const schema = pageOf(item);
    const out: z.infer<T>[] = [];
    let next: GraphCall | undefined = call;
    while (next) {
      const res = await this.send(next, opts);
      if (!isSuccess(res.status)) return failure(res, what);
      const page = schema.safeParse(res.body);
      if (!page.success) return { ok: false, status: res.status, code: 'UnexpectedResponse', error: `Microsoft Graph answered with an unexpected shape while ${what}.` };
      out.push(...(page.data.value as z.infer<T>[]));
      const link = page.data['@odata.nextLink'];
      next = link ? { ...call, url: this.relative(link) } : undefined;
    }
    return { ok: true, value: out };
  }

  /** A nextLink is absolute; it must stay on our Graph base (a token is never sent elsewhere). */
  private relative(link: string): string {
    if (link.startsWith(this.graphBase + '/')) return link.slice(this.graphBase.length);
    const base = new URL(this.graphBase);
    const url = new URL(link);
    if (url.origin === base.origin && url.pathname.startsWith(base.pathname)) {
      return url.pathname.slice(base.pathname.replace(/\/+$/, '').length) + url.search;
    }
    throw new Error('Microsoft Graph returned a next page on another host; Retract does not follow it.');
  }

  // ---- directory -------------------------------------------------------------------------

  async listDomains(opts: OpOptions = {}): Promise<GraphDomain[]> {
    const res = await this.listAll({ method: 'GET', url: '/domains?$select=id,isVerified' }, domainSchema, 'listing the tenant domains', opts);
    if (!res.ok) throw new Error(res.error);
    return res.value;
  }

  /** Users whose `mail` or any `smtp:` proxy address is one of `addresses` (one query each, batched). */
  async findUsers(addresses: string[], opts: OpOptions = {}): Promise<Map<string, Result<DirectoryUser[]>>> {
    const entries = await Promise.all(
      addresses.map(async (address) => {
        const filter = addressFilter(address);
        const res = await this.listAll(
          { method: 'GET', url: `/users?$filter=${enc(filter)}&$select=id,mail,userPrincipalName,proxyAddresses` },
          directoryUserSchema,
          'looking up a recipient',
          opts,
        );
        return [address, res] as const;
      }),
    );
    return new Map(entries);
  }

  async findGroups(addresses: string[], opts: OpOptions = {}): Promise<Map<string, Result<DirectoryGroup[]>>> {
    const entries = await Promise.all(
      addresses.map(async (address) => {
        const filter = addressFilter(address);
        const res = await this.listAll(
          { method: 'GET', url: `/groups?$filter=${enc(filter)}&$select=id,mail,proxyAddresses` },
          directoryGroupSchema,
          'looking up a group',
          opts,
        );
        return [address, res] as const;
      }),
    );
    return new Map(entries);
  }

  /** Every user in each group, nested groups included (Graph's `transitiveMembers`; cycles are Graph's concern). */
  async groupMembers(groupIds: string[], opts: OpOptions = {}): Promise<Map<string, Result<DirectoryUser[]>>> {
    const entries = await Promise.all(
      groupIds.map(async (id): Promise<[string, Result<DirectoryUser[]>]> => {
        const res = await this.listAll(
          { method: 'GET', url: `/groups/${enc(id)}/transitiveMembers?$select=id,mail,userPrincipalName,proxyAddresses&$top=999` },
          directoryUserSchema,
          'expanding a group',
          opts,
        );
        if (!res.ok) return [id, res];
        const users = res.value.filter((m) => !m['@odata.type'] || m['@odata.type'] === '#microsoft.graph.user');
        return [id, { ok: true, value: users }];
      }),
    );
    return new Map(entries);
  }

  async listUsers(opts: OpOptions = {}): Promise<DirectoryUser[]> {
    const res = await this.listAll(
      { method: 'GET', url: '/users?$select=id,mail,userPrincipalName,proxyAddresses&$top=999' },
      directoryUserSchema,
      'listing the mailboxes',
      opts,
    );
    if (!res.ok) throw new Error(res.error);
    return res.value;
  }

  rememberUser(address: string, userId: string): void {
    this.userIdByAddress.set(normalizeAddress(address), userId);
  }

  /** The user id of each mailbox address (primary SMTP), from memory or one query each. */
  async userIds(addresses: string[], opts: OpOptions = {}): Promise<Map<string, Result<string>>> {
    const out = new Map<string, Result<string>>();
    const unknown = [...new Set(addresses)].filter((a) => {
      const id = this.userIdByAddress.get(normalizeAddress(a));
      if (id) out.set(a, { ok: true, value: id });
      return !id;
    });
    if (unknown.length >= BULK_DIRECTORY_THRESHOLD) {
      // Many mailboxes at once (a job's worker starts cold): one directory listing beats a query each.
      const byAddress = new Map<string, DirectoryUser[]>();
      for (const u of await this.listUsers(opts)) {
        for (const a of addressesOf(u)) {
          const list = byAddress.get(a);
          if (list) list.push(u);
          else byAddress.set(a, [u]);
        }
      }
      for (const address of unknown) {
        const users = byAddress.get(normalizeAddress(address)) ?? [];
        if (users.length === 1) {
          this.rememberUser(address, users[0]!.id);
          out.set(address, { ok: true, value: users[0]!.id });
        } else out.set(address, { ok: false, status: 404, code: 'MailboxNotFound', error: `No single mailbox has the address ${address}; it may have been removed or renamed.` });
      }
      return out;
    }
    const found = await this.findUsers(unknown, opts);
    for (const [address, res] of found) {
      if (!res.ok) out.set(address, res);
      else if (res.value.length !== 1) {
        out.set(address, { ok: false, status: 404, code: 'MailboxNotFound', error: `No single mailbox has the address ${address}; it may have been removed or renamed.` });
      } else {
        this.rememberUser(address, res.value[0]!.id);
        out.set(address, { ok: true, value: res.value[0]!.id });
      }
    }
    return out;
  }

  // ---- mailboxes -------------------------------------------------------------------------

  /**
   * Every message in each mailbox whose internetMessageId is exactly `internetMessageId`: all
   * mail folders (`/messages`) and Recoverable Items' Deletions, which `/messages` leaves out
   * but from which a user can still recover the message. Both searches go in the same round.
   */
  async findCopies(userIds: string[], internetMessageId: string, opts: OpOptions = {}): Promise<Map<string, Result<GraphMessage[]>>> {
    const filter = enc(odataEq('internetMessageId', internetMessageId));
    const query = `?$filter=${filter}&$select=${MESSAGE_FIELDS}&$top=100`;
    const entries = await Promise.all(
      userIds.map(async (userId): Promise<[string, Result<GraphMessage[]>]> => {
        const [all, recoverable] = await Promise.all([
          this.listAll({ method: 'GET', url: `/users/${enc(userId)}/messages${query}`, mailbox: userId }, messageSchema, 'searching a mailbox', opts),
          this.listAll(
            { method: 'GET', url: `/users/${enc(userId)}/mailFolders/recoverableitemsdeletions/messages${query}`, mailbox: userId },
            messageSchema,
            'searching Recoverable Items',
            opts,
          ),
        ]);
        if (!all.ok) return [userId, all];
        const found = [...all.value];
        if (recoverable.ok) {
          const seen = new Set(found.map((m) => m.id));
          for (const m of recoverable.value) {
            if (seen.has(m.id)) continue;
            found.push(m);
            if (m.parentFolderId) this.learnFolder(userId, 'recoverableitemsdeletions', m.parentFolderId);
          }
        }
        // Graph matches the filter case-insensitively; an id differing only in case is another message.
        return [userId, { ok: true, value: found.filter((m) => m.internetMessageId === internetMessageId) }];
      }),
    );
    return new Map(entries);
  }

  /** Records a well-known folder's id in a mailbox, learned from an answer that showed it. */
  learnFolder(userId: string, name: string, id: string): void {
    let map = this.folderIds.get(userId);
    if (!map) this.folderIds.set(userId, (map = new Map()));
    map.set(name, id);
  }

  /**
   * The messages of the given conversations in each mailbox (all folders), with the
   * In-Reply-To extended property (Sent Items copies carry no internet headers in Graph).
   */
  async conversationMessages(
    requests: Array<{ userId: string; conversationIds: string[] }>,
    opts: OpOptions = {},
  ): Promise<Map<string, Result<GraphMessage[]>>> {
    const expand = enc(`singleValueExtendedProperties($filter=${odataEq('id', IN_REPLY_TO_PROPERTY)})`);
    const entries = await Promise.all(
      requests.map(async ({ userId, conversationIds }): Promise<[string, Result<GraphMessage[]>]> => {
        const lists = await Promise.all(
          [...new Set(conversationIds)].map((cid) =>
            this.listAll(
              {
                method: 'GET',
                url: `/users/${enc(userId)}/messages?$filter=${enc(odataEq('conversationId', cid))}&$select=${MESSAGE_FIELDS}&$expand=${expand}&$top=100`,
                mailbox: userId,
              },
              messageSchema,
              'reading a conversation',
              opts,
            ),
          ),
        );
        const failed = lists.find((l) => !l.ok);
        if (failed) return [userId, failed];
        const all = lists.flatMap((l) => (l.ok ? l.value : []));
        return [userId, { ok: true, value: all }];
      }),
    );
    return new Map(entries);
  }

  /**
   * The Sent Items messages of the given conversations in each mailbox, with the In-Reply-To
   * extended property (Sent Items copies carry no internet headers in Graph).
   */
  async sentItemsInConversations(
    requests: Array<{ userId: string; conversationIds: string[] }>,
    opts: OpOptions = {},
  ): Promise<Map<string, Result<GraphMessage[]>>> {
    const expand = enc(`singleValueExtendedProperties($filter=${odataEq('id', IN_REPLY_TO_PROPERTY)})`);
    const entries = await Promise.all(
      requests.map(async ({ userId, conversationIds }): Promise<[string, Result<GraphMessage[]>]> => {
        const lists = await Promise.all(
          [...new Set(conversationIds)].map((cid) =>
            this.listAll(
              {
                method: 'GET',
                url: `/users/${enc(userId)}/mailFolders/sentitems/messages?$filter=${enc(odataEq('conversationId', cid))}&$select=${MESSAGE_FIELDS}&$expand=${expand}&$top=100`,
                mailbox: userId,
              },
              messageSchema,
              'reading Sent Items',
              opts,
            ),
          ),
        );
        const failed = lists.find((l) => !l.ok);
        if (failed) return [userId, failed];
        const all = lists.flatMap((l) => (l.ok ? l.value : []));
        for (const m of all) if (m.parentFolderId) this.learnFolder(userId, 'sentitems', m.parentFolderId);
        return [userId, { ok: true, value: all }];
      }),
    );
    return new Map(entries);
  }

  /**
   * Every user and group with its addresses, read in pages of 999: for many addresses at once
   * this costs a few requests instead of two per address.
   */
  async directorySnapshot(opts: OpOptions = {}): Promise<{ users: DirectoryUser[]; groups: DirectoryGroup[] }> {
    const [users, groups] = await Promise.all([
      this.listUsers(opts),
      this.listAll({ method: 'GET', url: '/groups?$select=id,mail,proxyAddresses&$top=999' }, directoryGroupSchema, 'listing the groups', opts),
    ]);
    if (!groups.ok) throw new Error(groups.error);
    return { users, groups: groups.value };
  }

  /** Ids of well-known folders per mailbox (kept once learned). A folder a mailbox lacks is left out. */
  async wellKnownFolderIds(userIds: string[], names: readonly string[], opts: OpOptions = {}): Promise<Map<string, Map<string, string>>> {
    const asks: Array<{ userId: string; name: string }> = [];
    for (const userId of new Set(userIds)) {
      const known = this.folderIds.get(userId);
      for (const name of names) if (!known?.has(name)) asks.push({ userId, name });
    }
    await Promise.all(
      asks.map(async ({ userId, name }) => {
        const res = await this.send({ method: 'GET', url: `/users/${enc(userId)}/mailFolders/${enc(name)}?$select=id`, mailbox: userId }, opts);
        const parsed = isSuccess(res.status) ? folderSchema.safeParse(res.body) : undefined;
        if (parsed?.success) this.learnFolder(userId, name, parsed.data.id);
      }),
    );
    const out = new Map<string, Map<string, string>>();
    for (const userId of userIds) out.set(userId, this.folderIds.get(userId) ?? new Map());
    return out;
  }

  /** The well-known name of a folder id in a mailbox, where it is one already learned. */
  folderName(userId: string, folderId: string | null | undefined): string | undefined {
    if (!folderId) return undefined;
    for (const [name, id] of this.folderIds.get(userId) ?? []) if (id === folderId) return name;
    return undefined;
  }

  /** Display names of folders that are not well-known ones (one call per distinct folder). */
  async folderDisplayNames(items: Array<{ userId: string; folderId: string }>, opts: OpOptions = {}): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const seen = new Set<string>();
    const asks = items.filter((i) => {
      const key = `${i.userId}\u0000${i.folderId}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    await Promise.all(
      asks.map(async ({ userId, folderId }) => {
        const res = await this.send({ method: 'GET', url: `/users/${enc(userId)}/mailFolders/${enc(folderId)}?$select=id,displayName`, mailbox: userId }, opts);
        const parsed = isSuccess(res.status) ? folderSchema.safeParse(res.body) : undefined;
        if (parsed?.success && parsed.data.displayName) out.set(`${userId}\u0000${folderId}`, parsed.data.displayName);
      }),
    );
    return out;
  }

  async getMessages(items: Array<{ userId: string; messageId: string }>, opts: OpOptions = {}): Promise<Result<GraphMessage | null>[]> {
    return Promise.all(
      items.map(async ({ userId, messageId }) => {
        const res = await this.send(
          { method: 'GET', url: `/users/${enc(userId)}/messages/${enc(messageId)}?$select=id,internetMessageId,parentFolderId,conversationId`, mailbox: userId },
          opts,
        );
        if (res.status === 404 && ['ErrorItemNotFound', 'ItemNotFound', ''].includes(errorCodeOf(res))) return { ok: true as const, value: null };
        if (!isSuccess(res.status)) return failure(res, 'reading the message');
        const parsed = messageSchema.safeParse(res.body);
        if (!parsed.success) return { ok: false as const, status: res.status, code: 'UnexpectedResponse', error: 'Microsoft Graph answered with an unexpected shape while reading the message.' };
        return { ok: true as const, value: parsed.data };
      }),
    );
  }

  /** Moves (and deletes below) are `once` calls: an answer lost on the way comes back as a failure for act to check. */
  async moveMessages(items: Array<{ userId: string; messageId: string; destinationId: string }>, opts: OpOptions = {}): Promise<Result<GraphMessage>[]> {
    return Promise.all(
      items.map(async ({ userId, messageId, destinationId }) => {
        const res = await this.send(
          { method: 'POST', url: `/users/${enc(userId)}/messages/${enc(messageId)}/move`, body: { destinationId }, mailbox: userId, once: true },
          opts,
        );
        if (!isSuccess(res.status)) return failure(res, 'moving the message');
        const parsed = messageSchema.safeParse(res.body);
        if (!parsed.success) return { ok: false as const, status: res.status, code: 'UnexpectedResponse', error: 'Microsoft Graph answered with an unexpected shape while moving the message.' };
        return { ok: true as const, value: parsed.data };
      }),
    );
  }

  /** `DELETE` (the item stays recoverable) or `permanentDelete` (it goes to Purges). */
  async deleteMessages(items: Array<{ userId: string; messageId: string }>, mode: 'delete' | 'permanentDelete', opts: OpOptions = {}): Promise<Result<null>[]> {
    return Promise.all(
      items.map(async ({ userId, messageId }) => {
        const base = `/users/${enc(userId)}/messages/${enc(messageId)}`;
        const call: GraphCall =
          mode === 'delete'
            ? { method: 'DELETE', url: base, mailbox: userId, once: true }
            : { method: 'POST', url: `${base}/permanentDelete`, body: {}, mailbox: userId, once: true };
        const res = await this.send(call, opts);
        if (!isSuccess(res.status)) return failure(res, mode === 'delete' ? 'deleting the message' : 'permanently deleting the message');
        return { ok: true as const, value: null };
      }),
    );
  }
}

export function failure(res: GraphResponse, what: string): { ok: false; status: number; code: string; error: string } {
  const err = graphError(res, what);
  return { ok: false, status: res.status, code: err.code, error: err.message };
}

/** Builds the gateway for Microsoft Graph or the simulated tenant (only the base URLs differ). */
export function createGraphGateway(
  opts: GraphGatewayOptions & { transport?: GraphTransport },
): GraphGateway {
  const transport =
    opts.transport ??
    createGraphTransport({
      graphBase: opts.graphBase,
      authProvider: createAppTokenProvider(opts, GRAPH_SCOPE),
      timeoutMs: opts.requestTimeoutMs,
    });
  const scheduler = new RequestScheduler({ transport, maxConcurrency: opts.maxConcurrency, retryBudget: opts.retryBudget, throttleBudgetMs: opts.throttleBudgetMs });
  return new GraphGateway(opts.graphBase, scheduler);
}
