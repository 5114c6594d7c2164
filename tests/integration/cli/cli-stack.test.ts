/**
 * The CLI against the real local stack (simulated tenant + Azurite + API host + worker, started
 * in-process by real-stack.ts): every command in human and JSON form, with the JSON validated by
 * the contracts' schemas; the exit codes of CONTRACTS §5 from a child process
 * (`node bin/retract.js`), as a script sees them, with the credentials, trust and Ctrl-C of a
 * real process; and a script that looks up, runs and checks through /_sim that exactly the
 * listed targets moved.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  auditPageSchema,
  auditVerifySchema,
  jobListSchema,
  jobSchema,
  lookupSchema,
  omeRevokeSchema,
  omeStatusSchema,
  setupSchema,
  traceSchema,
  type Job,
} from '../../../src/contracts';
import type { CliIo } from '../../../src/cli/io';
import { sleep } from '../../../src/cli/io';
import { main } from '../../../src/cli/main';
import { CLI_ID, CLI_SECRET, MAILBOXES, MESSAGES, READER_ID, READER_SECRET, startRealStack, type RealStack } from './real-stack';
import { runCli } from './run-cli';

interface SimMessage {
  id: string;
  folder: string;
  internetMessageId: string;
}

// Jest ignores testTimeout in a project's config (5 s default observed); child processes under load need more.
jest.setTimeout(60_000);

let stack: RealStack;
beforeAll(async () => {
  stack = await startRealStack();
}, 90_000);
afterAll(async () => {
  await stack?.close();
});

/** Runs the CLI in this process (real HTTP, msal-node and API), capturing its output. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t), isTTY: false },
    stderr: { write: (t: string) => (stderr += t), isTTY: false },
    stdin: { isTTY: false },
    env: { RETRACT_DEV_STACK: stack.devStackFile },
    cwd: process.cwd(),
    ask: async () => '',
    onInterrupt: () => () => undefined,
    sleep,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

/** The JSON form: exactly one document on stdout. */
function onlyJson(stdout: string): unknown {
  expect(stdout.trim().startsWith('{')).toBe(true);
  return JSON.parse(stdout);
}

const env = () => ({ RETRACT_DEV_STACK: stack.devStackFile });

async function mailboxSnapshot(): Promise<Map<string, SimMessage & { mailbox: string }>> {
  const all = new Map<string, SimMessage & { mailbox: string }>();
  for (const mailbox of MAILBOXES) {
    const messages = await stack.simGet<SimMessage[]>(`/_sim/mailboxes/${encodeURIComponent(mailbox)}/messages`);
    for (const m of messages) all.set(m.id, { ...m, mailbox });
  }
  return all;
}

function setMailbox(address: string, state: 'enabled' | 'not-rest-enabled'): void {
  const user = stack.sim.ctx.tenant.users.find((u) => u.mail === address);
  if (!user) throw new Error(`no user ${address}`);
  user.mailbox = state;
}

describe('exit codes, from a child process', () => {
  it('0: a lookup that skips an external address is done', async () => {
    const run = await runCli(['lookup', MESSAGES.lookup, '--json'], env());
    expect(run.code).toBe(0);
    const lookup = lookupSchema.parse(onlyJson(run.stdout));
    expect(lookup.skipped).toContainEqual({ address: 'pat@gmail.com', reason: 'external' });
    expect(lookup.targets.map((t) => t.mailbox).sort()).toEqual([...MAILBOXES].sort());
  });

  it('2: a bad id, refused before any request', async () => {
    const run = await runCli(['lookup', 'cli-lookup-1@evil.example'], env());
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^retract: "cli-lookup-1@evil\.example" is not an internetMessageId\./);
  });

  it('4: the soc-reader app (Retract.Auditor) may read jobs but not look up', async () => {
    const creds = ['--client-id', READER_ID, '--client-secret', READER_SECRET];
    const refused = await runCli(['lookup', MESSAGES.lookup, '--json', ...creds], env());
    expect(refused.code).toBe(4);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^retract: .+\n$/);
    const allowed = await runCli(['jobs', '--json', ...creds], env());
    expect(allowed.code).toBe(0);
    jobListSchema.parse(onlyJson(allowed.stdout));
  });

  it('3: a job where some targets fail because their mailboxes became unreachable after the job started', async () => {
    // The worker is paused so that the job is surely made (on reachable mailboxes) before two of
    // them stop answering over REST; then it works the job.
    await stack.pauseWorker();
    let flipped = false;
    try {
      const run = await runCli(['run', MESSAGES.partial, '--action', 'soft-delete', '--yes', '--json'], env(), 45_000, (text) => {
        if (!flipped && /Job \S+ started/.test(text)) {
          flipped = true;
          setMailbox('lee@contoso.com', 'not-rest-enabled');
          setMailbox('nestor@contoso.com', 'not-rest-enabled');
          stack.resumeWorker();
        }
      });
      expect(flipped).toBe(true);
      const job = jobSchema.parse(onlyJson(run.stdout));
      expect({ code: run.code, status: job.status }).toEqual({ code: 3, status: 'partial' });
      expect(job.counts).toMatchObject({ targets: 3, done: 1, failed: 2 });
      const failed = job.results.filter((r) => r.outcome === 'failed').map((r) => r.mailbox).sort();
      expect(failed).toEqual(['lee@contoso.com', 'nestor@contoso.com']);
    } finally {
      setMailbox('lee@contoso.com', 'enabled');
      setMailbox('nestor@contoso.com', 'enabled');
      stack.resumeWorker();
    }
  });
});

describe('the process boundary: credentials, trust, Ctrl-C', () => {
  it('run without --yes when stdin is not a terminal: shows the preview, exit 2, no job', async () => {
    const before = (await cli(['jobs', '--json'])).stdout;
    const run = await runCli(['run', MESSAGES.lookup, '--action', 'soft-delete'], env());
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/4 targets in 4 mailboxes/);
    expect(run.stderr).toMatch(/^retract: Not run: stdin is not a terminal, so there is no one to confirm\. Nothing was changed; add --yes/);
    expect((await cli(['jobs', '--json'])).stdout).toBe(before);
  });

  it('a wrong secret: the authority refuses, exit 4, and no secret is printed', async () => {
    const run = await runCli(['lookup', MESSAGES.lookup, '--client-id', CLI_ID, '--client-secret', 'wrong-secret-xyz'], env());
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/^retract: The authority refused the client credentials of app \S+ in tenant \S+ \(invalid_client: AADSTS7000215: Invalid client secret provided\./);
    expect(run.stderr).not.toContain('wrong-secret-xyz');
    expect(run.stderr).not.toContain(CLI_SECRET);
  });

  it('TLS stays on: without the dev CA (and without NODE_EXTRA_CA_CERTS) the stack is not trusted, exit 1', async () => {
    const stackFile = JSON.parse(fs.readFileSync(stack.devStackFile, 'utf8')) as Record<string, unknown>;
    delete stackFile.caFile;
    const noCa = path.join(path.dirname(stack.devStackFile), 'dev-stack-no-ca.json');
    fs.writeFileSync(noCa, JSON.stringify(stackFile), { mode: 0o600 });
    const run = await runCli(['lookup', MESSAGES.lookup], { RETRACT_DEV_STACK: noCa });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^retract: Cannot reach the authority at https:\/\/localhost:\d+: its TLS certificate is not trusted/);
  });

  it('nothing listening at the API: exit 1, naming where it tried', async () => {
    const run = await runCli(['jobs', '--api', 'https://localhost:1/api'], env());
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('retract: Cannot reach the Retract API at https://localhost:1/api: nothing is listening there.\n');
  });

  it('no dev-stack file and no options: exit 2, saying how to start the stack', async () => {
    const run = await runCli(['jobs'], { RETRACT_DEV_STACK: '/nonexistent/dev-stack.json' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/dev-stack\.json does not exist\. Start the local stack with `npm start`/);
  });

  it('Ctrl-C while waiting stops the waiting, not the job: exit 130, the job printed, its id named', async () => {
    await stack.pauseWorker();
    try {
      let signalled = false;
      const run = await runCli(['run', MESSAGES.cancel, '--action', 'move-to-junk', '--yes', '--json'], env(), 45_000, (text, child) => {
        if (!signalled && /Job \S+ started/.test(text)) {
          signalled = true;
          setTimeout(() => child.kill('SIGINT'), 500);
        }
      });
      expect(run.code).toBe(130);
      const job = jobSchema.parse(JSON.parse(run.stdout));
      expect(job.status).toBe('queued');
      expect(run.stderr).toContain(`Stopped waiting. Job ${job.jobId} goes on (queued); follow it with \`retract status ${job.jobId}\`.`);
      // It goes on: once the worker runs, the job completes.
      stack.resumeWorker();
      let status = '';
      for (let i = 0; i < 100 && status !== 'completed'; i++) {
        status = jobSchema.parse(JSON.parse((await cli(['status', job.jobId, '--json'])).stdout)).status;
        if (status !== 'completed') await sleep(100);
      }
      expect(status).toBe('completed');
      const undo = await cli(['undo', job.jobId, '--json', '--quiet']);
      expect(undo.code).toBe(0);
    } finally {
      stack.resumeWorker();
    }
  });
});

describe('a script: lookup --json, run --yes --json, then check the mailboxes through /_sim', () => {
  it('moves exactly the listed targets and nothing else', async () => {
    const looked = await runCli(['lookup', MESSAGES.script, '--json'], env());
    expect(looked.code).toBe(0);
    const lookup = lookupSchema.parse(JSON.parse(looked.stdout));
    const listed = new Set(lookup.targets.map((t) => t.messageId));
    expect(listed.size).toBe(2);

    const before = await mailboxSnapshot();
    const ran = await runCli(['run', MESSAGES.script, '--action', 'soft-delete', '--yes', '--json'], env());
    expect(ran.code).toBe(0);
    const job = jobSchema.parse(JSON.parse(ran.stdout));
    expect(job.status).toBe('completed');
    expect(new Set(job.results.map((r) => r.messageId))).toEqual(listed);

    const after = await mailboxSnapshot();
    const moved = [...after.values()].filter((m) => before.get(m.id)?.folder !== m.folder);
    expect(new Set(moved.map((m) => m.id))).toEqual(listed);
    for (const m of moved) {
      expect(m.folder).toBe('recoverableitemsdeletions');
      expect(m.internetMessageId).toBe(MESSAGES.script);
    }
    expect(after.size).toBe(before.size);
  });
});

describe('every command, human and JSON', () => {
  it('lookup', async () => {
    const human = await cli(['lookup', MESSAGES.lookup, '--depth', '0']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`for ${MESSAGES.lookup}, depth 0: 4 targets in 4 mailboxes.`);
    expect(human.stdout).toMatch(/pat@gmail\.com\s+external/);
    const json = await cli(['lookup', MESSAGES.lookup, '--json']);
    expect(lookupSchema.parse(onlyJson(json.stdout)).depth).toBe(1);
    expect(json.stderr).toBe('');
  });

  let undoable: Job;
  it('run (human: preview, then the job) and status', async () => {
    const human = await cli(['run', MESSAGES.undo, '--action', 'move-to-junk', '--reason', 'INC-4711', '--yes']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/Lookup \S+ for <cli-undo-1@evil\.example>, depth 1: 2 targets in 2 mailboxes\./);
    const jobId = /Job (\S+): completed \(move-to-junk/.exec(human.stdout)?.[1];
    expect(jobId).toBeDefined();

    const status = await cli(['status', jobId!, '--json']);
    expect(status.code).toBe(0);
    undoable = jobSchema.parse(onlyJson(status.stdout));
    expect(undoable).toMatchObject({ jobId, status: 'completed', action: 'move-to-junk', reason: 'INC-4711', counts: { targets: 2, done: 2 } });
    const statusHuman = await cli(['status', jobId!]);
    expect(statusHuman.stdout).toContain(`Job ${jobId}: completed (move-to-junk, lookup ${undoable.lookupId}).\n2 targets: 2 done, 0 already gone, 0 failed.`);
  });

  it('undo (JSON), then the messages are back in the inbox', async () => {
    const junked = [...(await mailboxSnapshot()).values()].filter((m) => m.internetMessageId === MESSAGES.undo);
    expect(junked.map((m) => m.folder)).toEqual(['junkemail', 'junkemail']);
    const undo = await cli(['undo', undoable.jobId, '--json']);
    expect(undo.code).toBe(0);
    const job = jobSchema.parse(onlyJson(undo.stdout));
    expect(job).toMatchObject({ action: 'undo', status: 'completed', counts: { done: 2 } });
    const back = [...(await mailboxSnapshot()).values()].filter((m) => m.internetMessageId === MESSAGES.undo);
    expect(back.map((m) => m.folder)).toEqual(['inbox', 'inbox']);
  });

  it('undo (human)', async () => {
    const run = await cli(['run', MESSAGES.undo, '--action', 'soft-delete', '--yes', '--json']);
    const job = jobSchema.parse(JSON.parse(run.stdout));
    const undo = await cli(['undo', job.jobId]);
    expect(undo.code).toBe(0);
    expect(undo.stdout).toMatch(new RegExp(`Job \\S+: completed \\(undo of job ${job.jobId}, lookup ${job.lookupId}\\)\\.`));
    expect(undo.stderr).toMatch(/Undo job \S+ started/);
  });

  it('cancel (JSON and human) of jobs that have not started', async () => {
    await stack.pauseWorker();
    try {
      const jobs: string[] = [];
      for (let i = 0; i < 2; i++) {
        let jobId = '';
        // The run waits for its job; it is cancelled from beside it, as a second terminal would.
        const run = runCli(['run', MESSAGES.cancel, '--action', 'hard-delete', '--yes', '--json'], env(), 45_000, (text) => {
          jobId ||= /Job (\S+) started/.exec(text)?.[1] ?? '';
        });
        while (!jobId) await sleep(50);
        const cancel = i === 0 ? await cli(['cancel', jobId, '--json']) : await cli(['cancel', jobId]);
        expect(cancel.code).toBe(0);
        if (i === 0) expect(jobSchema.parse(onlyJson(cancel.stdout)).status).toBe('cancelled');
        else expect(cancel.stdout).toContain(`Job ${jobId}: cancelled (hard-delete`);
        const ran = await run;
        expect(ran.code).toBe(1);
        expect(jobSchema.parse(JSON.parse(ran.stdout)).status).toBe('cancelled');
        jobs.push(jobId);
      }
      const again = await cli(['cancel', jobs[0]!]);
      expect(again.code).toBe(0);
    } finally {
      stack.resumeWorker();
    }
    // Nothing was deleted.
    const copies = [...(await mailboxSnapshot()).values()].filter((m) => m.internetMessageId === MESSAGES.cancel);
    expect(copies.map((m) => m.folder)).toEqual(['inbox']);
  });

  it('jobs', async () => {
    const json = await cli(['jobs', '--json']);
    const list = jobListSchema.parse(onlyJson(json.stdout));
    expect(list.jobs.length).toBeGreaterThanOrEqual(4);
    const human = await cli(['jobs', '--since', '2020-01-01']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^JOB\s+STATUS\s+ACTION/);
    expect(human.stdout).toContain(list.jobs[0]!.jobId);
  });

  it('audit and audit verify', async () => {
    const json = await cli(['audit', '--section', 'Retract', '--internet-message-id', MESSAGES.undo, '--json']);
    expect(json.code).toBe(0);
    const page = auditPageSchema.parse(onlyJson(json.stdout));
    expect(page.records.length).toBeGreaterThan(0);
    expect(page.records.every((r) => r.section === 'Retract' && r.internetMessageId === MESSAGES.undo)).toBe(true);
    expect(page.nextCursor).toBeNull();
    const human = await cli(['audit']);
    expect(human.stdout).toMatch(/^SEQ\s+TIME\s+SECTION\s+EVENT/);

    const verify = await cli(['audit', 'verify', '--json']);
    expect(verify.code).toBe(0);
    expect(auditVerifySchema.parse(onlyJson(verify.stdout)).ok).toBe(true);
    const verifyHuman = await cli(['audit', 'verify']);
    expect(verifyHuman.stdout).toMatch(/^The audit chain is intact: \d+ records, head [0-9a-f]{64}\.\n$/);
  });

  it('ome status and ome revoke', async () => {
    const status = await cli(['ome', 'status', MESSAGES.encrypted, '--json']);
    expect(status.code).toBe(0);
    expect(omeStatusSchema.parse(onlyJson(status.stdout))).toMatchObject({ subject: 'Salaries', isRevocable: true, revoked: false });
    const revoke = await cli(['ome', 'revoke', MESSAGES.encrypted, '--json']);
    expect(revoke.code).toBe(0);
    omeRevokeSchema.parse(onlyJson(revoke.stdout));
    const after = await cli(['ome', 'status', MESSAGES.encrypted]);
    expect(after.stdout).toMatch(/Subject:\s+Salaries[\s\S]*Revoked:\s+yes/);
    const revokeHuman = await cli(['ome', 'revoke', MESSAGES.encrypted2]);
    expect(revokeHuman.code).toBe(0);
    expect(revokeHuman.stdout).toBe(`Revoked: recipients outside Microsoft 365 can no longer open ${MESSAGES.encrypted2} in the encrypted-message portal.\n`);
    const sim = await stack.simGet<{ revoked: boolean }>(`/_sim/ome/${encodeURIComponent(MESSAGES.encrypted2)}`);
    expect(sim.revoked).toBe(true);
  });

  it('trace', async () => {
    const json = await cli(['trace', '--sender', 'attacker@evil.example', '--json']);
    expect(json.code).toBe(0);
    const trace = traceSchema.parse(onlyJson(json.stdout));
    expect(trace.rows.some((r) => r.internetMessageId === MESSAGES.partial && r.recipientAddress === 'lee@contoso.com')).toBe(true);
    const human = await cli(['trace', '--recipient', 'lee@contoso.com']);
    expect(human.stdout).toMatch(/attacker@evil\.example\s+lee@contoso\.com\s+Delivered\s+Invoice 3/);
  });

  it('setup and settings domains', async () => {
    const json = await cli(['setup', '--json']);
    const setup = setupSchema.parse(onlyJson(json.stdout));
    expect(setup.consent).toBe(true);
    expect((await cli(['setup'])).stdout).toMatch(/^Admin consent: granted\./);

    const set = await cli(['settings', 'domains', '--set', 'Contoso.com', '--json']);
    expect(set.code).toBe(0);
    expect(setupSchema.shape.domains.parse(JSON.parse(set.stdout).domains)).toEqual([{ domain: 'contoso.com', status: 'granted' }]);
    const human = await cli(['settings', 'domains']);
    expect(human.stdout).toBe('DOMAIN       STATUS\ncontoso.com  granted\n');
    const bad = await cli(['settings', 'domains', '--set', 'fabrikam.com']);
    expect(bad.code).toBe(0);
    expect(bad.stdout).toMatch(/fabrikam\.com\s+not-in-tenant/);
    await cli(['settings', 'domains', '--set', 'contoso.com']);
  });
});
