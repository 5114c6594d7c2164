/**
 * Outlook's thread index (PidTagConversationIndex, MS-OXOMSG 2.2.1.3) and the Graph
 * conversationId derived from it. A new thread's index is 22 bytes: the top 6 bytes of the
 * FILETIME (the first is the "reserved" 0x01) and a 16-byte GUID. Each reply or forward
 * appends one 5-byte block: delta code (1 bit), time delta (31 bits), random (4 bits),
 * sequence (4 bits).
 */
import { poolRandomBytes as randomBytes } from './random';

const EPOCH_DIFF = 116444736000000000n;

export function fileTime(at: Date): bigint {
  return BigInt(at.getTime()) * 10000n + EPOCH_DIFF;
}

export function newThreadIndex(at: Date, guid: Buffer = randomBytes(16)): Buffer {
  const ft = Buffer.alloc(8);
  ft.writeBigUInt64BE(fileTime(at));
  return Buffer.concat([ft.subarray(0, 6), guid.subarray(0, 16)]);
}

/** The time in the header (the top 6 bytes, the rest zero), as a FILETIME. */
function headerTime(index: Buffer): bigint {
  const b = Buffer.alloc(8);
  index.copy(b, 0, 0, 6);
  return b.readBigUInt64BE();
}

export function childThreadIndex(parent: Buffer, at: Date): Buffer {
  let delta = fileTime(at) - headerTime(parent);
  if (delta < 0n) delta = 0n;
  let word: bigint;
  // Deltas below 2^49 are stored at 2^18 resolution with code 0; longer ones at 2^23 with code 1.
  if (delta < 1n << 49n) word = (delta >> 18n) & 0x7fffffffn;
  else word = (1n << 31n) | ((delta >> 23n) & 0x7fffffffn);
  const block = Buffer.alloc(5);
  block.writeUInt32BE(Number(word), 0);
  const sequence = ((parent.length - 22) / 5) & 0x0f;
  block[4] = ((randomBytes(1)[0]! & 0x0f) << 4) | sequence;
  return Buffer.concat([parent, block]);
}

/** The number of reply/forward blocks after the 22-byte header. */
export function threadDepth(index: Buffer): number {
  return Math.max(0, Math.floor((index.length - 22) / 5));
}

/** Graph's conversationId: one per thread, derived from the thread index's GUID. */
export function conversationIdOf(index: Buffer): string {
  const guid = index.subarray(6, 22);
  return 'AAQkAD' + guid.toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}
