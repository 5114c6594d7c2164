import fc from 'fast-check';
import { decodeBase64, isChildIndex, parseConversationIndex, sameIndex } from '../../../src/core';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const header = fc.uint8Array({ minLength: 22, maxLength: 22 });
const block = fc.uint8Array({ minLength: 5, maxLength: 5 });
const index = fc.tuple(header, fc.array(block, { maxLength: 6 })).map(([h, bs]) => concat(h, ...bs));

describe('decodeBase64', () => {
  it('decodes what Buffer encodes and refuses malformed text', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => expect(decodeBase64(b64(bytes))).toEqual(bytes)));
    // 'AB' leaves non-zero bits over: it is not the encoding of any bytes.
    for (const bad of ['A', 'AB=C', 'AB===', 'AB C', 'AAAA=', '!!!!', 'AB']) {
      expect(decodeBase64(bad)).toBeUndefined();
    }
    expect(decodeBase64('AA')).toEqual(new Uint8Array([0]));
  });
});

describe('conversationIndex', () => {
  it('parses a 22-byte header and its 5-byte blocks', () => {
    const bytes = concat(new Uint8Array(22).fill(1), new Uint8Array(10).fill(2));
    const parsed = parseConversationIndex(b64(bytes));
    expect(parsed?.blockCount).toBe(2);
    expect(parsed?.header).toEqual(new Uint8Array(22).fill(1));
  });

  it('refuses indexes that are too short, between blocks, or not base64', () => {
    expect(parseConversationIndex(b64(new Uint8Array(21)))).toBeUndefined();
    expect(parseConversationIndex(b64(new Uint8Array(25)))).toBeUndefined();
    expect(parseConversationIndex('not base64!')).toBeUndefined();
    expect(parseConversationIndex('')).toBeUndefined();
  });

  it('property: parent plus exactly one block is a child; the parent itself, two blocks, or a changed prefix is not', () => {
    fc.assert(
      fc.property(index, block, block, fc.nat(), (parent, b1, b2, at) => {
        const child = concat(parent, b1);
        expect(isChildIndex(b64(parent), b64(child))).toBe(true);
        expect(isChildIndex(b64(parent), b64(parent))).toBe(false);
        expect(isChildIndex(b64(parent), b64(concat(child, b2)))).toBe(false);
        expect(isChildIndex(b64(child), b64(parent))).toBe(false);
        const forged = Uint8Array.from(child);
        const i = at % parent.length;
        forged[i] = (forged[i]! + 1) % 256;
        expect(isChildIndex(b64(parent), b64(forged))).toBe(false);
      }),
    );
  });

  it('property: sameIndex compares bytes, not spelling', () => {
    fc.assert(
      fc.property(index, index, (a, b) => {
        expect(sameIndex(b64(a), b64(a))).toBe(true);
        expect(sameIndex(b64(a), b64(a).replace(/=+$/, ''))).toBe(true);
        expect(sameIndex(b64(a), b64(b))).toBe(Buffer.from(a).equals(Buffer.from(b)));
      }),
    );
    expect(sameIndex('bad', 'bad')).toBe(false);
  });
});
