/**
 * Mail delivery in the simulated tenant: copies, groups, threads, folders, ids and the
 * delivery log, through the same MailStore the fixture ops and Graph actions use.
 */
import { FixtureError, parseTenantFixture, type TenantFixture } from '../../../src/sim/fixture';
import { newThreadIndex, childThreadIndex, conversationIdOf, threadDepth } from '../../../src/sim/threading';
import { opTimes } from '../../../src/sim/mailstore';
import { SimTenant } from '../../../src/sim/tenant';

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function fixture(mail: unknown[], extra: Partial<Record<string, unknown>> = {}): TenantFixture {
  return parseTenantFixture({
    tenant: { id: id(999), displayName: 'Contoso', initialDomain: 'contoso.onmicrosoft.com' },
    domains: [
      { id: 'contoso.com', isVerified: true, isDefault: true },
      { id: 'legacy.com', isVerified: false },
    ],
    users: [
      { id: id(1), displayName: 'Adele Vance', userPrincipalName: 'adele@contoso.com', mail: 'adele@contoso.com', proxyAddresses: ['SMTP:adele@contoso.com', 'smtp:av@contoso.com'] },
      { id: id(2), displayName: 'Megan Bowen', userPrincipalName: 'megan@contoso.com', mail: 'megan@contoso.com' },
      { id: id(3), displayName: 'Diego', userPrincipalName: 'diego@contoso.com', mail: 'diego@contoso.com' },
      { id: id(4), displayName: 'Nora', userPrincipalName: 'nora@contoso.com', mail: 'nora@contoso.com', mailbox: 'none' },
      { id: id(5), displayName: 'Otto', userPrincipalName: 'otto@contoso.com', mail: 'otto@contoso.com', mailbox: 'not-rest-enabled' },
    ],
    groups: [
      { id: id(10), displayName: 'All', mail: 'all@contoso.com', members: [id(1), id(11), id(4)] },
      { id: id(11), displayName: 'Sub', mail: 'sub@contoso.com', members: [id(2), id(3), id(5), id(10), id(1)] },
    ],
    apps: [{ name: 'retract-api', clientId: id(100), secret: 's' }],
    mail,
    ...extra,
  });
}

function copies(t: SimTenant, upn: string) {
  const mb = t.mail.mailboxOf(t.findUser(upn)!);
  return mb ? mb.folders.flatMap((f) => [...f.messages.values()]) : [];
}

describe('delivery', () => {
  const t = new SimTenant(
    fixture([
      { op: 'send', ref: 's1', as: 'adele@contoso.com', to: ['megan@contoso.com'], bcc: ['diego@contoso.com', 'pat@gmail.com'], subject: 'Order' },
      { op: 'deliver', ref: 'phish', from: 'x@evil.example', to: ['all@contoso.com', 'megan@contoso.com'], cc: ['ghost@legacy.com'], inReplyTo: 's1', subject: 'RE: Order' },
      { op: 'forward', ref: 'f1', as: 'megan@contoso.com', of: 'phish', to: ['diego@contoso.com', 'pat@gmail.com'] },
      { op: 'reply', ref: 'r1', as: 'diego@contoso.com', of: 'f1' },
      { op: 'replyAll', ref: 'ra1', as: 'megan@contoso.com', of: 'r1' },
      { op: 'deliver', ref: 'forged', from: 'x@evil.example', to: ['adele@contoso.com'], forgeThreadIndexOf: 'phish' },
      { op: 'send', ref: 'enc1', as: 'av@contoso.com', to: ['pat@gmail.com'], encryption: 'ome' },
    ]),
    { start: new Date('2026-06-01T12:00:00Z') },
  );
  const send = (ref: string) => t.mail.byRef.get(ref)!;

  it('gives each internal recipient one copy in Inbox, groups expanded through nesting and cycles', () => {
    const phish = send('phish');
    for (const u of ['adele@contoso.com', 'megan@contoso.com', 'diego@contoso.com', 'otto@contoso.com']) {
      const mine = copies(t, u).filter((m) => m.send === phish);
      expect(mine).toHaveLength(1);
      expect(mine[0]!.folder.wellKnownName).toBe('inbox');
    }
    expect(phish.deliveredTo.map((u) => u.userPrincipalName).sort()).toEqual(['adele@contoso.com', 'diego@contoso.com', 'megan@contoso.com', 'otto@contoso.com']);
    expect(copies(t, 'nora@contoso.com')).toEqual([]);
  });

  it('keeps the sender a Sent Items copy with the Bcc, and shares one internetMessageId across copies', () => {
    const s1 = send('s1');
    const sent = copies(t, 'adele@contoso.com').filter((m) => m.send === s1);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.folder.wellKnownName).toBe('sentitems');
    expect(sent[0]!.isSentCopy).toBe(true);
    expect(s1.bcc.map((r) => r.address)).toEqual(['diego@contoso.com', 'pat@gmail.com']);
    const diego = copies(t, 'diego@contoso.com').filter((m) => m.send === s1);
    expect(diego).toHaveLength(1);
    expect(diego[0]!.isSentCopy).toBe(false);
    expect(new Set([...sent, ...diego].map((m) => m.send.internetMessageId)).size).toBe(1);
    expect(s1.internetMessageId).toMatch(/^<[^\s]+@[^\s]+>$/);
  });

  it('threads replies and forwards: one 5-byte block each, In-Reply-To on replies only', () => {
    const s1 = send('s1');
    const phish = send('phish');
    const f1 = send('f1');
    const r1 = send('r1');
    const ra1 = send('ra1');
    expect(s1.conversationIndex.length).toBe(22);
    expect(phish.conversationIndex.length).toBe(27);
    expect(f1.conversationIndex.length).toBe(32);
    expect(r1.conversationIndex.length).toBe(37);
    expect(ra1.conversationIndex.length).toBe(42);
    expect(phish.conversationIndex.subarray(0, 22).equals(s1.conversationIndex)).toBe(true);
    for (const s of [phish, f1, r1, ra1]) expect(s.conversationId).toBe(s1.conversationId);
    expect(phish.inReplyTo).toBe(s1.internetMessageId);
    expect(f1.inReplyTo).toBeUndefined();
    expect(r1.inReplyTo).toBe(f1.internetMessageId);
    expect(r1.references).toEqual([s1.internetMessageId, phish.internetMessageId, f1.internetMessageId]);
  });

  it('addresses a reply to the sender and a reply-all to the sender and the others but the actor', () => {
    expect(send('r1').to.map((r) => r.address)).toEqual(['megan@contoso.com']);
    expect(send('r1').subject).toBe('RE: FW: RE: Order');
    const ra1 = send('ra1');
    expect(ra1.to.map((r) => r.address)).toEqual(['diego@contoso.com']);
  });

  it('lets a forger claim exactly another thread index', () => {
    expect(send('forged').conversationIndex.equals(send('phish').conversationIndex)).toBe(true);
    expect(send('forged').inReplyTo).toBeUndefined();
  });

  it('logs one delivery row per recipient: Delivered, Expanded for a group, Failed for an unknown address', () => {
    const rows = t.mail.deliveryLog.filter((r) => r.internetMessageId === send('phish').internetMessageId);
    const status = new Map(rows.map((r) => [r.recipientAddress, r.status]));
    expect(status.get('all@contoso.com')).toBe('Expanded');
    expect(status.get('megan@contoso.com')).toBe('Delivered');
    expect(status.get('otto@contoso.com')).toBe('Delivered');
    // legacy.com is not verified: external, so it leaves the tenant.
    expect(status.get('ghost@legacy.com')).toBe('Delivered');
    expect(new Set(rows.map((r) => r.messageTraceId)).size).toBe(1);
    const partners = new SimTenant(fixture([{ op: 'send', ref: 'x', as: 'adele@contoso.com', to: ['nora@contoso.com'] }]));
    expect(partners.mail.deliveryLog.map((r) => [r.recipientAddress, r.status])).toEqual([['nora@contoso.com', 'Failed']]);
  });

  it('records each send with its encryption and every recipient, external ones too', () => {
    const enc = send('enc1');
    expect(enc.encryption).toBe('ome');
    expect(enc.from.address).toBe('adele@contoso.com');
    expect(enc.to.map((r) => r.address)).toEqual(['pat@gmail.com']);
    expect(t.mail.sends.map((s) => s.ref)).toEqual(['s1', 'phish', 'f1', 'r1', 'ra1', 'forged', 'enc1']);
  });

  it('finds copies through the per-mailbox index, case-insensitively', () => {
    const mb = t.mail.mailboxOf(t.findUser('megan@contoso.com')!)!;
    const imid = send('phish').internetMessageId;
    expect(t.mail.findByInternetMessageId(mb, imid)).toHaveLength(1);
    expect(t.mail.findByInternetMessageId(mb, imid.toUpperCase())).toHaveLength(1);
    expect(t.mail.findByConversation(mb, send('s1').conversationId).length).toBeGreaterThanOrEqual(4);
  });

  it('changes the REST id on a move and keeps the immutable id; a purge makes both unfindable', () => {
    const m = copies(t, 'megan@contoso.com').find((x) => x.send === send('s1'))!;
    const { immutableId, restId } = m;
    const mb = m.mailbox;
    t.mail.move(m, mb.byWellKnown.get('deleteditems')!, new Date());
    expect(m.immutableId).toBe(immutableId);
    expect(m.restId).not.toBe(restId);
    expect(t.mail.findById(restId)).toBeUndefined();
    expect(t.mail.findById(immutableId)).toBe(m);
    t.mail.purge(m, new Date());
    expect(t.mail.findById(immutableId)).toBeUndefined();
    expect(m.folder.wellKnownName).toBe('recoverableitemspurges');
  });

  it('times ops a minute apart, the last one a minute before the start', () => {
    const times = opTimes(t.fixture.mail, new Date('2026-06-01T12:00:00Z'));
    expect(times[6]!.toISOString()).toBe('2026-06-01T11:59:00.000Z');
    expect(times[0]!.toISOString()).toBe('2026-06-01T11:53:00.000Z');
    expect(copies(t, 'adele@contoso.com').find((m) => m.send === send('enc1'))!.receivedAt.toISOString()).toBe('2026-06-01T11:59:00.000Z');
  });

  it('refuses at load, with its path, an op whose actor holds no copy of what it acts on', () => {
    const f = fixture([
      { op: 'send', ref: 's1', as: 'adele@contoso.com', to: ['megan@contoso.com'] },
      { op: 'forward', ref: 'f1', as: 'diego@contoso.com', of: 's1', to: ['megan@contoso.com'] },
    ]);
    let err: unknown;
    try {
      new SimTenant(f);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FixtureError);
    expect((err as FixtureError).path).toBe('$.mail[1].of');
  });
});

describe('thread index', () => {
  it('is 22 bytes with the FILETIME on top and grows by 5 per child', () => {
    const at = new Date('2026-06-01T12:00:00Z');
    const root = newThreadIndex(at);
    expect(root.length).toBe(22);
    expect(root[0]).toBe(0x01);
    const child = childThreadIndex(root, new Date(at.getTime() + 3_600_000));
    expect(child.length).toBe(27);
    expect(threadDepth(child)).toBe(1);
    expect(conversationIdOf(child)).toBe(conversationIdOf(root));
    // Delta code 0, one hour at 2^18 × 100 ns resolution.
    const delta = child.readUInt32BE(22);
    expect(delta >>> 31).toBe(0);
    expect(Math.round(((delta & 0x7fffffff) * 2 ** 18) / 1e7)).toBe(3600);
  });
});
