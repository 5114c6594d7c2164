/**
 * `conversationIndex` (PidTagConversationIndex, the Thread-Index header): a 22-byte header —
 * a reserved byte, 5 bytes of time and a 16-byte GUID — then one 5-byte child block for each
 * reply or forward down the thread [MS-OXOMSG 2.2.1.3]. Graph returns it base64-encoded.
 */
export const CONVERSATION_INDEX_HEADER_BYTES = 22;
export const CONVERSATION_INDEX_BLOCK_BYTES = 5;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUE = new Map<string, number>([...ALPHABET].map((c, i) => [c, i] as const));
// The URL-safe alphabet decodes to the same bytes.
VALUE.set('-', 62);
VALUE.set('_', 63);

/** Strict base64: no whitespace, correct padding if any; undefined when malformed. */
export function decodeBase64(text: string): Uint8Array | undefined {
  const body = text.replace(/={1,2}$/, '');
  if (body.length % 4 === 1) return undefined;
  if (body.length !== text.length && text.length % 4 !== 0) return undefined;
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let bits = 0;
  let buffer = 0;
  let o = 0;
  for (const ch of body) {
    const v = VALUE.get(ch);
    if (v === undefined) return undefined;
    buffer = (buffer << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (buffer >> bits) & 0xff;
    }
  }
  // Leftover bits must be zero, or the text is not the canonical form of any bytes.
  if ((buffer & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

export interface ConversationIndex {
  header: Uint8Array;
  blockCount: number;
  /** Every byte: the header then the blocks. */
  bytes: Uint8Array;
}

export function parseConversationIndex(base64: string): ConversationIndex | undefined {
  const bytes = decodeBase64(base64);
  if (!bytes || bytes.length < CONVERSATION_INDEX_HEADER_BYTES) return undefined;
  const rest = bytes.length - CONVERSATION_INDEX_HEADER_BYTES;
  if (rest % CONVERSATION_INDEX_BLOCK_BYTES !== 0) return undefined;
  return {
    header: bytes.slice(0, CONVERSATION_INDEX_HEADER_BYTES),
    blockCount: rest / CONVERSATION_INDEX_BLOCK_BYTES,
    bytes,
  };
}

function startsWith(whole: Uint8Array, prefix: Uint8Array): boolean {
  if (prefix.length > whole.length) return false;
  for (let i = 0; i < prefix.length; i++) if (whole[i] !== prefix[i]) return false;
  return true;
}

/** Whether `child` is exactly `parent` plus one 5-byte block (a direct reply or forward of it). */
export function isChildIndex(parentB64: string, childB64: string): boolean {
  const parent = parseConversationIndex(parentB64);
  const child = parseConversationIndex(childB64);
  if (!parent || !child) return false;
  return child.blockCount === parent.blockCount + 1 && startsWith(child.bytes, parent.bytes);
}

/** Whether two indexes are the same bytes (whatever their base64 spelling). Malformed ones never match. */
export function sameIndex(a: string, b: string): boolean {
  const x = parseConversationIndex(a);
  const y = parseConversationIndex(b);
  return !!x && !!y && x.bytes.length === y.bytes.length && startsWith(x.bytes, y.bytes);
}
