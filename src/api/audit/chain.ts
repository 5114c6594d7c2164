/**
 * The audit chain's hashing: core's chain rules (canonical JSON, links, outcome digests) with
 * SHA-256 from node:crypto.
 */
import { createHash } from 'node:crypto';
import { GENESIS, linkRecord, outcomesDigest, verifyChain, type ChainEntry, type ChainVerdict, type Sha256 } from '../../core';

export const GENESIS_HASH = GENESIS;

export interface AuditOutcomeRow {
  mailbox: string;
  messageId: string;
  outcome: string;
  error?: string;
}

export const sha256: Sha256 = (text) => createHash('sha256').update(text, 'utf8').digest('hex');

/** The record with its `prevHash` and `hash` set. */
export function chainRecord<T extends { prevHash: string }>(body: T): T & { hash: string } {
  const link = linkRecord(body.prevHash, body, sha256);
  return { ...body, ...link };
}

export function digestOutcomes(rows: readonly AuditOutcomeRow[]): string {
  return outcomesDigest(rows, sha256);
}

export function verifyRecords(entries: readonly ChainEntry[]): ChainVerdict {
  return verifyChain(entries, sha256);
}
