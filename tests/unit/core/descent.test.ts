import fc from 'fast-check';
import { ambiguityReason, decideDirectChild, inReplyToIds, nonTargetHoldersOfIndex } from '../../../src/core';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));
const header = fc.uint8Array({ minLength: 22, maxLength: 22 });
const block = fc.uint8Array({ minLength: 5, maxLength: 5 });

const root = concat(new Uint8Array(22).fill(7));
const T = { internetMessageId: '<phish@evil.example>', conversationIndex: b64(root) };
const child = b64(concat(root, new Uint8Array([1, 2, 3, 4, 5])));
const clear = { nonTargetHoldersOfParentIndex: 0 };

describe('decideDirectChild (DESIGN step 4)', () => {
  it('a reply names its parent in In-Reply-To', () => {
    expect(decideDirectChild(T, { inReplyTo: '<phish@evil.example>', conversationIndex: child }, clear)).toBe('reply');
    expect(decideDirectChild(T, { inReplyTo: '  <phish@evil.example> ' }, clear)).toBe('reply');
  });

  it('In-Reply-To alone decides: naming another message is unrelated even with a child index', () => {
    expect(decideDirectChild(T, { inReplyTo: '<legit@contoso.com>', conversationIndex: child }, clear)).toBe('unrelated');
  });

  it('In-Reply-To is compared exactly: a different case or quote is another message', () => {
    expect(decideDirectChild(T, { inReplyTo: '<PHISH@evil.example>' }, clear)).toBe('unrelated');
    const quoted = { ...T, internetMessageId: `<a'b@x>` };
    expect(decideDirectChild(quoted, { inReplyTo: `<a'c@x>` }, clear)).toBe('unrelated');
    expect(decideDirectChild(quoted, { inReplyTo: `<a'b@x>` }, clear)).toBe('reply');
  });

  it('a forward carries no In-Reply-To and the parent index plus one block', () => {
    expect(decideDirectChild(T, { conversationIndex: child }, clear)).toBe('forward');
    expect(decideDirectChild(T, { inReplyTo: '', conversationIndex: child }, clear)).toBe('forward');
    expect(decideDirectChild(T, { conversationIndex: b64(concat(root, new Uint8Array(10))) }, clear)).toBe('unrelated');
    expect(decideDirectChild(T, { conversationIndex: T.conversationIndex }, clear)).toBe('unrelated');
    expect(decideDirectChild(T, {}, clear)).toBe('unrelated');
    expect(decideDirectChild({ internetMessageId: T.internetMessageId }, { conversationIndex: child }, clear)).toBe('unrelated');
  });

  it('a forward is ambiguous when a non-target message in the mailbox holds the parent index', () => {
    expect(decideDirectChild(T, { conversationIndex: child }, { nonTargetHoldersOfParentIndex: 1 })).toBe('ambiguous');
  });

  it('a message sent before the mailbox received the parent is unrelated', () => {
    const parent = { ...T, receivedDateTime: '2026-11-20T10:00:00Z' };
    expect(decideDirectChild(parent, { conversationIndex: child, sentDateTime: '2026-11-20T09:59:00Z' }, clear)).toBe('unrelated');
    expect(decideDirectChild(parent, { inReplyTo: T.internetMessageId, sentDateTime: '2026-11-20T09:59:00Z' }, clear)).toBe('unrelated');
    expect(decideDirectChild(parent, { conversationIndex: child, sentDateTime: '2026-11-20T10:01:00Z' }, clear)).toBe('forward');
  });

  it('reads every id of a folded In-Reply-To', () => {
    expect(inReplyToIds('<a@b>\r\n <c@d>')).toEqual(['<a@b>', '<c@d>']);
    expect(inReplyToIds('')).toEqual([]);
  });

  it('property (forged-index guard): an index copied from a legitimate thread never makes its later messages descendants', () => {
    fc.assert(
      fc.property(
        header,
        fc.array(block, { maxLength: 4 }),
        fc.array(block, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        fc.boolean(),
        (h, path, later, hasInReplyTo, legitIsReply) => {
          // L: a legitimate message in the mailbox. The phish P forged L's Thread-Index exactly.
          const lIndex = b64(concat(h, ...path));
          const L = { internetMessageId: '<legit@contoso.com>', messageId: 'L', conversationIndex: lIndex };
          const P = { internetMessageId: '<phish@evil.example>', messageId: 'P', conversationIndex: lIndex };
          const mailboxMessages = [L, P];
          const holders = nonTargetHoldersOfIndex(P.conversationIndex, mailboxMessages, new Set(['P']));
          expect(holders).toBe(1);
          // M: a later message of L's thread, sent from that mailbox (a reply names L; a forward does not).
          const M = {
            inReplyTo: hasInReplyTo ? (legitIsReply ? L.internetMessageId : '<other@contoso.com>') : undefined,
            conversationIndex: b64(concat(h, ...path, ...later)),
          };
          const decision = decideDirectChild(P, M, { nonTargetHoldersOfParentIndex: holders });
          expect(['reply', 'forward']).not.toContain(decision);
        },
      ),
    );
  });

  it('counts only non-target holders of the same index bytes', () => {
    const idx = T.conversationIndex;
    const msgs = [
      { messageId: 'a', conversationIndex: idx },
      { messageId: 'b', conversationIndex: idx.replace(/=+$/, '') },
      { messageId: 'c', conversationIndex: child },
      { messageId: 'd' },
    ];
    expect(nonTargetHoldersOfIndex(idx, msgs, new Set(['a']))).toBe(1);
    expect(nonTargetHoldersOfIndex(idx, msgs, new Set())).toBe(2);
    expect(nonTargetHoldersOfIndex(undefined, msgs, new Set())).toBe(0);
  });

  it('explains an ambiguous forward in a sentence naming the parent and the mailbox', () => {
    const why = ambiguityReason(T, { address: 'megan@contoso.com', nonTargetHoldersOfParentIndex: 1 });
    expect(why).toContain('<phish@evil.example>');
    expect(why).toContain('megan@contoso.com');
    expect(why).toMatch(/another message/);
    expect(ambiguityReason(T, { address: 'm@c.com', nonTargetHoldersOfParentIndex: 3 })).toMatch(/3 other messages/);
  });
});
