/**
 * Email addresses are compared the way Exchange compares them: case-insensitively, but in
 * ASCII only. A look-alike character (Cyrillic `а`, the Kelvin sign, a full-width letter) is a
 * different address, so `toLowerCase()` — which folds those too — is never used here.
 */
export function normalizeAddress(address: string): string {
  return address.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/** The domain of an address (after its last `@`), normalised; '' when it holds no `@`. */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : normalizeAddress(address.slice(at + 1));
}

/** The local part (before the last `@`), as written; '' when it holds no `@`. */
export function localPartOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(0, at);
}

export function sameAddress(a: string, b: string): boolean {
  return normalizeAddress(a) === normalizeAddress(b);
}

/** A domain name normalised for comparison (ASCII case, no trailing root dot). */
export function normalizeDomain(domain: string): string {
  return normalizeAddress(domain).replace(/\.$/, '');
}

/**
 * The SMTP address in a directory `proxyAddresses` entry (`SMTP:` primary, `smtp:` secondary),
 * or undefined for other kinds (`x500:`, `sip:`, `eum:` …).
 */
export function smtpProxyAddress(proxyAddress: string): string | undefined {
  return /^smtp:/i.test(proxyAddress) ? proxyAddress.slice(5) : undefined;
}

/** Every address a directory object answers to (`mail` and each `smtp:` proxy), normalised. */
export function addressesOf(entry: { mail?: string | null; proxyAddresses?: readonly string[] | null }): Set<string> {
  const out = new Set<string>();
  if (entry.mail) out.add(normalizeAddress(entry.mail));
  for (const p of entry.proxyAddresses ?? []) {
    const smtp = smtpProxyAddress(p);
    if (smtp) out.add(normalizeAddress(smtp));
  }
  return out;
}
