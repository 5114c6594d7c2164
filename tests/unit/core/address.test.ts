import { addressesOf, domainOf, localPartOf, normalizeAddress, sameAddress, smtpProxyAddress } from '../../../src/core';

describe('addresses', () => {
  it('folds ASCII case only', () => {
    expect(normalizeAddress('Adele.Vance@Contoso.COM')).toBe('adele.vance@contoso.com');
    expect(sameAddress('ADELE@contoso.com', 'adele@CONTOSO.com')).toBe(true);
  });

  it('keeps look-alike characters different', () => {
    expect(sameAddress('аdele@contoso.com', 'adele@contoso.com')).toBe(false); // Cyrillic а
    expect(sameAddress('\u212Aim@contoso.com', 'kim@contoso.com')).toBe(false); // Kelvin sign folds to k in Unicode
    expect(normalizeAddress('ÄDELE@contoso.com')).toBe('Ädele@contoso.com');
    expect(sameAddress('ＡDELE@contoso.com', 'adele@contoso.com')).toBe(false); // full-width A
  });

  it('reads domain and local part at the last @', () => {
    expect(domainOf('Adele@Contoso.com')).toBe('contoso.com');
    expect(domainOf('"a@b"@Fabrikam.com')).toBe('fabrikam.com');
    expect(localPartOf('"a@b"@fabrikam.com')).toBe('"a@b"');
    expect(domainOf('no-at-sign')).toBe('');
    expect(localPartOf('no-at-sign')).toBe('');
  });

  it('reads smtp proxy addresses, primary and secondary, and ignores other kinds', () => {
    expect(smtpProxyAddress('SMTP:adele@contoso.com')).toBe('adele@contoso.com');
    expect(smtpProxyAddress('smtp:av@contoso.com')).toBe('av@contoso.com');
    expect(smtpProxyAddress('x500:/o=ExchangeLabs/ou=x')).toBeUndefined();
    expect(smtpProxyAddress('SIP:adele@contoso.com')).toBeUndefined();
  });

  it('lists every address a directory entry answers to', () => {
    expect([
      ...addressesOf({
        mail: 'Adele@contoso.com',
        proxyAddresses: ['SMTP:Adele@contoso.com', 'smtp:AV@Contoso-Legacy.com', 'x500:/o=x'],
      }),
    ]).toEqual(['adele@contoso.com', 'av@contoso-legacy.com']);
    expect(addressesOf({ mail: null, proxyAddresses: null }).size).toBe(0);
  });
});
