/**
 * The commands through main(), as a user runs them: real argument parsing, real API client,
 * a fake API underneath that answers with contract documents.
 */
import {
  auditPageSchema,
  auditVerifySchema,
  jobListSchema,
  jobSchema,
  lookupSchema,
  omeStatusSchema,
  setupSchema,
  traceSchema,
  type Job,
} from '../../../src/contracts';
import { main } from '../../../src/cli/main';
import { CONNECT, FakeApi, MESSAGE_ID, fakeIo, problem, sampleJob, sampleLookup } from './fakes';

function lookupApi(): FakeApi {
  return new FakeApi().on('POST', '/lookups', { status: 200, body: sampleLookup() });
}

/** A job that is `running` for the first `runningPolls` reads, then `final`. */
function jobApi(final: Job, runningPolls = 2): FakeApi {
  let polls = 0;
  return lookupApi()
    .on('POST', '/jobs', { status: 202, body: { jobId: final.jobId } })
    .on('GET', `/jobs/${final.jobId}`, () => ({
      status: 200,
      body: ++polls <= runningPolls ? sampleJob('running', { jobId: final.jobId }) : final,
    }));
}

describe('lookup', () => {
  it('prints the lookup as one JSON document and exits 0 even with skipped addresses', async () => {
    const api = lookupApi();
    const t = fakeIo(api);
    const code = await main(['lookup', MESSAGE_ID, '--depth', '2', '--include-sender-copy', '--json', ...CONNECT], t.io);
    expect(code).toBe(0);
    const doc = lookupSchema.parse(JSON.parse(t.stdout()));
    expect(doc).toEqual(sampleLookup());
    expect(doc.skipped).toHaveLength(1);
    expect(api.requests).toHaveLength(1);
    expect(api.requests[0]).toMatchObject({
      method: 'POST',
      path: '/lookups',
      body: { internetMessageId: MESSAGE_ID, depth: 2, includeSenderCopy: true },
      authorization: 'Bearer token-for-tests',
    });
  });

  it('prints tables of targets, skipped addresses and ambiguous forwards for a person', async () => {
    const t = fakeIo(lookupApi());
    expect(await main(['lookup', MESSAGE_ID, ...CONNECT], t.io)).toBe(0);
    const out = t.stdout();
    expect(out).toContain('3 targets in 2 mailboxes');
    expect(out).toMatch(/MAILBOX\s+FOLDER\s+DEPTH\s+READ\s+VIA\s+MESSAGEID/);
    expect(out).toMatch(/megan@contoso\.com\s+sentitems\s+1\s+yes\s+<phish-1@evil\.example>\s+AAMk-megan-fwd/);
    expect(out).toMatch(/pat@gmail\.com\s+external/);
    expect(out).toContain('AAMk-lee-fwd');
    expect(out).toContain('Searched 4 mailboxes with 3 Graph requests in 140 ms.');
  });

  it('refuses a bad id with exit 2 before any request or credential lookup', async () => {
    const api = lookupApi();
    const t = fakeIo(api);
    t.io.connect = () => {
      throw new Error('must not connect');
    };
    expect(await main(['lookup', 'phish-1@evil.example', '--json'], t.io)).toBe(2);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toMatch(/^retract: "phish-1@evil\.example" is not an internetMessageId\. .*angle brackets\.\n$/);
    expect(api.requests).toHaveLength(0);
  });

  it('refuses a depth out of range with exit 2', async () => {
    const api = lookupApi();
    const t = fakeIo(api);
    expect(await main(['lookup', MESSAGE_ID, '--depth', '6', ...CONNECT], t.io)).toBe(2);
    expect(t.stderr()).toContain('depth must be a whole number from 0 to 5');
    expect(api.requests).toHaveLength(0);
  });
});

describe('API errors become one sentence and the exit code of CONTRACTS §5', () => {
  it.each([
    [403, 4],
    [401, 4],
    [400, 2],
    [404, 2],
    [409, 2],
    [410, 2],
    [413, 2],
    [415, 2],
    [500, 1],
    [503, 1],
    [429, 1],
  ])('HTTP %i → exit %i', async (status, exit) => {
    const api = new FakeApi().on('POST', '/lookups', problem(status, 'Refused', `The API said no (${status})`));
    const t = fakeIo(api);
    expect(await main(['lookup', MESSAGE_ID, '--json', ...CONNECT], t.io)).toBe(exit);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toBe(`retract: The API said no (${status}).\n`);
  });

  it('an answer that breaks the contract is a failure (1), not a crash', async () => {
    const api = new FakeApi().on('POST', '/lookups', { status: 200, body: { lookupId: 'x', targets: 'nope' } });
    const t = fakeIo(api);
    expect(await main(['lookup', MESSAGE_ID, ...CONNECT], t.io)).toBe(1);
    expect(t.stderr()).toMatch(/is not what this CLI expects/);
  });
});

describe('run', () => {
  it('without --yes and without a terminal: shows the preview, refuses with exit 2, makes no job', async () => {
    const api = jobApi(sampleJob('completed'));
    const t = fakeIo(api, { stdinTTY: false });
    expect(await main(['run', MESSAGE_ID, '--action', 'soft-delete', ...CONNECT], t.io)).toBe(2);
    expect(t.stdout()).toContain('AAMk-adele-1');
    expect(t.stderr()).toMatch(/stdin is not a terminal.*add --yes/);
    expect(api.writes()).toEqual(['POST /lookups']);
  });

  it('with --json and no --yes, the preview goes to stderr and stdout stays empty', async () => {
    const api = jobApi(sampleJob('completed'));
    const t = fakeIo(api);
    expect(await main(['run', MESSAGE_ID, '--action', 'soft-delete', '--json', ...CONNECT], t.io)).toBe(2);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toContain('AAMk-adele-1');
  });

  it('on a terminal it asks; "yes" runs the job, anything else changes nothing', async () => {
    const yes = jobApi(sampleJob('completed'));
    const ty = fakeIo(yes, { stdinTTY: true, answers: ['yes'] });
    expect(await main(['run', MESSAGE_ID, '--action', 'hard-delete', ...CONNECT], ty.io)).toBe(0);
    expect(ty.asked[0]).toMatch(/^hard-delete 3 messages in 2 mailboxes\? Hard delete cannot be undone/);
    expect(yes.writes()).toEqual(['POST /lookups', 'POST /jobs']);

    const no = jobApi(sampleJob('completed'));
    const tn = fakeIo(no, { stdinTTY: true, answers: ['n'] });
    expect(await main(['run', MESSAGE_ID, '--action', 'soft-delete', ...CONNECT], tn.io)).toBe(1);
    expect(tn.stderr()).toContain('Not run: nothing was changed.');
    expect(no.writes()).toEqual(['POST /lookups']);
  });

  it('--yes --json: makes the job on the lookup, waits for it, prints only the job; partial → exit 3', async () => {
    const api = jobApi(sampleJob('partial'));
    const t = fakeIo(api);
    const code = await main(
      ['run', MESSAGE_ID, '--action', 'soft-delete', '--exclude', 'AAMk-megan-1', '--include', 'AAMk-lee-fwd', '--reason', 'INC-4711', '--yes', '--json', ...CONNECT],
      t.io,
    );
    expect(code).toBe(3);
    const job = jobSchema.parse(JSON.parse(t.stdout()));
    expect(job.status).toBe('partial');
    const post = api.requests.find((r) => r.method === 'POST' && r.path === '/jobs');
    expect(post?.body).toEqual({ lookupId: 'lk-1', action: 'soft-delete', exclude: ['AAMk-megan-1'], include: ['AAMk-lee-fwd'], reason: 'INC-4711' });
    expect(api.requests.filter((r) => r.path === '/jobs/job-1')).toHaveLength(3);
  });

  it.each([
    ['completed', 0],
    ['failed', 1],
    ['cancelled', 1],
  ] as const)('a job that ends %s exits %i', async (status, exit) => {
    const t = fakeIo(jobApi(sampleJob(status)));
    expect(await main(['run', MESSAGE_ID, '--action', 'move-to-junk', '--yes', ...CONNECT], t.io)).toBe(exit);
    expect(t.stdout()).toContain(`Job job-1: ${status}`);
  });

  it('refuses an --exclude that is not one of the targets, and an --include that is not ambiguous, making no job', async () => {
    const api = jobApi(sampleJob('completed'));
    const t = fakeIo(api);
    expect(await main(['run', MESSAGE_ID, '--action', 'soft-delete', '--exclude', 'AAMk-nobody', '--yes', ...CONNECT], t.io)).toBe(2);
    expect(t.stderr()).toMatch(/--exclude names a messageId that is not among this lookup's targets \(AAMk-nobody\)/);
    const t2 = fakeIo(api);
    expect(await main(['run', MESSAGE_ID, '--action', 'soft-delete', '--include', 'AAMk-adele-1', '--yes', ...CONNECT], t2.io)).toBe(2);
    expect(t2.stderr()).toMatch(/--include may name only the lookup's ambiguous forwards/);
    expect(api.writes()).toEqual(['POST /lookups', 'POST /lookups']);
  });

  it('draws a progress bar on a terminal stderr, and none otherwise', async () => {
    const tty = fakeIo(jobApi(sampleJob('completed')), { stderrTTY: true });
    await main(['run', MESSAGE_ID, '--action', 'soft-delete', '--yes', '--json', ...CONNECT], tty.io);
    expect(tty.stderr()).toMatch(/\r\[-{30}\] 0\/3 {2}done 0 {2}already gone 0 {2}failed 0 {2}running/);
    expect(tty.stderr()).toMatch(/\r\[#{30}\] 3\/3 {2}done 2 {2}already gone 1 {2}failed 0 {2}completed/);

    const pipe = fakeIo(jobApi(sampleJob('completed')), { stderrTTY: false });
    await main(['run', MESSAGE_ID, '--action', 'soft-delete', '--yes', '--json', ...CONNECT], pipe.io);
    expect(pipe.stderr()).not.toContain('[');

    const quiet = fakeIo(jobApi(sampleJob('completed')), { stderrTTY: true });
    await main(['run', MESSAGE_ID, '--action', 'soft-delete', '--yes', '--json', '--quiet', ...CONNECT], quiet.io);
    expect(quiet.stderr()).toBe('');
  });

  it('Ctrl-C stops waiting, not the job: prints the job id, exits 130, and leaves no handler behind', async () => {
    const api = jobApi(sampleJob('completed'), 100);
    const pressCtrlC = { at: 2, fire: () => {} };
    const t = fakeIo(api, { onSleep: (n) => n === pressCtrlC.at && pressCtrlC.fire() });
    pressCtrlC.fire = t.interrupt;
    expect(await main(['run', MESSAGE_ID, '--action', 'soft-delete', '--yes', ...CONNECT], t.io)).toBe(130);
    expect(t.stdout().trim().split('\n').pop()).toBe('job-1');
    expect(t.stderr()).toContain('Stopped waiting. Job job-1 goes on (running); follow it with `retract status job-1`.');
    expect(api.writes()).toEqual(['POST /lookups', 'POST /jobs']);
    expect(t.listeners()).toBe(0);

    const atFirstPause = { fire: () => {} };
    const tj = fakeIo(jobApi(sampleJob('completed'), 100), { onSleep: (n) => n === 1 && atFirstPause.fire() });
    atFirstPause.fire = tj.interrupt;
    expect(await main(['run', MESSAGE_ID, '--action', 'soft-delete', '--yes', '--json', ...CONNECT], tj.io)).toBe(130);
    expect(jobSchema.parse(JSON.parse(tj.stdout())).status).toBe('running');
  });
});

describe('waiting through trouble', () => {
  it('a few failed reads while waiting are retried; the job is still followed to its end', async () => {
    let polls = 0;
    const api = lookupApi()
      .on('POST', '/jobs', { status: 202, body: { jobId: 'job-1' } })
      .on('GET', '/jobs/job-1', () => {
        polls += 1;
        if (polls === 2 || polls === 3) return problem(503, 'Service Unavailable', 'The API is restarting');
        return { status: 200, body: polls < 5 ? sampleJob('running') : sampleJob('completed') };
      });
    const t = fakeIo(api);
    expect(await main(['run', MESSAGE_ID, '--action', 'soft-delete', '--yes', '--json', ...CONNECT], t.io)).toBe(0);
    expect(jobSchema.parse(JSON.parse(t.stdout())).status).toBe('completed');
  });

  it('when the API stays away, it gives up with the job id (exit 1), never having cancelled anything', async () => {
    const api = lookupApi()
      .on('POST', '/jobs', { status: 202, body: { jobId: 'job-1' } })
      .on('GET', '/jobs/job-1', problem(502, 'Bad Gateway', 'The API is unreachable'));
    const t = fakeIo(api);
    expect(await main(['run', MESSAGE_ID, '--action', 'soft-delete', '--yes', '--json', ...CONNECT], t.io)).toBe(1);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toContain(
      'retract: Stopped waiting for job job-1: The API is unreachable. The job goes on; follow it with `retract status job-1`.',
    );
    expect(api.requests.filter((r) => r.path === '/jobs/job-1')).toHaveLength(6);
    expect(api.writes()).toEqual(['POST /lookups', 'POST /jobs']);
  });

  it('a refusal while waiting is not retried', async () => {
    const api = new FakeApi().on('GET', '/jobs/job-1', problem(403, 'Forbidden', 'You may not read jobs'));
    api.on('POST', '/jobs/job-1/cancel', { status: 202, body: { jobId: 'job-1' } });
    const t = fakeIo(api);
    expect(await main(['cancel', 'job-1', ...CONNECT], t.io)).toBe(4);
    expect(api.requests.filter((r) => r.path === '/jobs/job-1')).toHaveLength(1);
  });
});

describe('status, undo, cancel', () => {
  it('status prints the job and exits by its status', async () => {
    const api = new FakeApi().on('GET', '/jobs/job-1', { status: 200, body: sampleJob('partial') });
    const t = fakeIo(api);
    expect(await main(['status', 'job-1', '--json', ...CONNECT], t.io)).toBe(3);
    expect(jobSchema.parse(JSON.parse(t.stdout())).counts.failed).toBe(1);
    const running = fakeIo(new FakeApi().on('GET', '/jobs/job-1', { status: 200, body: sampleJob('running') }));
    expect(await main(['status', 'job-1', ...CONNECT], running.io)).toBe(0);
    expect(running.stdout()).toContain('Job job-1: running');
  });

  it('undo starts the undo job and waits for it', async () => {
    let polls = 0;
    const api = new FakeApi()
      .on('POST', '/jobs/job-1/undo', { status: 202, body: { jobId: 'job-2' } })
      .on('GET', '/jobs/job-2', () => ({
        status: 200,
        body: sampleJob(++polls < 2 ? 'running' : 'completed', { jobId: 'job-2', action: 'undo', undoOf: 'job-1' }),
      }));
    const t = fakeIo(api);
    expect(await main(['undo', 'job-1', ...CONNECT], t.io)).toBe(0);
    expect(t.stdout()).toContain('Job job-2: completed (undo of job job-1, lookup lk-1).');
    expect(t.stderr()).toContain('Undo job job-2 started for job job-1.');
  });

  it('cancel waits until the job has stopped; cancelled is what it asked for (0)', async () => {
    const api = new FakeApi()
      .on('POST', '/jobs/job-1/cancel', { status: 202, body: { jobId: 'job-1' } })
      .on('GET', '/jobs/job-1', { status: 200, body: sampleJob('cancelled') });
    const t = fakeIo(api);
    expect(await main(['cancel', 'job-1', '--json', ...CONNECT], t.io)).toBe(0);
    expect(jobSchema.parse(JSON.parse(t.stdout())).status).toBe('cancelled');
  });

  it('cancel of a job that is already over is a 409 → exit 2 with the API\'s sentence', async () => {
    const api = new FakeApi().on('POST', '/jobs/job-1/cancel', problem(409, 'Conflict', 'Job job-1 has already ended (completed).'));
    const t = fakeIo(api);
    expect(await main(['cancel', 'job-1', ...CONNECT], t.io)).toBe(2);
    expect(t.stderr()).toBe('retract: Job job-1 has already ended (completed).\n');
  });
});

describe('jobs, audit, ome, trace, setup, settings', () => {
  const list = jobListSchema.parse({ jobs: [sampleJob('completed'), { ...sampleJob('partial', { jobId: 'job-0' }), results: undefined }] });
  const record = (seq: number) => ({
    seq,
    time: '2026-11-22T10:00:00Z',
    section: 'Retract',
    event: 'job',
    phase: 'outcome',
    actor: { app: 'cli-app' },
    jobId: 'job-1',
    outcome: 'completed',
    prevHash: 'p'.repeat(64),
    hash: 'h'.repeat(64),
  });

  it('jobs passes --since and prints the list', async () => {
    const api = new FakeApi().on('GET', '/jobs', { status: 200, body: list });
    const t = fakeIo(api);
    expect(await main(['jobs', '--since', '2026-11-01', '--json', ...CONNECT], t.io)).toBe(0);
    expect(jobListSchema.parse(JSON.parse(t.stdout())).jobs).toHaveLength(2);
    expect(api.requests[0]?.query.get('since')).toBe('2026-11-01');
    const human = fakeIo(api);
    await main(['jobs', ...CONNECT], human.io);
    expect(human.stdout()).toMatch(/job-0\s+partial\s+soft-delete\s+3\s+1\s+1\s+1/);
  });

  it('audit follows every page and prints them as one document', async () => {
    const api = new FakeApi().on('GET', '/audit', (_req, url) =>
      url.searchParams.get('cursor') === 'c2'
        ? { status: 200, body: auditPageSchema.parse({ records: [record(3)], nextCursor: null }) }
        : { status: 200, body: auditPageSchema.parse({ records: [record(1), record(2)], nextCursor: 'c2' }) },
    );
    const t = fakeIo(api);
    expect(await main(['audit', '--section', 'Retract', '--actor', 'cli-app', '--internet-message-id', MESSAGE_ID, '--json', ...CONNECT], t.io)).toBe(0);
    const page = auditPageSchema.parse(JSON.parse(t.stdout()));
    expect(page.records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(page.nextCursor).toBeNull();
    expect(api.requests[0]?.query.get('section')).toBe('Retract');
    expect(api.requests[0]?.query.get('internetMessageId')).toBe(MESSAGE_ID);
    expect(api.requests[1]?.query.get('cursor')).toBe('c2');
    expect(await main(['audit', '--section', 'Everything', ...CONNECT], fakeIo(api).io)).toBe(2);
  });

  it('audit verify exits 0 when intact and 1 when broken', async () => {
    const ok = fakeIo(new FakeApi().on('GET', '/audit/verify', { status: 200, body: { ok: true, records: 12, head: 'h'.repeat(64) } }));
    expect(await main(['audit', 'verify', '--json', ...CONNECT], ok.io)).toBe(0);
    expect(auditVerifySchema.parse(JSON.parse(ok.stdout())).records).toBe(12);
    const broken = fakeIo(
      new FakeApi().on('GET', '/audit/verify', { status: 200, body: { ok: false, records: 12, head: 'h'.repeat(64), brokenAt: 7, why: 'Record 7 was edited.' } }),
    );
    expect(await main(['audit', 'verify', ...CONNECT], broken.io)).toBe(1);
    expect(broken.stdout()).toBe('The audit chain is broken at record 7: Record 7 was edited. 12 records checked.\n');
  });

  it('ome status and ome revoke', async () => {
    const api = new FakeApi()
      .on('GET', '/ome', { status: 200, body: omeStatusSchema.parse({ subject: 'Salaries', isRevocable: true, revoked: false }) })
      .on('POST', '/ome/revoke', { status: 200, body: { revoked: true } });
    const s = fakeIo(api);
    expect(await main(['ome', 'status', '<enc-1@contoso.com>', ...CONNECT], s.io)).toBe(0);
    expect(s.stdout()).toMatch(/Revocable:\s+yes\nRevoked:\s+no/);
    expect(api.requests[0]?.query.get('internetMessageId')).toBe('<enc-1@contoso.com>');
    const r = fakeIo(api);
    expect(await main(['ome', 'revoke', '<enc-1@contoso.com>', '--json', ...CONNECT], r.io)).toBe(0);
    expect(JSON.parse(r.stdout())).toEqual({ revoked: true });
    expect(api.requests[1]?.body).toEqual({ internetMessageId: '<enc-1@contoso.com>' });
    expect(await main(['ome', 'revoke', 'enc-1@contoso.com', ...CONNECT], fakeIo(api).io)).toBe(2);
  });

  it('trace passes its filters and prints rows', async () => {
    const body = traceSchema.parse({
      rows: [{ received: '2026-11-22T09:00:00Z', senderAddress: 'attacker@evil.example', recipientAddress: 'adele@contoso.com', subject: 'RE: Order', status: 'Delivered', internetMessageId: MESSAGE_ID, messageTraceId: 't1' }],
    });
    const api = new FakeApi().on('GET', '/trace', { status: 200, body });
    const t = fakeIo(api);
    expect(await main(['trace', '--sender', 'attacker@evil.example', '--since', '2026-11-20', '--until', '2026-11-23', ...CONNECT], t.io)).toBe(0);
    expect(t.stdout()).toMatch(/attacker@evil\.example\s+adele@contoso\.com\s+Delivered\s+RE: Order/);
    expect(Object.fromEntries(api.requests[0]?.query ?? [])).toEqual({ sender: 'attacker@evil.example', since: '2026-11-20', until: '2026-11-23' });
  });

  it('setup and settings domains [--set]', async () => {
    const setup = setupSchema.parse({
      consent: false,
      consentUrl: 'https://login.test/t/adminconsent?client_id=x',
      domains: [{ domain: 'contoso.com', status: 'granted' }, { domain: 'fabrikam.com', status: 'not-in-tenant' }],
      permissions: [{ name: 'Mail.ReadWrite', granted: false }],
    });
    const api = new FakeApi()
      .on('GET', '/setup', { status: 200, body: setup })
      .on('PUT', '/settings/domains', (req) => ({ status: 200, body: JSON.parse(req.body ?? '{}') }));
    const s = fakeIo(api);
    expect(await main(['setup', ...CONNECT], s.io)).toBe(0);
    expect(s.stdout()).toContain('Admin consent: missing. An admin grants it at https://login.test/t/adminconsent?client_id=x');
    expect(s.stdout()).toMatch(/fabrikam\.com\s+not-in-tenant/);

    const d = fakeIo(api);
    expect(await main(['settings', 'domains', '--set', 'Contoso.com,fabrikam.com', '--json', ...CONNECT], d.io)).toBe(0);
    expect(api.requests.find((r) => r.method === 'PUT')?.body).toEqual({ domains: ['contoso.com', 'fabrikam.com'] });
    expect(setupSchema.shape.domains.parse(JSON.parse(d.stdout()).domains)).toHaveLength(2);
    expect(await main(['settings', 'domains', '--set', 'not a domain', ...CONNECT], fakeIo(api).io)).toBe(2);
  });
});

describe('usage', () => {
  it('--help exits 0; an unknown command or option exits 2', async () => {
    const api = new FakeApi();
    const h = fakeIo(api);
    expect(await main(['--help'], h.io)).toBe(0);
    expect(h.stdout()).toContain('Usage: retract');
    const unknown = fakeIo(api);
    expect(await main(['frobnicate'], unknown.io)).toBe(2);
    expect(unknown.stderr()).toBe("retract: Unknown command 'frobnicate'. See `retract --help`.\n");
    expect(await main(['lookup', MESSAGE_ID, '--deep', '3'], fakeIo(api).io)).toBe(2);
    expect(await main(['lookup'], fakeIo(api).io)).toBe(2);
  });
});
