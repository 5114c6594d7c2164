/** Who may revoke an OME (Microsoft Purview Message Encryption) message, and why not. */

export type RevokeRefusal = 'not-allowed' | 'multiple-recipients' | 'already-revoked' | 'not-revocable';

export type RevokeDecision = { allowed: true } | { allowed: false; code: RevokeRefusal; reason: string };

export interface RevokeFacts {
  /** The caller holds `Retract.Admin`. */
  isAdmin: boolean;
  /** The message's sender is the directory user named by the caller's token `oid`. */
  isSender: boolean;
  recipientCount: number;
  isRevocable: boolean;
  revoked: boolean;
}

/**
 * Whether the caller may see the status of an OME message: an admin, or its sender when it went
 * to a single recipient (as Outlook on the web allows senders). Nothing else is revealed to
 * anyone else.
 */
export function mayCheckOme(facts: Pick<RevokeFacts, 'isAdmin' | 'isSender' | 'recipientCount'>): RevokeDecision {
  if (facts.isAdmin) return { allowed: true };
  if (!facts.isSender) {
    return {
      allowed: false,
      code: 'not-allowed',
      reason: 'Only the sender of this message or a Retract admin can check or revoke it.',
    };
  }
  if (facts.recipientCount !== 1) {
    return {
      allowed: false,
      code: 'multiple-recipients',
      reason: 'You can revoke a message yourself only when you sent it to a single recipient. Ask a Retract admin to revoke this one.',
    };
  }
  return { allowed: true };
}

/**
 * Who may revoke: an admin any revocable message; its sender only one they sent to a single
 * recipient. The caller's right is decided first, so someone who may not act learns nothing of
 * the message's state. A message already revoked, or sent with inline encryption (recipients
 * inside Microsoft 365, who hold the message itself), cannot be revoked.
 */
export function mayRevoke(facts: RevokeFacts): RevokeDecision {
  const right = mayCheckOme(facts);
  if (!right.allowed) return right;
  if (facts.revoked) {
    return { allowed: false, code: 'already-revoked', reason: 'This message has already been revoked; its recipients can no longer open it.' };
  }
  if (!facts.isRevocable) {
    return {
      allowed: false,
      code: 'not-revocable',
      reason:
        'This message cannot be revoked: it was delivered with inline encryption to recipients inside Microsoft 365. Use a retraction to delete their copies instead.',
    };
  }
  return { allowed: true };
}
