import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { canonicalJson, GENESIS, linkRecord, outcomesDigest, verifyChain, type ChainEntry } from '../../../src/core';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

function shuffleKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v, i) => shuffleKeys(v, seed + i));
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    const rotated = entries.map((_, i) => entries[(i + seed) % entries.length]!).reverse();
    return Object.fromEntries(rotated.map(([k, v]) => [k, shuffleKeys(v, seed + 1)]));
  }
  return value;
}

describe('canonicalJson', () => {
  it('sorts keys, nests, and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 'x', c: null }, true], é: 'ü' })).toBe('{"a":[{"c":null,"d":"x"},true],"b":1,"é":"ü"}');
  });

  it('leaves out undefined properties, as a round trip through JSON storage does', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe(canonicalJson(JSON.parse(JSON.stringify({ a: 1, b: undefined }))));
  });

  it('refuses what JSON cannot hold faithfully', () => {
    for (const bad of [undefined, [undefined], { a: NaN }, { a: Infinity }, 1n, () => 1, Symbol('x'), new Map(), new Set([1])]) {
      expect(() => canonicalJson(bad)).toThrow(TypeError);
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/refers back to itself/);
  });

  it('writes a Date as JSON does', () => {
    expect(canonicalJson({ t: new Date('2026-11-20T10:00:00Z') })).toBe('{"t":"2026-11-20T10:00:00.000Z"}');
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { x: 1 };
    expect(canonicalJson([shared, shared])).toBe('[{"x":1},{"x":1}]');
  });

  it('property: key order never changes the text, and the text survives a JSON round trip', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(10), (value, seed) => {
        const text = canonicalJson(value);
        expect(canonicalJson(shuffleKeys(value, seed))).toBe(text);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        expect(text).toBe(canonicalJson(JSON.parse(JSON.stringify(value))));
      }),
    );
  });
});

function buildChain(records: object[]): ChainEntry[] {
  const out: ChainEntry[] = [];
  let prev: string | null = null;
  records.forEach((record, seq) => {
    const link = linkRecord(prev, record, sha256);
    out.push({ record, ...link, seq });
    prev = link.hash;
  });
  return out;
}

const records = Array.from({ length: 6 }, (_, i) => ({
  time: `2026-11-20T10:0${i}:00.000Z`,
  section: i % 2 ? 'Retract' : 'Access',
  event: 'job',
  actor: { oid: `o${i}` },
  options: { depth: i, action: 'soft-delete' },
}));

describe('the audit chain', () => {
  it('starts at GENESIS and links each record to the one before', () => {
    const chain = buildChain(records);
    expect(chain[0]!.prevHash).toBe(GENESIS);
    expect(chain[1]!.prevHash).toBe(chain[0]!.hash);
    expect(verifyChain(chain, sha256)).toEqual({ ok: true, records: 6, head: chain[5]!.hash });
    expect(verifyChain([], sha256)).toEqual({ ok: true, records: 0, head: null });
  });

  it('hashes a record the same whether or not it carries its own prevHash and hash fields', () => {
    const [first] = buildChain(records);
    const stored = { ...records[0], prevHash: first!.prevHash, hash: first!.hash };
    expect(linkRecord(null, stored, sha256).hash).toBe(first!.hash);
  });

  it('names an edited record', () => {
    const chain = buildChain(records);
    chain[3] = { ...chain[3]!, record: { ...records[3], options: { depth: 3, action: 'hard-delete' } } };
    expect(verifyChain(chain, sha256)).toMatchObject({ ok: false, brokenAt: 3, why: expect.stringMatching(/changed after it was written/) });
  });

  it('names where a record was removed or reordered', () => {
    const removed = buildChain(records).filter((_, i) => i !== 2);
    expect(verifyChain(removed, sha256)).toMatchObject({ ok: false, brokenAt: 3 });
    const chain = buildChain(records);
    const swapped = [chain[0]!, chain[2]!, chain[1]!, ...chain.slice(3)];
    expect(verifyChain(swapped, sha256)).toMatchObject({ ok: false, brokenAt: 2 });
    expect(verifyChain(buildChain(records).slice(1), sha256)).toMatchObject({ ok: false, brokenAt: 1, why: expect.stringMatching(/missing/) });
  });

  it('catches a record rewritten with a fresh hash, at the record after it', () => {
    const chain = buildChain(records);
    const forged = { ...records[2], actor: { oid: 'someone-else' } };
    chain[2] = { record: forged, ...linkRecord(chain[1]!.hash, forged, sha256), seq: 2 };
    expect(verifyChain(chain, sha256)).toMatchObject({ ok: false, brokenAt: 3 });
  });

  it('property: changing any one field of any record is detected', () => {
    fc.assert(
      fc.property(fc.nat(5), fc.string({ minLength: 1, maxLength: 8 }), (i, text) => {
        const chain = buildChain(records);
        chain[i] = { ...chain[i]!, record: { ...records[i], event: `job${text}` } };
        const verdict = verifyChain(chain, sha256);
        expect(verdict.ok).toBe(false);
        if (!verdict.ok) expect(verdict.brokenAt).toBe(i);
      }),
    );
  });
});

describe('outcomesDigest', () => {
  const rows = [
    { mailbox: 'adele@contoso.com', messageId: 'a', outcome: 'done' },
    { mailbox: 'megan@contoso.com', messageId: 'b', outcome: 'failed', error: 'Graph refused it.' },
  ];

  it('is independent of row order and of key order', () => {
    expect(outcomesDigest(rows, sha256)).toBe(outcomesDigest([...rows].reverse().map((r) => shuffleKeys(r, 1) as object), sha256));
  });

  it('changes when any outcome changes', () => {
    expect(outcomesDigest(rows, sha256)).not.toBe(outcomesDigest([rows[0]!, { ...rows[1]!, outcome: 'done' }], sha256));
    expect(outcomesDigest(rows, sha256)).not.toBe(outcomesDigest([rows[0]!], sha256));
  });
});
