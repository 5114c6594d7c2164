/**
 * Acting on the targets of one lookup (DESIGN.md step 7) and undoing it (step 8). Each item is
 * re-read first and left alone unless it still holds the same internetMessageId; an item
 * already where the action puts it is `done`, one found nowhere is `already-gone`. Work is done
 * in three rounds for the whole list — mailbox ids, re-reads (with the destination folder's id
 * where this process has not learned it yet), changes — each packed into `$batch` requests, so
 * the cost is a few round trips per twenty items, never one per item.
 */
import { z } from 'zod';
import { destinationFolder, internetMessageIdSchema, isAction, type Action } from '../core';
import { isWellKnownFolder, type GraphGateway, type OpOptions, type Result } from './graph-gateway';
import type { GraphMessage } from './graph-schemas';
import { InvalidInputError, parseOrThrow } from './lookup-input';

export interface ActItem {
  mailbox: string;
  messageId: string;
  internetMessageId: string;
}

export interface UndoItem extends ActItem {
  /** The folder the item came from: a well-known name or a folder id. */
  restoreTo: string;
}

export interface ActResult {
  mailbox: string;
  messageId: string;
  outcome: 'done' | 'already-gone' | 'failed';
  error?: string;
  /** Where the item was before the change (well-known name, else the folder id): what undo restores to. */
  fromFolder?: string;
  /** The item's id after a move, when Graph gave it a new one. */
  newMessageId?: string;
  /**
   * A failure on the way (no answer, 429, 5xx) after every try this process made: another
   * attempt later may well succeed. Absent for refusals and for a changed item.
   */
  transient?: true;
}

/** A failed result from Graph's failed answer, marked `transient` when trying later may work. */
function failed(base: { mailbox: string; messageId: string }, res: { status: number; error: string }): ActResult {
  const later = res.status === 0 || res.status === 429 || res.status >= 500;
  return { ...base, outcome: 'failed', error: res.error, ...(later ? { transient: true as const } : {}) };
}

const actItemSchema = z.object({
  mailbox: z.string().min(1, { message: 'Each item needs its mailbox.' }).max(320),
  messageId: z.string().min(1, { message: 'Each item needs its messageId.' }).max(1024),
  internetMessageId: internetMessageIdSchema,
});
const undoItemSchema = actItemSchema.extend({ restoreTo: z.string().min(1, { message: 'Each item needs the folder to restore it to.' }).max(1024) });

// Graph refuses some moves into Recoverable Items; DELETE puts the item there just the same.
const MOVE_REFUSED = new Set([400, 403, 405, 409, 501]);

interface Prepared<T extends ActItem> {
  item: T;
  userId?: string;
  current?: GraphMessage;
  result?: ActResult;
}

/** Learns the ids of well-known folders per mailbox where not yet known (one read each, kept by the gateway). */
async function learnFolders(gateway: GraphGateway, wanted: Array<{ userId: string; name: string | undefined }>, opts: OpOptions): Promise<void> {
  const byName = new Map<string, Set<string>>();
  for (const { userId, name } of wanted) {
    if (!name) continue;
    let users = byName.get(name);
    if (!users) byName.set(name, (users = new Set()));
    users.add(userId);
  }
  await Promise.all([...byName].map(([name, users]) => gateway.wellKnownFolderIds([...users], [name], opts)));
}

/**
 * Mailbox ids, then in one round the re-reads and the id of the folder each item should end up
 * in (`destination(item)`, a well-known name), where this gateway has not learned it. Without
 * that id an item already there — moved by a worker that died before recording it — cannot be
 * told apart and would be moved again. One folder read per mailbox, kept for the process.
 */
async function prepare<T extends ActItem>(gateway: GraphGateway, items: T[], destination: (item: T) => string | undefined, opts: OpOptions): Promise<Prepared<T>[]> {
  const ids = await gateway.userIds(
    items.map((i) => i.mailbox),
    opts,
  );
  const prepared: Prepared<T>[] = items.map((item) => {
    const id = ids.get(item.mailbox);
    const base = { mailbox: item.mailbox, messageId: item.messageId };
    if (!id) return { item, result: { ...base, outcome: 'failed', error: `The mailbox ${item.mailbox} could not be found.` } };
    if (!id.ok) return { item, result: failed(base, id) };
    return { item, userId: id.value };
  });
  const live = prepared.filter((p) => p.userId);
  // Issued in the same tick as the reads, so the scheduler packs both into the same batches.
  const [reads] = await Promise.all([
    gateway.getMessages(
      live.map((p) => ({ userId: p.userId!, messageId: p.item.messageId })),
      opts,
    ),
    learnFolders(
      gateway,
      live.map((p) => ({ userId: p.userId!, name: destination(p.item) })),
      opts,
    ),
  ]);
  live.forEach((p, i) => {
    const read = reads[i]!;
    const base = { mailbox: p.item.mailbox, messageId: p.item.messageId };
    if (!read.ok) p.result = failed(base, read);
    else if (read.value === null) p.result = { ...base, outcome: 'already-gone' };
    else if (read.value.internetMessageId !== p.item.internetMessageId) {
      p.result = {
        ...base,
        outcome: 'failed',
        error: `The item in ${p.item.mailbox} no longer holds the message ${p.item.internetMessageId}, so it was left alone. Run a new lookup.`,
      };
    } else p.current = read.value;
  });
  return prepared;
}

/** The folder an item was in: its well-known name where this gateway has learned it, else its id (undo accepts both). */
function folderLabel(gateway: GraphGateway, userId: string, folderId: string | null | undefined): string | undefined {
  if (!folderId) return undefined;
  return gateway.folderName(userId, folderId) ?? folderId;
}

/** The answer was lost on the way (no answer, 502, 504): the change may or may not have been made. */
function answerLost(res: Result<unknown>): boolean {
  return !res.ok && (res.status === 0 || res.status === 502 || res.status === 504);
}

/**
 * Resends, each after a re-read, for changes whose answers keep getting lost; a last re-read
 * after the last resend tells whether it was made. (3 resends failed targets when a quarter of
 * all connections were cut: the long hard-delete run.)
 */
const LOST_ANSWER_ROUNDS = 5;

interface Change {
  userId: string;
  messageId: string;
  internetMessageId: string;
  /** The well-known folder the change puts the item in, whose id the check after a lost answer needs. */
  folder?: string;
}

/**
 * Sends one change per item, never twice blind: where an answer was lost the item is re-read
 * (in one batched round), counted as changed if it is where the change puts it (`isChanged`),
 * and sent again only if it still holds the same message and is not. A confirmed change
 * answers `{ ok: true, value: null }`.
 */
async function changeOnce<C extends Change, R>(
  gateway: GraphGateway,
  items: C[],
  send: (items: C[]) => Promise<Result<R>[]>,
  isChanged: (item: C, now: GraphMessage | null) => boolean,
  opts: OpOptions,
): Promise<Result<R | null>[]> {
  const out: Result<R | null>[] = await send(items);
  for (let round = 0; round <= LOST_ANSWER_ROUNDS; round++) {
    const unsure = out.flatMap((res, i) => (answerLost(res) ? [i] : []));
    if (unsure.length === 0) break;
    const [reads] = await Promise.all([
      gateway.getMessages(
        unsure.map((i) => ({ userId: items[i]!.userId, messageId: items[i]!.messageId })),
        opts,
      ),
      learnFolders(
        gateway,
        unsure.map((i) => ({ userId: items[i]!.userId, name: items[i]!.folder })),
        opts,
      ),
    ]);
    const again: number[] = [];
    unsure.forEach((i, k) => {
      const read = reads[k]!;
      if (!read.ok) return;
      const item = items[i]!;
      if (isChanged(item, read.value)) out[i] = { ok: true, value: null };
      else if (read.value === null) out[i] = { ok: false, status: 404, code: 'ErrorItemNotFound', error: 'The item no longer exists.' };
      else if (read.value.internetMessageId === item.internetMessageId) again.push(i);
    });
    // After the last resend, this round only reads: a change made with its answer lost is
    // counted made, not failed.
    if (again.length === 0 || round === LOST_ANSWER_ROUNDS) continue;
    const resent = await send(again.map((i) => items[i]!));
    again.forEach((i, k) => (out[i] = resent[k]!));
  }
  return out;
}

function moved(base: { mailbox: string; messageId: string }, fromFolder: string | undefined, res: Result<GraphMessage | null>): ActResult {
  if (res.ok) {
    const out: ActResult = { ...base, outcome: 'done', ...(fromFolder ? { fromFolder } : {}) };
    if (res.value && res.value.id !== base.messageId) out.newMessageId = res.value.id;
    return out;
  }
  if (res.status === 404) return { ...base, outcome: 'already-gone' };
  return { ...failed(base, res), ...(fromFolder ? { fromFolder } : {}) };
}

export interface ActOptions {
  signal?: AbortSignal;
  /**
   * No earlier attempt at these items can have acted (a work item's first delivery): the
   * destination folder's id is then not read up front, only if an answer is lost. Otherwise
   * (the default) it is read with the re-reads, one call per mailbox, so that an item an earlier
   * attempt already moved counts as done instead of being moved again.
   */
  firstAttempt?: boolean;
}

export async function act(gateway: GraphGateway, rawItems: ActItem[], action: Action, opts: ActOptions = {}): Promise<ActResult[]> {
  if (!isAction(action)) {
    throw new InvalidInputError(`"${String(action)}" is not an action. Use soft-delete, hard-delete, move-to-deleted-items or move-to-junk.`);
  }
  const items = parseOrThrow(z.array(actItemSchema), rawItems);
  const op: OpOptions = { signal: opts.signal };
  const dest = destinationFolder(action);
  // Purged items leave no folder to find them in: a purge is told by the item being gone.
  const prepared = await prepare(gateway, items, () => (action === 'hard-delete' || opts.firstAttempt ? undefined : dest), op);

  const moves: Array<{ p: Prepared<ActItem>; fromFolder?: string }> = [];
  const purges: Array<{ p: Prepared<ActItem>; fromFolder?: string }> = [];
  for (const p of prepared) {
    if (p.result || !p.current || !p.userId) continue;
    const base = { mailbox: p.item.mailbox, messageId: p.item.messageId };
    // Already there: moved by an earlier attempt (or by the user). Moving it again would also lose where it came from.
    const there = gateway.folderName(p.userId, p.current.parentFolderId) === dest;
    const fromFolder = folderLabel(gateway, p.userId, p.current.parentFolderId);
    if (there) p.result = { ...base, outcome: 'done', ...(fromFolder ? { fromFolder } : {}) };
    else if (action === 'hard-delete') purges.push({ p, fromFolder });
    else moves.push({ p, fromFolder });
  }

  const change = (p: Prepared<ActItem>, folder?: string): Change => ({ userId: p.userId!, messageId: p.item.messageId, internetMessageId: p.item.internetMessageId, ...(folder ? { folder } : {}) });
  const inFolder = (name: string) => (c: Change, now: GraphMessage | null) => now !== null && gateway.folderName(c.userId, now.parentFolderId) === name;
  const [moveResults, purgeResults] = await Promise.all([
    changeOnce(
      gateway,
      moves.map(({ p }) => change(p, dest)),
      (list) => gateway.moveMessages(list.map((c) => ({ userId: c.userId, messageId: c.messageId, destinationId: dest })), op),
      inFolder(dest),
      op,
    ),
    // A purged item is gone from every folder; gone is what a purge does.
    changeOnce(
      gateway,
      purges.map(({ p }) => change(p)),
      (list) => gateway.deleteMessages(list, 'permanentDelete', op),
      (_c, now) => now === null,
      op,
    ),
  ]);

  const fallback: Array<{ p: Prepared<ActItem>; fromFolder?: string }> = [];
  moves.forEach(({ p, fromFolder }, i) => {
    const res = moveResults[i]!;
    if (!res.ok && action === 'soft-delete' && MOVE_REFUSED.has(res.status)) fallback.push({ p, fromFolder });
    else {
      if (res.ok && res.value?.parentFolderId) gateway.learnFolder(p.userId!, dest, res.value.parentFolderId);
      p.result = moved({ mailbox: p.item.mailbox, messageId: p.item.messageId }, fromFolder, res);
    }
  });
  purges.forEach(({ p, fromFolder }, i) => {
    const res = purgeResults[i]!;
    const base = { mailbox: p.item.mailbox, messageId: p.item.messageId, ...(fromFolder ? { fromFolder } : {}) };
    p.result = res.ok ? { ...base, outcome: 'done' } : res.status === 404 ? { ...base, outcome: 'already-gone' } : failed(base, res);
  });

  if (fallback.length > 0) {
    const deleted = await changeOnce(
      gateway,
      fallback.map(({ p }) => change(p, 'recoverableitemsdeletions')),
      (list) => gateway.deleteMessages(list, 'delete', op),
      inFolder('recoverableitemsdeletions'),
      op,
    );
    fallback.forEach(({ p, fromFolder }, i) => {
      const res = deleted[i]!;
      const base = { mailbox: p.item.mailbox, messageId: p.item.messageId, ...(fromFolder ? { fromFolder } : {}) };
      p.result = res.ok ? { ...base, outcome: 'done' } : res.status === 404 ? { ...base, outcome: 'already-gone' } : failed(base, res);
    });
  }
  return prepared.map((p) => p.result!);
}

/** Whether a folder id is `folder` (a well-known name, or a folder id). */
function isIn(gateway: GraphGateway, userId: string, folderId: string | null | undefined, folder: string): boolean {
  return isWellKnownFolder(folder) ? gateway.folderName(userId, folderId) === folder.toLowerCase() : folderId === folder;
}

/** Puts each item back in the folder it came from (a soft delete or a move; never a hard delete). */
export async function undo(gateway: GraphGateway, rawItems: UndoItem[], opts: ActOptions = {}): Promise<ActResult[]> {
  const items = parseOrThrow(z.array(undoItemSchema), rawItems);
  const op: OpOptions = { signal: opts.signal };
  const prepared = await prepare(gateway, items, (i) => (isWellKnownFolder(i.restoreTo) && !opts.firstAttempt ? i.restoreTo.toLowerCase() : undefined), op);

  const moves: Array<{ p: Prepared<UndoItem>; fromFolder?: string }> = [];
  for (const p of prepared) {
    if (p.result || !p.current || !p.userId) continue;
    const here = p.current.parentFolderId ?? '';
    const isThere = isIn(gateway, p.userId, here, p.item.restoreTo);
    const fromFolder = folderLabel(gateway, p.userId, here);
    if (isThere) p.result = { mailbox: p.item.mailbox, messageId: p.item.messageId, outcome: 'done', ...(fromFolder ? { fromFolder } : {}) };
    else moves.push({ p, fromFolder });
  }
  const results = await changeOnce(
    gateway,
    moves.map(({ p }) => ({
      userId: p.userId!,
      messageId: p.item.messageId,
      internetMessageId: p.item.internetMessageId,
      restoreTo: p.item.restoreTo,
      ...(isWellKnownFolder(p.item.restoreTo) ? { folder: p.item.restoreTo.toLowerCase() } : {}),
    })),
    (list) => gateway.moveMessages(list.map((c) => ({ userId: c.userId, messageId: c.messageId, destinationId: c.restoreTo })), op),
    (c, now) => now !== null && isIn(gateway, c.userId, now.parentFolderId, c.restoreTo),
    op,
  );
  moves.forEach(({ p, fromFolder }, i) => {
    p.result = moved({ mailbox: p.item.mailbox, messageId: p.item.messageId }, fromFolder, results[i]!);
  });
  return prepared.map((p) => p.result!);
}

export { InvalidInputError };
