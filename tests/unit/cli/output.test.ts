/** What a person reads: tables, the progress line, and values from mail made harmless. */
import { formatJob, formatLookup } from '../../../src/cli/output';
import { progressLine } from '../../../src/cli/progress';
import { displayWidth, fields, printable, table } from '../../../src/cli/table';
import { sampleJob, sampleLookup } from './fakes';

describe('table', () => {
  it('pads columns to the widest cell, with no trailing spaces', () => {
    expect(table(['A', 'LONGER'], [['x', 1], ['wide value', null]])).toBe(
      'A           LONGER\nx           1\nwide value  -\n',
    );
  });

  it('counts wide characters as two columns', () => {
    expect(displayWidth('日本')).toBe(4);
    const out = table(['NAME', 'N'], [['日本', 1], ['ab', 2]]);
    expect(out.split('\n')[1]).toBe('日本  1');
    expect(out.split('\n')[2]).toBe('ab    2');
  });

  it('shows control and bidi characters escaped, so a subject cannot rewrite the terminal', () => {
    expect(printable('Invoice\u001b[2J\u202eexe.pdf\r')).toBe('Invoice\\u001b[2J\\u202eexe.pdf\\u000d');
    expect(fields([['Subject', 'a\nb']])).toBe('Subject: a\\u000ab\n');
  });
});

describe('progressLine', () => {
  it('fills the bar with finished targets and shows the counts', () => {
    expect(progressLine({ targets: 4, done: 1, alreadyGone: 0, failed: 1 }, 'running', 8)).toBe(
      '[####----] 2/4  done 1  already gone 0  failed 1  running',
    );
    expect(progressLine({ targets: 0, done: 0, alreadyGone: 0, failed: 0 }, 'completed', 4)).toBe(
      '[####] 0/0  done 0  already gone 0  failed 0  completed',
    );
  });
});

describe('human documents', () => {
  it('a lookup with no targets says so without an empty table', () => {
    const out = formatLookup(sampleLookup({ targets: [], ambiguous: [], skipped: [] }));
    expect(out).toContain('0 targets in 0 mailboxes.');
    expect(out).not.toContain('MAILBOX');
  });

  it('a job shows its counts and each failed target\'s error', () => {
    const out = formatJob(sampleJob('partial'));
    expect(out).toContain('Job job-1: partial (soft-delete, lookup lk-1).\n3 targets: 1 done, 1 already gone, 1 failed.');
    expect(out).toMatch(/megan@contoso\.com\s+failed\s+MailboxNotEnabledForRESTAPI\s+AAMk-megan-fwd/);
  });
});
