import {
  parseAction,
  parseDepth,
  parseDomains,
  parseInternetMessageId,
  parseJobId,
  parseMessageIds,
  parseSection,
  parseTime,
} from '../../../src/cli/args';
import { CliError } from '../../../src/cli/exitCodes';

function usageError(fn: () => unknown): CliError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(2);
    return err as CliError;
  }
  throw new Error('expected a usage error');
}

describe('internetMessageId', () => {
  it('accepts Message-IDs as attackers write them, unchanged', () => {
    for (const id of ['<abc@contoso.com>', '<"odd=id"@evil.example>', "<it's@x.y>", '<a.b+c=d@[127.0.0.1]>']) {
      expect(parseInternetMessageId(id)).toBe(id);
    }
  });

  it('refuses ids without brackets, without @ or with spaces, saying what is wrong', () => {
    expect(usageError(() => parseInternetMessageId('abc@contoso.com')).message).toMatch(/start with < and end with >/);
    expect(usageError(() => parseInternetMessageId('<abc>')).message).toMatch(/@/);
    expect(usageError(() => parseInternetMessageId('<a b@c>')).message).toMatch(/space/);
    expect(usageError(() => parseInternetMessageId(`<${'x'.repeat(1000)}@c>`)).message).toMatch(/998/);
  });

  it('quotes what was typed, escaped and cut short', () => {
    const message = usageError(() => parseInternetMessageId(`bad\u001b[31m${'y'.repeat(200)}`)).message;
    expect(message).not.toContain('\u001b');
    expect(message).toContain('\\u001b');
    expect(message.length).toBeLessThan(400);
  });
});

describe('depth', () => {
  it('takes whole numbers 0 to 5', () => {
    expect(parseDepth(undefined)).toBeUndefined();
    expect([0, 1, 2, 3, 4, 5].map((n) => parseDepth(String(n)))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it.each(['6', '-1', '1.5', 'two', '', '0x2', '1e1'])('refuses %p', (value) => {
    expect(usageError(() => parseDepth(value)).message).toMatch(/depth must be a whole number from 0 to 5/);
  });
});

describe('action', () => {
  it('takes the four actions of a run', () => {
    for (const a of ['soft-delete', 'hard-delete', 'move-to-deleted-items', 'move-to-junk']) expect(parseAction(a)).toBe(a);
  });

  it('refuses undo (its own command), unknown actions and a missing --action', () => {
    expect(usageError(() => parseAction('undo')).message).toMatch(/soft-delete, hard-delete, move-to-deleted-items, move-to-junk/);
    usageError(() => parseAction('delete'));
    expect(usageError(() => parseAction(undefined)).message).toMatch(/needs --action/);
  });
});

describe('lists, times, sections, domains, job ids', () => {
  it('splits messageIds on commas, drops blanks and repeats', () => {
    expect(parseMessageIds('--exclude', undefined)).toEqual([]);
    expect(parseMessageIds('--exclude', 'AAMk-1, AAMk-2,,AAMk-1')).toEqual(['AAMk-1', 'AAMk-2']);
    usageError(() => parseMessageIds('--exclude', ' , '));
    expect(usageError(() => parseMessageIds('--include', 'AAMk-1,bad\tid')).message).toMatch(/--include/);
  });

  it('takes ISO dates and times only', () => {
    expect(parseTime('--since', '2026-11-01')).toBe('2026-11-01');
    expect(parseTime('--since', '2026-11-01T09:00:00Z')).toBe('2026-11-01T09:00:00Z');
    expect(usageError(() => parseTime('--since', 'yesterday')).message).toMatch(/--since "yesterday": Use an ISO 8601/);
  });

  it('takes the four audit sections', () => {
    expect(parseSection('Access')).toBe('Access');
    expect(usageError(() => parseSection('access')).message).toMatch(/Retract, Revoke, Setup, Access/);
  });

  it('takes domain names, lower-cased, and refuses anything else', () => {
    expect(parseDomains('Contoso.com, fabrikam.com,contoso.com')).toEqual(['contoso.com', 'fabrikam.com']);
    expect(usageError(() => parseDomains('contoso')).message).toMatch(/not a domain name/);
    usageError(() => parseDomains('a@b.com'));
    usageError(() => parseDomains(','));
  });

  it('takes job ids as Retract writes them', () => {
    expect(parseJobId('3f2a9c1e-0b6d-4a1e-9f0a-2b7c1d3e4f50')).toBe('3f2a9c1e-0b6d-4a1e-9f0a-2b7c1d3e4f50');
    usageError(() => parseJobId('../setup'));
    usageError(() => parseJobId('a b'));
  });
});
