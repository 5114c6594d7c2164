import { z } from 'zod';
import {
  actionSchema,
  auditPageSchema,
  auditQuerySchema,
  auditVerifySchema,
  domainsSettingsSchema,
  fieldErrors,
  internetMessageIdSchema,
  jobAcceptedSchema,
  jobListQuerySchema,
  jobListSchema,
  jobRequestSchema,
  jobSchema,
  lookupRequestSchema,
  lookupSchema,
  meSchema,
  omeQuerySchema,
  omeRevokeRequestSchema,
  omeRevokeSchema,
  omeStatusSchema,
  problemSchema,
  setupSchema,
  traceQuerySchema,
  traceSchema,
} from '../../../src/contracts';

// The JSON examples of CONTRACTS.md §5, with their "…" filled in as a real answer would be.
const lookupExample = {
  lookupId: 'f1c3e0a2-6a4b-4c55-9d1e-3b7f0c2a9e11',
  internetMessageId: '<phish-1@evil.example>',
  depth: 1,
  targets: [
    {
      mailbox: 'adele@contoso.com',
      messageId: 'AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AZ8OTDSs',
      internetMessageId: '<phish-1@evil.example>',
      folder: 'inbox',
      depth: 0,
      isRead: false,
      via: null,
    },
  ],
  skipped: [{ address: 'pat@gmail.com', reason: 'external' }],
  ambiguous: [
    {
      mailbox: 'megan@contoso.com',
      messageId: 'AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AZ8OTDSt',
      internetMessageId: '<fwd-1@contoso.com>',
      why: 'It looks like a forward, but another message in that mailbox holds the same thread position.',
    },
  ],
  stats: { mailboxesSearched: 12, graphRequests: 3, ms: 140 },
};

const jobExample = {
  jobId: '0b6f8a0e-3f4c-4d8e-9a55-1c2d3e4f5a6b',
  status: 'completed',
  action: 'soft-delete',
  lookupId: 'f1c3e0a2-6a4b-4c55-9d1e-3b7f0c2a9e11',
  counts: { targets: 12, done: 11, alreadyGone: 1, failed: 0 },
  results: [{ mailbox: 'adele@contoso.com', messageId: 'AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0AZ8OTDSs', outcome: 'done' }],
};

describe('CONTRACTS §5 examples', () => {
  it('accepts the lookup document', () => {
    expect(lookupSchema.parse(lookupExample)).toEqual(lookupExample);
  });

  it('accepts the job document, and each status and outcome the contract names', () => {
    expect(jobSchema.parse(jobExample)).toEqual(jobExample);
    for (const status of ['queued', 'running', 'completed', 'partial', 'failed', 'cancelled']) {
      expect(jobSchema.safeParse({ ...jobExample, status }).success).toBe(true);
    }
    for (const outcome of ['pending', 'done', 'already-gone', 'failed']) {
      const results = [{ ...jobExample.results[0], outcome, ...(outcome === 'failed' ? { error: 'Graph refused it.' } : {}) }];
      expect(jobSchema.safeParse({ ...jobExample, results }).success).toBe(true);
    }
    expect(jobSchema.safeParse({ ...jobExample, action: 'undo' }).success).toBe(true);
  });

  it('refuses a job with an unknown status or outcome', () => {
    expect(jobSchema.safeParse({ ...jobExample, status: 'done' }).success).toBe(false);
    expect(jobSchema.safeParse({ ...jobExample, results: [{ ...jobExample.results[0], outcome: 'gone' }] }).success).toBe(false);
  });

  it('accepts every skip reason of §5 and nothing else', () => {
    for (const reason of ['external', 'not-managed', 'domain-not-granted', 'no-mailbox', 'mailbox-unreachable', 'unknown']) {
      expect(lookupSchema.safeParse({ ...lookupExample, skipped: [{ address: 'x@y.example', reason }] }).success).toBe(true);
    }
    expect(lookupSchema.safeParse({ ...lookupExample, skipped: [{ address: 'x@y.example', reason: 'blocked' }] }).success).toBe(false);
  });

  it('accepts the job list and a list item without results', () => {
    const { results: _results, ...summary } = jobExample;
    expect(jobListSchema.parse({ jobs: [jobExample, summary] }).jobs).toHaveLength(2);
  });
});

describe('POST /api/lookups body', () => {
  it('accepts an id alone and fills depth 1 and includeSenderCopy false', () => {
    expect(lookupRequestSchema.parse({ internetMessageId: '<a@b>' })).toEqual({
      internetMessageId: '<a@b>',
      depth: 1,
      includeSenderCopy: false,
    });
  });

  it('accepts depth 0 to 5 and refuses 6, -1 and fractions', () => {
    for (const depth of [0, 1, 2, 3, 4, 5]) {
      expect(lookupRequestSchema.parse({ internetMessageId: '<a@b>', depth }).depth).toBe(depth);
    }
    for (const depth of [6, -1, 1.5, '2', null]) {
      const r = lookupRequestSchema.safeParse({ internetMessageId: '<a@b>', depth });
      expect(r.success).toBe(false);
      if (!r.success) expect(fieldErrors(r.error)[0]).toEqual({ field: 'depth', message: expect.stringContaining('0 to 5') });
    }
  });

  it('refuses malformed internetMessageIds with a sentence naming the field', () => {
    for (const id of ['', 'a@b', '<a@b', 'a@b>', '<ab>', '<a @b>', '<a@b>\n', ' <a@b>', `<${'a'.repeat(997)}@b>`, 42]) {
      const r = lookupRequestSchema.safeParse({ internetMessageId: id });
      expect(r.success).toBe(false);
      if (!r.success) {
        const [first] = fieldErrors(r.error);
        expect(first?.field).toBe('internetMessageId');
        expect(first?.message).toMatch(/internetMessageId/);
      }
    }
  });

  it('keeps quotes and = inside an internetMessageId as they are', () => {
    const id = `<o'brien="x"@contoso.com>`;
    expect(lookupRequestSchema.parse({ internetMessageId: id }).internetMessageId).toBe(id);
  });

  it('accepts 1,000 recipients in any Unicode and refuses 1,001', () => {
    const recipients = Array.from({ length: 1000 }, (_, i) => `usér${i}@contöso.com`);
    expect(lookupRequestSchema.parse({ internetMessageId: '<a@b>', recipients }).recipients).toEqual(recipients);
    const r = lookupRequestSchema.safeParse({ internetMessageId: '<a@b>', recipients: [...recipients, 'one@more.com'] });
    expect(r.success).toBe(false);
  });

  it('counts 320 characters as a person does, whatever the script', () => {
    const emoji = `${'😀'.repeat(300)}@x.example`; // 310 characters, 610 UTF-16 units
    expect(lookupRequestSchema.safeParse({ internetMessageId: '<a@b>', recipients: [emoji] }).success).toBe(true);
    const tooLong = `${'😀'.repeat(311)}@x.example`;
    expect(lookupRequestSchema.safeParse({ internetMessageId: '<a@b>', recipients: [tooLong] }).success).toBe(false);
  });

  it('keeps a look-alike address exactly as given', () => {
    const lookalike = 'аdele@contoso.com'; // Cyrillic а
    expect(lookupRequestSchema.parse({ internetMessageId: '<a@b>', recipients: [lookalike] }).recipients).toEqual([lookalike]);
  });

  it('refuses a recipient without exactly one @ or over 320 characters, naming which', () => {
    for (const bad of ['adele', 'a@b@c', `${'a'.repeat(310)}@contoso.com`]) {
      const r = lookupRequestSchema.safeParse({ internetMessageId: '<a@b>', recipients: ['ok@contoso.com', bad] });
      expect(r.success).toBe(false);
      if (!r.success) expect(fieldErrors(r.error)[0]?.field).toBe('recipients.1');
    }
    expect(lookupRequestSchema.safeParse({ internetMessageId: '<a@b>', sender: 'nobody' }).success).toBe(false);
  });

  it('refuses unknown fields, so a typo cannot pass unnoticed', () => {
    expect(lookupRequestSchema.safeParse({ internetMessageId: '<a@b>', dept: 2 }).success).toBe(false);
  });
});

describe('POST /api/jobs body', () => {
  const base = { lookupId: 'f1c3e0a2-6a4b-4c55-9d1e-3b7f0c2a9e11', action: 'soft-delete' };

  it('accepts the four actions', () => {
    for (const action of ['soft-delete', 'hard-delete', 'move-to-deleted-items', 'move-to-junk']) {
      expect(jobRequestSchema.parse({ ...base, action }).action).toBe(action);
      expect(actionSchema.parse(action)).toBe(action);
    }
  });

  it('refuses an unknown action, and undo (which has its own route)', () => {
    for (const action of ['delete', 'purge', 'undo', '', 'Soft-Delete']) {
      const r = jobRequestSchema.safeParse({ ...base, action });
      expect(r.success).toBe(false);
      if (!r.success) expect(fieldErrors(r.error)[0]?.field).toBe('action');
    }
  });

  it('accepts exclude, include and reason, and refuses a made-up shape of lookupId', () => {
    const body = { ...base, exclude: ['AAk1'], include: ['AAk2'], reason: 'Phish reported by SOC' };
    expect(jobRequestSchema.parse(body)).toEqual(body);
    expect(jobRequestSchema.safeParse({ ...base, lookupId: '../other-tenant/x' }).success).toBe(false);
    expect(jobRequestSchema.safeParse({ ...base, exclude: ['has space'] }).success).toBe(false);
    expect(jobRequestSchema.safeParse({ action: 'soft-delete' }).success).toBe(false);
  });

  it('answers 202 with a jobId', () => {
    expect(jobAcceptedSchema.parse({ jobId: 'j-1' })).toEqual({ jobId: 'j-1' });
  });
});

describe('query strings', () => {
  it('treats an empty parameter as not given and accepts ISO dates and times', () => {
    expect(jobListQuerySchema.parse({ since: '' })).toEqual({});
    expect(jobListQuerySchema.parse({ since: '2026-11-01' }).since).toBe('2026-11-01');
    expect(traceQuerySchema.parse({ sender: 'adele@contoso.com', since: '2026-11-01T09:00:00Z', until: '' })).toEqual({
      sender: 'adele@contoso.com',
      since: '2026-11-01T09:00:00Z',
    });
    expect(traceQuerySchema.safeParse({ since: 'yesterday' }).success).toBe(false);
  });

  it('coerces the audit page size and checks the section', () => {
    expect(auditQuerySchema.parse({ section: 'Retract', limit: '50', cursor: 'abc' })).toEqual({
      section: 'Retract',
      limit: 50,
      cursor: 'abc',
    });
    expect(auditQuerySchema.safeParse({ section: 'Delete' }).success).toBe(false);
    expect(auditQuerySchema.safeParse({ limit: '0' }).success).toBe(false);
    expect(auditQuerySchema.safeParse({ limit: 'many' }).success).toBe(false);
  });

  it('refuses a repeated parameter rather than choosing one', () => {
    expect(traceQuerySchema.safeParse({ sender: ['a@b.com', 'c@d.com'] }).success).toBe(false);
  });

  it('checks the OME internetMessageId like every other', () => {
    expect(omeQuerySchema.parse({ internetMessageId: '<enc-1@contoso.com>' })).toEqual({ internetMessageId: '<enc-1@contoso.com>' });
    expect(omeQuerySchema.safeParse({ internetMessageId: 'enc-1@contoso.com' }).success).toBe(false);
  });
});

describe('other documents of §6', () => {
  it('me, OME status and revoke', () => {
    expect(meSchema.parse({ user: { oid: 'o1', upn: 'adele@contoso.com' }, tenantId: 't', roles: ['Retract.Admin'] }).roles).toEqual([
      'Retract.Admin',
    ]);
    expect(meSchema.safeParse({ user: {}, tenantId: 't', roles: ['Global.Admin'] }).success).toBe(false);
    expect(omeStatusSchema.parse({ subject: 'Salary', isRevocable: true, revoked: false }).isRevocable).toBe(true);
    expect(omeRevokeRequestSchema.safeParse({ internetMessageId: '<x@y>' }).success).toBe(true);
    expect(omeRevokeSchema.safeParse({ revoked: true }).success).toBe(true);
    expect(omeRevokeSchema.safeParse({ revoked: false }).success).toBe(false);
  });

  it('trace rows', () => {
    const row = {
      received: '2026-11-20T10:00:00Z',
      senderAddress: 'attacker@evil.example',
      recipientAddress: 'adele@contoso.com',
      subject: 'RE: Order',
      status: 'Delivered',
      internetMessageId: '<phish-1@evil.example>',
      messageTraceId: '7b0d2c1e-0000-4000-8000-000000000001',
    };
    expect(traceSchema.parse({ rows: [row] }).rows[0]).toEqual(row);
    expect(traceSchema.safeParse({ rows: [{ ...row, messageTraceId: undefined }] }).success).toBe(false);
  });

  it('audit page and verify', () => {
    const record = {
      seq: 0,
      time: '2026-11-20T10:00:00.000Z',
      section: 'Retract',
      event: 'job',
      phase: 'intent',
      actor: { oid: 'o1', upn: 'adele@contoso.com' },
      internetMessageId: '<phish-1@evil.example>',
      options: { action: 'soft-delete', depth: 1 },
      prevHash: '0'.repeat(64),
      hash: 'a'.repeat(64),
    };
    expect(auditPageSchema.parse({ records: [record], nextCursor: null }).records).toHaveLength(1);
    expect(auditPageSchema.safeParse({ records: [{ ...record, section: 'Other' }], nextCursor: null }).success).toBe(false);
    expect(auditVerifySchema.parse({ ok: false, records: 10, head: 'a'.repeat(64), brokenAt: 3 }).brokenAt).toBe(3);
    expect(auditVerifySchema.parse({ ok: true, records: 0, head: null }).ok).toBe(true);
  });

  it('setup and domain settings', () => {
    const setup = {
      consent: true,
      consentUrl: 'https://login.microsoftonline.com/t/adminconsent?client_id=c',
      domains: [
        { domain: 'contoso.com', status: 'granted' },
        { domain: 'fabrikam.com', status: 'not-in-tenant' },
        { domain: 'contoso-legacy.com', status: 'not-verified' },
      ],
      permissions: [{ name: 'Mail.ReadWrite', granted: true }],
    };
    expect(setupSchema.parse(setup)).toEqual(setup);
    expect(setupSchema.safeParse({ ...setup, domains: [{ domain: 'x.com', status: 'pending' }] }).success).toBe(false);
    expect(domainsSettingsSchema.parse({ domains: ['Contoso.COM', 'xn--bcher-kva.example'] })).toEqual({
      domains: ['Contoso.COM', 'xn--bcher-kva.example'],
    });
    expect(domainsSettingsSchema.safeParse({ domains: ['not a domain'] }).success).toBe(false);
    expect(domainsSettingsSchema.safeParse({ domains: ['contoso'] }).success).toBe(false);
  });

  it('problem+json names the fields of a bad request', () => {
    const r = lookupRequestSchema.safeParse({ internetMessageId: 'x', depth: 9 });
    expect(r.success).toBe(false);
    if (r.success) return;
    const problem = problemSchema.parse({ title: 'The request is not valid.', status: 400, errors: fieldErrors(r.error) });
    expect(problem.type).toBe('about:blank');
    expect(problem.errors?.map((e) => e.field).sort()).toEqual(['depth', 'internetMessageId']);
    expect(problemSchema.safeParse({ title: 'x', status: 200 }).success).toBe(false);
  });

  it('names each unknown field of a strict body by its own name, however odd the name', () => {
    const long = 'k'.repeat(200);
    const bodies: Array<[string, unknown]> = [
      ['lookup', JSON.parse(`{"internetMessageId":"<a@b>"," ":1,"__proto__":{"x":1},"constructor":2,"${long}":3}`)],
      ['job', JSON.parse(`{"lookupId":"abc","action":"soft-delete"," ":1,"__proto__":{"x":1},"constructor":2,"${long}":3}`)],
    ];
    for (const [name, body] of bodies) {
      const r = (name === 'lookup' ? lookupRequestSchema : jobRequestSchema).safeParse(body);
      expect(r.success).toBe(false);
      if (r.success) continue;
      const errors = fieldErrors(r.error);
      expect({ name, fields: errors.map((e) => e.field) }).toEqual({ name, fields: [' ', '__proto__', 'constructor', long] });
      expect(errors.every((e) => /not part of the request/.test(e.message))).toBe(true);
    }
  });

  it('names an unknown key inside a nested object by its dotted path, and cuts a huge name', () => {
    const schema = z.strictObject({ outer: z.strictObject({ a: z.number() }) });
    const r = schema.safeParse({ outer: { a: 1, b: 2 } });
    expect(r.success ? [] : fieldErrors(r.error).map((e) => e.field)).toEqual(['outer.b']);
    const huge = 'h'.repeat(100_000);
    const r2 = schema.safeParse({ outer: { a: 1 }, [huge]: 1 });
    const field = r2.success ? '' : fieldErrors(r2.error)[0]!.field;
    expect(field.length).toBeLessThan(300);
    expect(field.startsWith('hhhh')).toBe(true);
  });

  it('re-exports the internetMessageId schema of core', () => {
    expect(internetMessageIdSchema.safeParse('<a@b>').success).toBe(true);
  });
});
