import { sameIndex, isChildIndex } from './conversation-index';

export type DirectChildDecision = 'reply' | 'forward' | 'ambiguous' | 'unrelated';

export interface ParentMessage {
  internetMessageId: string;
  conversationIndex?: string | undefined;
  /** When this mailbox received the parent (ISO); a child is sent after it. */
  receivedDateTime?: string | undefined;
}

export interface CandidateMessage {
  /** In-Reply-To (from `PidTagInReplyToId`, `String 0x1042`, on Sent Items copies). */
  inReplyTo?: string | undefined;
  conversationIndex?: string | undefined;
  /** When the candidate was sent (ISO). */
  sentDateTime?: string | undefined;
}

/** The internetMessageIds an In-Reply-To names (normally one; folded headers may hold more). */
export function inReplyToIds(inReplyTo: string): string[] {
  const ids = inReplyTo.match(/<[^<>]*>/g);
  return ids ?? (inReplyTo.trim() === '' ? [] : [inReplyTo.trim()]);
}

/**
 * The direct-child rule of DESIGN.md step 4, for a Sent Items message `candidate` of a mailbox
 * that holds the target `parent`:
 * - with an In-Reply-To, that alone decides: `reply` when it names the parent, else `unrelated`
 *   (the conversationIndex is never consulted, so a forged index cannot adopt a reply);
 * - without one (a forward): `forward` when its conversationIndex is the parent's plus exactly
 *   one block — unless another message in that mailbox that is not a target holds the parent's
 *   index (an outsider may have copied a legitimate thread's Thread-Index), then `ambiguous`;
 * - a message sent before the mailbox received the parent is `unrelated`, when both times are known.
 */
export function decideDirectChild(
  parent: ParentMessage,
  candidate: CandidateMessage,
  mailbox: { nonTargetHoldersOfParentIndex: number },
): DirectChildDecision {
  if (parent.receivedDateTime && candidate.sentDateTime) {
    const received = Date.parse(parent.receivedDateTime);
    const sent = Date.parse(candidate.sentDateTime);
    if (Number.isFinite(received) && Number.isFinite(sent) && sent < received) return 'unrelated';
  }
  if (candidate.inReplyTo !== undefined && candidate.inReplyTo.trim() !== '') {
    return inReplyToIds(candidate.inReplyTo).includes(parent.internetMessageId) ? 'reply' : 'unrelated';
  }
  if (!parent.conversationIndex || !candidate.conversationIndex) return 'unrelated';
  if (!isChildIndex(parent.conversationIndex, candidate.conversationIndex)) return 'unrelated';
  return mailbox.nonTargetHoldersOfParentIndex > 0 ? 'ambiguous' : 'forward';
}

/**
 * How many messages of a mailbox that are not targets hold `parentIndex` — the count the guard
 * of {@link decideDirectChild} needs. `targetMessageIds` are the messageIds already targets.
 */
export function nonTargetHoldersOfIndex(
  parentIndex: string | undefined,
  messages: Iterable<{ messageId: string; conversationIndex?: string | undefined }>,
  targetMessageIds: ReadonlySet<string>,
): number {
  if (!parentIndex) return 0;
  let n = 0;
  for (const m of messages) {
    if (!targetMessageIds.has(m.messageId) && m.conversationIndex && sameIndex(m.conversationIndex, parentIndex)) n++;
  }
  return n;
}

/** The sentence shown to the admin for a forward the guard stopped. */
export function ambiguityReason(
  parent: { internetMessageId: string },
  mailbox: { address: string; nonTargetHoldersOfParentIndex: number },
): string {
  const others =
    mailbox.nonTargetHoldersOfParentIndex === 1
      ? 'another message there that is not a target holds'
      : `${mailbox.nonTargetHoldersOfParentIndex} other messages there that are not targets hold`;
  return (
    `This looks like a forward of ${parent.internetMessageId} sent from ${mailbox.address}, but ${others} ` +
    'the same thread position, so it may instead continue a legitimate thread whose Thread-Index was copied. ' +
    'Open it, and include it only if it carries the retracted message on.'
  );
}
