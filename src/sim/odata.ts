/**
 * The OData v4 `$filter` subset Graph accepts on the calls the simulator serves:
 * comparisons (eq, ne, gt, ge, lt, le) of a property with a literal, combined with `and`/`or`
 * and parentheses, and `coll/any(v:v eq 'x')` on a string collection (proxyAddresses).
 * Literals: strings in single quotes with a quote doubled inside (`'let''s'`), numbers,
 * true/false/null, and unquoted ISO date-times. Anything else is an ODataError (a 400): a
 * malformed literal is never read as a shorter or wider clause.
 */

export class ODataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ODataError';
  }
}

export type Literal = { type: 'string'; value: string } | { type: 'number'; value: number } | { type: 'boolean'; value: boolean } | { type: 'null' } | { type: 'datetime'; value: string; time: number };

export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export type FilterExpr =
  | { kind: 'and' | 'or'; left: FilterExpr; right: FilterExpr }
  | { kind: 'cmp'; op: CompareOp; property: string; value: Literal }
  | { kind: 'any'; property: string; variable: string; body: FilterExpr };

type Token =
  | { t: 'ident'; v: string; pos: number }
  | { t: 'lit'; v: Literal; pos: number }
  | { t: '(' | ')' | ':' | ','; pos: number };

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})/;

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ':' || c === ',') {
      out.push({ t: c, pos: i });
      i++;
      continue;
    }
    if (c === "'") {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new ODataError(`Syntax error: the string literal at position ${start} is not terminated.`);
        const ch = src[i]!;
        if (ch === "'") {
          if (src[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += ch;
        i++;
      }
      // A literal must be followed by a separator: `'a'b'` is an unescaped quote, not 'a' then b.
      const next = src[i];
      if (next !== undefined && !/[\s),]/.test(next)) throw new ODataError(`Syntax error: character '${next}' is not valid at position ${i} after a string literal.`);
      out.push({ t: 'lit', v: { type: 'string', value }, pos: start });
      continue;
    }
    // A Guid literal is written bare (`resourceId eq 8fce32da-1246-437b-99cd-76d1d4677bd5`).
    const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?![\w-])/i.exec(src.slice(i));
    if (guid) {
      out.push({ t: 'lit', v: { type: 'string', value: guid[0] }, pos: i });
      i += guid[0].length;
      continue;
    }
    const dt = DATETIME.exec(src.slice(i));
    if (dt) {
      const time = Date.parse(dt[0]);
      if (Number.isNaN(time)) throw new ODataError(`Syntax error: '${dt[0]}' is not a valid date-time.`);
      out.push({ t: 'lit', v: { type: 'datetime', value: dt[0], time }, pos: i });
      i += dt[0].length;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(src.slice(i));
    if (num) {
      out.push({ t: 'lit', v: { type: 'number', value: Number(num[0]) }, pos: i });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][\w]*(\/[A-Za-z_][\w]*)*/.exec(src.slice(i));
    if (id) {
      const word = id[0];
      if (word === 'true' || word === 'false') out.push({ t: 'lit', v: { type: 'boolean', value: word === 'true' }, pos: i });
      else if (word === 'null') out.push({ t: 'lit', v: { type: 'null' }, pos: i });
      else out.push({ t: 'ident', v: word, pos: i });
      i += word.length;
      continue;
    }
    throw new ODataError(`Syntax error: character '${c}' is not valid at position ${i} in '${src}'.`);
  }
  return out;
}

const OPS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);

class Parser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly src: string,
  ) {}

  parse(): FilterExpr {
    if (this.tokens.length === 0) throw new ODataError('The $filter expression is empty.');
    const e = this.or(undefined);
    if (this.i < this.tokens.length) this.fail(this.tokens[this.i]!);
    return e;
  }

  private fail(tok?: Token): never {
    if (!tok) throw new ODataError(`Syntax error: the $filter expression '${this.src}' ends too early.`);
    throw new ODataError(`Syntax error at position ${tok.pos} in '${this.src}'.`);
  }

  private peekWord(): string | undefined {
    const t = this.tokens[this.i];
    return t && t.t === 'ident' ? t.v : undefined;
  }

  private or(variable: string | undefined): FilterExpr {
    let left = this.and(variable);
    while (this.peekWord() === 'or') {
      this.i++;
      left = { kind: 'or', left, right: this.and(variable) };
    }
    return left;
  }

  private and(variable: string | undefined): FilterExpr {
    let left = this.primary(variable);
    while (this.peekWord() === 'and') {
      this.i++;
      left = { kind: 'and', left, right: this.primary(variable) };
    }
    return left;
  }

  private primary(variable: string | undefined): FilterExpr {
    const tok = this.tokens[this.i];
    if (!tok) this.fail();
    if (tok.t === '(') {
      this.i++;
      const e = this.or(variable);
      const close = this.tokens[this.i];
      if (!close || close.t !== ')') this.fail(close);
      this.i++;
      return e;
    }
    if (tok.t !== 'ident') this.fail(tok);
    this.i++;
    const anyMatch = /^(.+)\/any$/i.exec(tok.v);
    if (anyMatch && this.tokens[this.i]?.t === '(') {
      if (variable !== undefined) this.fail(tok);
      this.i++;
      const v = this.tokens[this.i];
      if (!v || v.t !== 'ident' || v.v.includes('/')) this.fail(v);
      this.i++;
      const colon = this.tokens[this.i];
      if (!colon || colon.t !== ':') this.fail(colon);
      this.i++;
      const body = this.or(v.v);
      const close = this.tokens[this.i];
      if (!close || close.t !== ')') this.fail(close);
      this.i++;
      return { kind: 'any', property: anyMatch[1]!, variable: v.v, body };
    }
    const opTok = this.tokens[this.i];
    if (!opTok || opTok.t !== 'ident' || !OPS.has(opTok.v)) this.fail(opTok);
    this.i++;
    const lit = this.tokens[this.i];
    if (!lit || lit.t !== 'lit') this.fail(lit);
    this.i++;
    let property = tok.v;
    if (variable !== undefined) {
      if (property !== variable) throw new ODataError(`The lambda variable '${variable}' must be used inside any(), not '${property}'.`);
      property = '$it';
    }
    return { kind: 'cmp', op: opTok.v as CompareOp, property, value: lit.v };
  }
}

export function parseFilter(src: string): FilterExpr {
  if (src.length > 4096) throw new ODataError('The $filter expression is too long.');
  return new Parser(tokenize(src), src).parse();
}

/** The properties of a filter's leading `and` chain, in order (for the InefficientFilter rule). */
export function leadingProperties(e: FilterExpr): string[] {
  if (e.kind === 'and') return [...leadingProperties(e.left), ...leadingProperties(e.right)];
  if (e.kind === 'cmp') return [e.property];
  if (e.kind === 'any') return [e.property];
  return [...new Set([...leadingProperties(e.left), ...leadingProperties(e.right)])];
}

/** Every property a filter names (to check they are all filterable). */
export function filterProperties(e: FilterExpr): string[] {
  if ('left' in e) return [...filterProperties(e.left), ...filterProperties(e.right)];
  return [e.property];
}

export type FilterValue = string | number | boolean | null | Date | undefined;

/** ASCII case-insensitive, as Exchange and Entra compare strings in $filter. */
function foldAscii(s: string): string {
  return s.replace(/[A-Z]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) + 32));
}

function compare(op: CompareOp, actual: FilterValue, lit: Literal): boolean {
  if (lit.type === 'null') return op === 'eq' ? actual == null : op === 'ne' ? actual != null : false;
  if (actual == null) return op === 'ne';
  let a: number | string;
  let b: number | string;
  if (actual instanceof Date) {
    if (lit.type !== 'datetime') throw new ODataError(`A date-time property cannot be compared with a ${lit.type} literal.`);
    a = actual.getTime();
    b = lit.time;
  } else if (typeof actual === 'string') {
    if (lit.type !== 'string') throw new ODataError(`A string property cannot be compared with a ${lit.type} literal.`);
    a = foldAscii(actual);
    b = foldAscii(lit.value);
  } else if (typeof actual === 'number') {
    if (lit.type !== 'number') throw new ODataError(`A number property cannot be compared with a ${lit.type} literal.`);
    a = actual;
    b = lit.value;
  } else {
    if (lit.type !== 'boolean') throw new ODataError(`A boolean property cannot be compared with a ${lit.type} literal.`);
    a = actual ? 1 : 0;
    b = lit.value ? 1 : 0;
  }
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
  }
}

/**
 * Evaluates a parsed filter on one entity. `get` returns a property's value, or for a
 * collection (used with any) an array of strings.
 */
export function evaluate(e: FilterExpr, get: (property: string) => FilterValue | readonly string[]): boolean {
  switch (e.kind) {
    case 'and':
      return evaluate(e.left, get) && evaluate(e.right, get);
    case 'or':
      return evaluate(e.left, get) || evaluate(e.right, get);
    case 'any': {
      const coll = get(e.property);
      if (!Array.isArray(coll)) throw new ODataError(`'${e.property}' is not a collection, so any() cannot be used on it.`);
      return coll.some((item: string) => evaluate(e.body, (p) => (p === '$it' ? item : undefined)));
    }
    case 'cmp': {
      const v = get(e.property);
      if (Array.isArray(v)) throw new ODataError(`'${e.property}' is a collection: use ${e.property}/any(...).`);
      return compare(e.op, v as FilterValue, e.value);
    }
  }
}

/** `$orderby=a desc,b` → [{ property, desc }]. */
export function parseOrderBy(src: string): { property: string; desc: boolean }[] {
  return src.split(',').map((part) => {
    const m = /^\s*([A-Za-z_][\w/]*)(?:\s+(asc|desc))?\s*$/i.exec(part);
    if (!m) throw new ODataError(`Invalid $orderby clause '${part}'.`);
    return { property: m[1]!, desc: (m[2] ?? '').toLowerCase() === 'desc' };
  });
}

/** `$select=a,b` → ['a','b'] (names kept as given; Graph matches them case-insensitively). */
export function parseSelect(src: string): string[] {
  const parts = src.split(',').map((s) => s.trim());
  for (const p of parts) if (!/^[A-Za-z_@][\w.@]*$/.test(p)) throw new ODataError(`Invalid $select item '${p}'.`);
  return parts;
}
