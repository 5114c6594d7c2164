import {
  chunk,
  countOutcomes,
  dedupeTargets,
  destinationFolder,
  isUndoable,
  jobStatusFrom,
  selectTargets,
  type Ambiguous,
  type Outcome,
  type Target,
} from '../../../src/core';

const t = (messageId: string, extra: Partial<Target> = {}): Target => ({
  mailbox: 'adele@contoso.com',
  messageId,
  internetMessageId: '<phish@evil.example>',
  folder: 'inbox',
  depth: 0,
  isRead: false,
  via: null,
  ...extra,
});
const amb: Ambiguous = {
  mailbox: 'megan@contoso.com',
  messageId: 'fwd',
  internetMessageId: '<fwd@contoso.com>',
  why: 'It looks like a forward …',
  depth: 1,
  via: '<phish@evil.example>',
};
const lookup = { targets: [t('a'), t('b'), t('c', { mailbox: 'megan@contoso.com' })], ambiguous: [amb] };

describe('actions', () => {
  it('each action has its destination folder', () => {
    expect(destinationFolder('soft-delete')).toBe('recoverableitemsdeletions');
    expect(destinationFolder('hard-delete')).toBe('recoverableitemspurges');
    expect(destinationFolder('move-to-deleted-items')).toBe('deleteditems');
    expect(destinationFolder('move-to-junk')).toBe('junkemail');
  });

  it('soft deletes and moves can be undone; hard deletes and undos cannot', () => {
    expect(isUndoable('soft-delete')).toBe(true);
    expect(isUndoable('move-to-deleted-items')).toBe(true);
    expect(isUndoable('move-to-junk')).toBe(true);
    expect(isUndoable('hard-delete')).toBe(false);
    expect(isUndoable('undo')).toBe(false);
  });
});

describe('counts and status', () => {
  const results = (...outcomes: Outcome[]) => outcomes.map((outcome) => ({ outcome }));

  it('counts every outcome', () => {
    expect(countOutcomes(results('done', 'done', 'already-gone', 'failed', 'pending'))).toEqual({
      targets: 5,
      done: 2,
      alreadyGone: 1,
      failed: 1,
      pending: 1,
    });
    expect(countOutcomes([])).toEqual({ targets: 0, done: 0, alreadyGone: 0, failed: 0, pending: 0 });
  });

  it('derives the status from the outcomes', () => {
    const status = (outcomes: Outcome[], cancelled = false, started?: boolean) =>
      jobStatusFrom(countOutcomes(results(...outcomes)), { cancelled, started });
    expect(status(['done', 'already-gone'])).toBe('completed');
    expect(status(['done', 'failed'])).toBe('partial');
    expect(status(['already-gone', 'failed'])).toBe('partial');
    expect(status(['failed', 'failed'])).toBe('failed');
    expect(status(['done', 'pending'])).toBe('running');
    expect(status(['pending', 'pending'], false, false)).toBe('queued');
    expect(status(['pending', 'pending'])).toBe('running');
    expect(status(['done', 'pending'], true)).toBe('cancelled');
    expect(status(['done', 'done'], true)).toBe('completed');
    expect(status([])).toBe('completed');
  });

  it('works from the §5 counts, which carry no pending', () => {
    expect(jobStatusFrom({ targets: 12, done: 11, alreadyGone: 1, failed: 0 }, { cancelled: false })).toBe('completed');
    expect(jobStatusFrom({ targets: 12, done: 5, alreadyGone: 0, failed: 0 }, { cancelled: false })).toBe('running');
    expect(jobStatusFrom({ targets: 12, done: 5, alreadyGone: 0, failed: 0 }, { cancelled: true })).toBe('cancelled');
  });
});

describe('selectTargets', () => {
  it('takes exactly the lookup targets when nothing is chosen', () => {
    expect(selectTargets(lookup, {})).toEqual({ ok: true, targets: lookup.targets });
  });

  it('drops excluded targets and adds included ambiguous forwards as targets', () => {
    const r = selectTargets(lookup, { exclude: ['b'], include: ['fwd'] });
    expect(r.ok && r.targets.map((x) => x.messageId)).toEqual(['a', 'c', 'fwd']);
    expect(r.ok && r.targets[2]).toEqual({
      mailbox: 'megan@contoso.com',
      messageId: 'fwd',
      internetMessageId: '<fwd@contoso.com>',
      folder: 'sentitems',
      depth: 1,
      isRead: true,
      via: '<phish@evil.example>',
    });
  });

  it('refuses to include anything but the lookup ambiguous forwards', () => {
    for (const include of [['zzz'], ['a']]) {
      const r = selectTargets(lookup, { include });
      expect(r).toMatchObject({ ok: false, field: 'include' });
      if (!r.ok) expect(r.reason).toMatch(/not one of this lookup's ambiguous forwards/);
    }
  });

  it('refuses to exclude a message the lookup does not hold', () => {
    const r = selectTargets(lookup, { exclude: ['zzz'] });
    expect(r).toMatchObject({ ok: false, field: 'exclude' });
  });

  it('an ambiguous forward both included and excluded stays out', () => {
    const r = selectTargets(lookup, { exclude: ['fwd'], include: ['fwd'] });
    expect(r.ok && r.targets.map((x) => x.messageId)).toEqual(['a', 'b', 'c']);
  });
});

describe('dedupeTargets and chunk', () => {
  it('keeps one target per mailbox and item, at its lowest depth, in first-seen order', () => {
    const deduped = dedupeTargets([
      t('x', { depth: 2, via: '<p@q>' }),
      t('y'),
      t('x', { depth: 1, via: '<r@s>', mailbox: 'ADELE@contoso.com' }),
      t('x', { mailbox: 'megan@contoso.com' }),
    ]);
    expect(deduped.map((d) => [d.messageId, d.mailbox, d.depth])).toEqual([
      ['x', 'ADELE@contoso.com', 1],
      ['y', 'adele@contoso.com', 0],
      ['x', 'megan@contoso.com', 0],
    ]);
  });

  it('is linear: 100,000 targets in well under a second', () => {
    const many = Array.from({ length: 100000 }, (_, i) => t(`m${i % 50000}`));
    const start = performance.now();
    expect(dedupeTargets(many)).toHaveLength(50000);
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('chunks for $batch (20 by default)', () => {
    expect(chunk(Array.from({ length: 45 }, (_, i) => i)).map((c) => c.length)).toEqual([20, 20, 5]);
    expect(chunk([], 20)).toEqual([]);
    expect(() => chunk([1], 0)).toThrow();
  });
});
