import { mayCheckOme, mayRevoke, type RevokeFacts } from '../../../src/core';

const facts = (f: Partial<RevokeFacts>): RevokeFacts => ({
  isAdmin: false,
  isSender: false,
  recipientCount: 1,
  isRevocable: true,
  revoked: false,
  ...f,
});

describe('mayRevoke', () => {
  it('an admin may revoke any revocable message', () => {
    expect(mayRevoke(facts({ isAdmin: true, recipientCount: 40 }))).toEqual({ allowed: true });
  });

  it('a sender may revoke what they sent to a single recipient, and nothing sent to more', () => {
    expect(mayRevoke(facts({ isSender: true }))).toEqual({ allowed: true });
    expect(mayRevoke(facts({ isSender: true, recipientCount: 2 }))).toMatchObject({ allowed: false, code: 'multiple-recipients' });
  });

  it('someone else learns nothing about the message', () => {
    const r = mayRevoke(facts({ revoked: true, isRevocable: false }));
    expect(r).toMatchObject({ allowed: false, code: 'not-allowed' });
    if (!r.allowed) expect(r.reason).not.toMatch(/revoked|inline/);
  });

  it('refuses a message already revoked, or sent with inline encryption', () => {
    expect(mayRevoke(facts({ isAdmin: true, revoked: true }))).toMatchObject({ allowed: false, code: 'already-revoked' });
    const inline = mayRevoke(facts({ isSender: true, isRevocable: false }));
    expect(inline).toMatchObject({ allowed: false, code: 'not-revocable' });
    if (!inline.allowed) expect(inline.reason).toMatch(/inline encryption/);
  });
});

describe('mayCheckOme', () => {
  it('admins and single-recipient senders may check; others may not', () => {
    expect(mayCheckOme({ isAdmin: true, isSender: false, recipientCount: 3 }).allowed).toBe(true);
    expect(mayCheckOme({ isAdmin: false, isSender: true, recipientCount: 1 }).allowed).toBe(true);
    expect(mayCheckOme({ isAdmin: false, isSender: true, recipientCount: 3 }).allowed).toBe(false);
    expect(mayCheckOme({ isAdmin: false, isSender: false, recipientCount: 1 }).allowed).toBe(false);
  });
});
