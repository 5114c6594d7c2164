import {
  classifyDomain,
  classifyRecipient,
  dedupeSkipped,
  needsDirectoryLookup,
  uniqueRecipients,
  type DirectoryAnswer,
  type Domains,
} from '../../../src/core';

// contoso.com: verified and enabled; fabrikam.com: verified, not enabled;
// contoso-legacy.com: enabled in settings, not verified by the tenant.
const domains: Domains = {
  verifiedDomains: ['contoso.com', 'Fabrikam.com', 'contoso.onmicrosoft.com'],
  managedDomains: ['contoso.com', 'contoso-legacy.com'],
};
const user: DirectoryAnswer = { kind: 'user', id: 'u-adele', mail: 'adele@contoso.com', reachable: true };

describe('classifyDomain', () => {
  it('gives the four domain classes of DESIGN step 2', () => {
    expect(classifyDomain('contoso.com', domains)).toBe('managed');
    expect(classifyDomain('CONTOSO.COM', domains)).toBe('managed');
    expect(classifyDomain('fabrikam.com', domains)).toBe('not-managed');
    expect(classifyDomain('contoso-legacy.com', domains)).toBe('domain-not-granted');
    expect(classifyDomain('gmail.com', domains)).toBe('external');
    expect(classifyDomain('', domains)).toBe('external');
  });

  it('does not treat a subdomain or a look-alike as the verified domain', () => {
    expect(classifyDomain('mail.contoso.com', domains)).toBe('external');
    expect(classifyDomain('contоso.com', domains)).toBe('external'); // Cyrillic о
  });

  it('manages every verified domain when the admin has set none', () => {
    const noSettings: Domains = { verifiedDomains: ['contoso.com', 'fabrikam.com'] };
    expect(classifyDomain('fabrikam.com', noSettings)).toBe('managed');
    expect(classifyDomain('gmail.com', noSettings)).toBe('external');
    // An explicitly empty list manages nothing.
    expect(classifyDomain('contoso.com', { verifiedDomains: ['contoso.com'], managedDomains: [] })).toBe('not-managed');
  });
});

describe('classifyRecipient', () => {
  it('a reachable user in a managed domain is managed, by primary mail', () => {
    expect(classifyRecipient('AV@contoso.com', domains, user)).toEqual({ kind: 'managed', mailbox: 'adele@contoso.com', userId: 'u-adele' });
  });

  it('a group is expanded', () => {
    expect(classifyRecipient('all@contoso.com', domains, { kind: 'group', id: 'g-all' })).toEqual({ kind: 'group', groupId: 'g-all' });
  });

  it('skips by domain before asking the directory', () => {
    expect(classifyRecipient('pat@gmail.com', domains, user)).toEqual({ kind: 'skipped', reason: 'external' });
    expect(classifyRecipient('lee@fabrikam.com', domains, user)).toEqual({ kind: 'skipped', reason: 'not-managed' });
    expect(classifyRecipient('old@contoso-legacy.com', domains, user)).toEqual({ kind: 'skipped', reason: 'domain-not-granted' });
    expect(needsDirectoryLookup('pat@gmail.com', domains)).toBe(false);
    expect(needsDirectoryLookup('Adele@Contoso.com', domains)).toBe(true);
  });

  it('no one with the address is no-mailbox; an unreachable mailbox is mailbox-unreachable', () => {
    expect(classifyRecipient('ghost@contoso.com', domains, { kind: 'none' })).toEqual({ kind: 'skipped', reason: 'no-mailbox' });
    expect(classifyRecipient('onprem@contoso.com', domains, { ...user, reachable: false } as DirectoryAnswer)).toEqual({
      kind: 'skipped',
      reason: 'mailbox-unreachable',
    });
  });

  it('anything else is unknown, with the error', () => {
    expect(classifyRecipient('x@contoso.com', domains, { kind: 'error', error: 'Graph answered 500.' })).toEqual({
      kind: 'skipped',
      reason: 'unknown',
      error: 'Graph answered 500.',
    });
    const notAnAddress = classifyRecipient('contoso.com', domains, user);
    expect(notAnAddress).toMatchObject({ kind: 'skipped', reason: 'unknown' });
  });

  it('a look-alike address is external, never someone else', () => {
    expect(classifyRecipient('adele@contоso.com', domains, user)).toEqual({ kind: 'skipped', reason: 'external' });
  });
});

describe('uniqueRecipients and dedupeSkipped', () => {
  it('merges sources once each, ASCII case folded, and never lists the From', () => {
    expect(
      uniqueRecipients(
        [
          ['Megan@contoso.com', 'adele@contoso.com'],
          ['megan@CONTOSO.com', 'pat@gmail.com'],
          ['аdele@contoso.com'], // a look-alike stays a different address
        ],
        'ADELE@contoso.com',
      ),
    ).toEqual(['Megan@contoso.com', 'pat@gmail.com', 'аdele@contoso.com']);
    expect(uniqueRecipients([])).toEqual([]);
  });

  it('keeps one skipped entry per address', () => {
    expect(
      dedupeSkipped([
        { address: 'Pat@gmail.com', reason: 'external' },
        { address: 'pat@gmail.com', reason: 'external' },
        { address: 'lee@fabrikam.com', reason: 'not-managed' },
      ]),
    ).toEqual([
      { address: 'Pat@gmail.com', reason: 'external' },
      { address: 'lee@fabrikam.com', reason: 'not-managed' },
    ]);
  });
});
