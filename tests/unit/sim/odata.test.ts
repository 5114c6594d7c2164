import fc from 'fast-check';
import { evaluate, leadingProperties, ODataError, parseFilter, parseOrderBy, type FilterValue } from '../../../src/sim/odata';

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

function matches(filter: string, entity: Record<string, FilterValue | string[]>): boolean {
  return evaluate(parseFilter(filter), (p) => entity[p]);
}

describe('OData $filter parser', () => {
  it('parses comparisons joined by and/or with parentheses, and/or precedence as OData', () => {
    const e = { a: 'x', b: 'y', c: 'z' };
    expect(matches("a eq 'x' and b eq 'y'", e)).toBe(true);
    expect(matches("a eq 'x' and b eq 'n'", e)).toBe(false);
    expect(matches("a eq 'n' or b eq 'y' and c eq 'z'", e)).toBe(true);
    expect(matches("(a eq 'n' or b eq 'y') and c eq 'n'", e)).toBe(false);
    expect(matches("a ne 'x'", e)).toBe(false);
  });

  it('reads a doubled quote as one quote', () => {
    expect(matches(`id eq ${lit("<it's@x>")}`, { id: "<it's@x>" })).toBe(true);
    expect(matches(`id eq ${lit("''")}`, { id: "''" })).toBe(true);
    expect(matches(`id eq ${lit("''")}`, { id: "'" })).toBe(false);
  });

  it('refuses unescaped quotes, unterminated literals and stray tokens instead of matching more', () => {
    for (const bad of ["id eq '<it's@x>'", "id eq '<never", "id eq 'a' 'b'", "id eq 'a' or", "id eq", "id 'a'", "id eq 'a')", "(id eq 'a'", "id eq 'a'; drop", "id like 'a'", ''])
      expect(() => parseFilter(bad)).toThrow(ODataError);
  });

  it('round-trips any string through a literal: it matches itself and nothing else', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (value, other) => {
        const f = `id eq ${lit(value)}`;
        expect(matches(f, { id: value })).toBe(true);
        if (other.toLowerCase() !== value.toLowerCase()) expect(matches(f, { id: other })).toBe(false);
      }),
    );
  });

  it('compares date-times, numbers and booleans by type', () => {
    const e = { d: new Date('2026-01-02T00:00:00Z'), n: 5, b: true };
    expect(matches('d ge 2026-01-01T00:00:00Z and d lt 2026-01-03T00:00:00Z', e)).toBe(true);
    expect(matches('d gt 2026-01-02T00:00:00Z', e)).toBe(false);
    expect(matches('n le 5 and b eq true', e)).toBe(true);
    expect(() => matches("d ge 'yesterday'", e)).toThrow(ODataError);
    expect(() => parseFilter('d ge 2026-13-45T99:99:00Z')).toThrow(ODataError);
  });

  it('compares strings ASCII case-insensitively only (no Unicode folding)', () => {
    expect(matches("m eq 'ADELE@contoso.com'", { m: 'adele@contoso.com' })).toBe(true);
    // Kelvin sign K (U+212A) folds to k in Unicode, not in Exchange's ASCII comparison.
    expect(matches("m eq '\u212Aim@contoso.com'", { m: 'kim@contoso.com' })).toBe(false);
  });

  it('evaluates any() over a collection with its lambda variable', () => {
    const u = { proxyAddresses: ['SMTP:a@contoso.com', 'smtp:b@contoso.com'] };
    expect(matches("proxyAddresses/any(p:p eq 'smtp:b@contoso.com')", u)).toBe(true);
    expect(matches("proxyAddresses/any(x: x eq 'smtp:c@contoso.com')", u)).toBe(false);
    expect(() => parseFilter("proxyAddresses/any(p:q eq 'x')")).toThrow(ODataError);
    expect(() => matches("proxyAddresses eq 'x'", u)).toThrow(ODataError);
  });

  it('gives the leading properties of an and chain for the InefficientFilter rule', () => {
    expect(leadingProperties(parseFilter("receivedDateTime ge 2026-01-01T00:00:00Z and internetMessageId eq 'x'"))).toEqual(['receivedDateTime', 'internetMessageId']);
    expect(parseOrderBy('receivedDateTime desc, subject')).toEqual([
      { property: 'receivedDateTime', desc: true },
      { property: 'subject', desc: false },
    ]);
    expect(() => parseOrderBy('receivedDateTime sideways')).toThrow(ODataError);
  });
});
