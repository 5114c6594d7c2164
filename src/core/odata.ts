/**
 * OData string literals. This is the ONE place a literal is built from a value: a single quote
 * inside an OData string literal is written as two (OData ABNF `SQUOTE-in-string`), so no value
 * can end the literal early and add its own clause. URL-encoding the finished `$filter` is the
 * HTTP client's job, not this one's.
 */
export function odataString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

// A property path such as `internetMessageId` or `from/emailAddress/address`; never user input.
const PROPERTY_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\/[A-Za-z_][A-Za-z0-9_]*)*$/;

/** `property eq 'value'`, with the value always through {@link odataString}. */
export function odataEq(property: string, value: string): string {
  if (!PROPERTY_PATH.test(property)) {
    throw new Error(`"${property}" is not an OData property path.`);
  }
  return `${property} eq ${odataString(value)}`;
}

/**
 * Reads a literal made by {@link odataString} back into its value, or undefined when the text is
 * not exactly one well-formed literal (an undoubled quote inside, or missing quotes).
 */
export function parseOdataString(literal: string): string | undefined {
  if (literal.length < 2 || !literal.startsWith("'") || !literal.endsWith("'")) return undefined;
  const inner = literal.slice(1, -1);
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i];
    if (ch === "'") {
      if (inner[i + 1] !== "'") return undefined;
      out += "'";
      i++;
    } else {
      out += ch;
    }
  }
  return out;
}
