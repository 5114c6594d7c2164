import fc from 'fast-check';
import { internetMessageIdSchema, isInternetMessageId, validateInternetMessageId } from '../../../src/core';

describe('validateInternetMessageId (CONTRACTS §6)', () => {
  it('accepts ordinary and hostile-looking ids exactly as given', () => {
    for (const id of [
      '<CAF=xyz+abc@mail.gmail.com>',
      `<o'brien@contoso.com>`,
      '<"quoted_local"@example.com>',
      '<a=b;c,d(e)f[g]h\\i@[127.0.0.1]>',
      '<@>',
      '<üñîçødé@例え.jp>',
    ]) {
      expect(validateInternetMessageId(id)).toEqual({ ok: true, value: id });
    }
  });

  it('refuses each malformed kind with a sentence that says what to do', () => {
    const cases: Array<[unknown, RegExp]> = [
      [undefined, /must be text/],
      [42, /must be text/],
      ['', /is empty/],
      ['abc@contoso.com', /start with < and end with >/],
      ['<abc@contoso.com', /start with < and end with >/],
      ['abc@contoso.com>', /start with < and end with >/],
      ['<abc.contoso.com>', /contain an @/],
      ['<abc @contoso.com>', /space, line break or control/],
      ['<abc@contoso.com>\r\n', /space, line break or control/],
      ['<abc\u0000@contoso.com>', /space, line break or control/],
      ['<abc\u00a0@contoso.com>', /space, line break or control/],
      ['<abc\u2028@contoso.com>', /space, line break or control/],
      [`<${'a'.repeat(996)}@>`, /longer than 998/],
    ];
    for (const [value, reason] of cases) {
      const r = validateInternetMessageId(value);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.reason).toMatch(reason);
        expect(r.reason).toMatch(/\.$/);
      }
    }
  });

  it('accepts exactly 998 characters and no more', () => {
    const id998 = `<${'a'.repeat(995)}@>`;
    expect(id998.length).toBe(998);
    expect(validateInternetMessageId(id998).ok).toBe(true);
    expect(validateInternetMessageId(`<a${id998.slice(1)}`).ok).toBe(false);
  });

  it('never adds brackets or trims', () => {
    expect(validateInternetMessageId(' <a@b> ').ok).toBe(false);
    expect(validateInternetMessageId('a@b').ok).toBe(false);
  });

  const printable = fc
    .string({ unit: 'binary', maxLength: 60 })
    .filter((s) => !/[\p{Cc}\p{White_Space}]/u.test(s));

  it('property: every printable <…@…> up to 998 characters is accepted unchanged', () => {
    fc.assert(
      fc.property(printable, printable, (local, domain) => {
        const id = `<${local}@${domain}>`;
        const r = validateInternetMessageId(id);
        expect(r).toEqual({ ok: true, value: id });
        expect(internetMessageIdSchema.parse(id)).toBe(id);
      }),
    );
  });

  it('property: any whitespace or control character anywhere is refused', () => {
    const bad = fc.constantFrom(' ', '\t', '\n', '\r', '\u0000', '\u007f', '\u0085', '\u00a0', '\u2003', '\u3000', '\u200a');
    fc.assert(
      fc.property(printable, bad, printable, (a, b, c) => {
        expect(isInternetMessageId(`<${a}${b}@${c}>`)).toBe(false);
      }),
    );
  });

  it('property: anything without the brackets or the @ is refused', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        const ok = isInternetMessageId(s);
        if (ok) {
          expect(s.startsWith('<') && s.endsWith('>') && s.includes('@')).toBe(true);
        }
        expect(isInternetMessageId(s.replaceAll('@', ''))).toBe(false);
      }),
    );
  });
});
