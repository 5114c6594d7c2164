import fc from 'fast-check';
import { odataEq, odataString, parseOdataString } from '../../../src/core';

describe('odataString', () => {
  it('wraps in single quotes and doubles every quote inside', () => {
    expect(odataString('abc')).toBe("'abc'");
    expect(odataString("<o'brien@contoso.com>")).toBe("'<o''brien@contoso.com>'");
    expect(odataString("''")).toBe("''''''");
    expect(odataString('')).toBe("''");
  });

  it('keeps an injection attempt inside its literal', () => {
    const hostile = "<x@y>' or internetMessageId ne '";
    const filter = odataEq('internetMessageId', hostile);
    expect(filter).toBe("internetMessageId eq '<x@y>'' or internetMessageId ne '''");
    expect(parseOdataString(filter.slice('internetMessageId eq '.length))).toBe(hostile);
  });

  it('tells apart two ids that differ only after a quote', () => {
    expect(odataString("<a'b@x>")).not.toBe(odataString("<a'c@x>"));
  });

  it('property: no input escapes its literal — it parses back to the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (value) => {
        const literal = odataString(value);
        expect(parseOdataString(literal)).toBe(value);
        // The literal holds exactly the quotes of the value, doubled, plus its two ends.
        const quotes = (s: string) => s.split("'").length - 1;
        expect(quotes(literal)).toBe(2 * quotes(value) + 2);
        // No quote inside the literal stands alone.
        expect(literal.slice(1, -1).replaceAll("''", '')).not.toContain("'");
      }),
    );
  });

  it('reading back refuses a literal whose quote was not doubled', () => {
    expect(parseOdataString("'a'b'")).toBeUndefined();
    expect(parseOdataString("'a''b'")).toBe("a'b");
    expect(parseOdataString('abc')).toBeUndefined();
  });
});

describe('odataEq', () => {
  it('builds property eq literal', () => {
    expect(odataEq('from/emailAddress/address', 'a@b.com')).toBe("from/emailAddress/address eq 'a@b.com'");
  });

  it('refuses a property that is not a plain path', () => {
    expect(() => odataEq("x eq 'y' or a", 'v')).toThrow(/not an OData property path/);
    expect(() => odataEq('', 'v')).toThrow();
  });
});
