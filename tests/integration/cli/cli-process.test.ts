/**
 * `node bin/retract.js` as a child process against a stand-in stack (fake-stack.ts): the
 * dev-stack file, msal-node client credentials against the simulated Entra ID, the dev CA
 * trusted through caFile alone (no NODE_EXTRA_CA_CERTS), and the exit codes of CONTRACTS §5.
 */
import { jobSchema, lookupSchema } from '../../../src/contracts';
import { CLI_ID, CLI_SECRET, MESSAGE_ID, READER_ID, READER_SECRET, startFakeStack, type FakeStack } from './fake-stack';
import { runCli } from './run-cli';

// Jest ignores testTimeout in a project's config (5 s default observed); child processes under load need more.
jest.setTimeout(60_000);

let stack: FakeStack;
let devStack: string;

beforeAll(async () => {
  stack = await startFakeStack();
  devStack = stack.writeDevStack();
});
afterAll(() => stack.close());

it('lookup --json: credentials, API and CA from the dev-stack file; exactly one JSON document; exit 0 with skipped addresses', async () => {
  const run = await runCli(['lookup', MESSAGE_ID, '--json'], { RETRACT_DEV_STACK: devStack });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const lookup = lookupSchema.parse(JSON.parse(run.stdout));
  expect(lookup.internetMessageId).toBe(MESSAGE_ID);
  expect(lookup.skipped).toEqual([{ address: 'pat@gmail.com', reason: 'external' }]);
  expect(stack.apiRequests.at(-1)).toEqual({ method: 'POST', path: '/lookups', clientId: CLI_ID });
});

it('run --yes --json waits for the job and prints only the job', async () => {
  const run = await runCli(['run', MESSAGE_ID, '--action', 'soft-delete', '--yes', '--json'], { RETRACT_DEV_STACK: devStack });
  expect(run.code).toBe(0);
  const job = jobSchema.parse(JSON.parse(run.stdout));
  expect(job.status).toBe('completed');
  expect(run.stderr).toContain(`Job ${job.jobId} started: soft-delete of 1 message.`);
  expect(stack.apiRequests.filter((r) => r.path === `/jobs/${job.jobId}`)).toHaveLength(3);
});

it('run without --yes, stdin not a terminal: exit 2 and no job', async () => {
  const before = stack.apiRequests.filter((r) => r.path === '/jobs').length;
  const run = await runCli(['run', MESSAGE_ID, '--action', 'soft-delete'], { RETRACT_DEV_STACK: devStack });
  expect(run.code).toBe(2);
  expect(run.stdout).toContain('adele@contoso.com');
  expect(run.stderr).toMatch(/stdin is not a terminal/);
  expect(stack.apiRequests.filter((r) => r.path === '/jobs').length).toBe(before);
});

it('a bad id: exit 2, one sentence, no request', async () => {
  const before = stack.apiRequests.length;
  const run = await runCli(['lookup', 'phish-7@evil.example', '--json'], { RETRACT_DEV_STACK: devStack });
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr.trim().split('\n')).toHaveLength(1);
  expect(stack.apiRequests.length).toBe(before);
});

it('an app with only Retract.Auditor: the API refuses, exit 4', async () => {
  const run = await runCli(['lookup', MESSAGE_ID, '--json', '--client-id', READER_ID, '--client-secret', READER_SECRET], {
    RETRACT_DEV_STACK: devStack,
  });
  expect(run.code).toBe(4);
  expect(run.stdout).toBe('');
  expect(run.stderr).toBe('retract: This needs the Retract.Admin role, which this caller does not hold.\n');
  expect(stack.apiRequests.at(-1)).toEqual({ method: 'POST', path: '/lookups', clientId: READER_ID });
});

it('a wrong secret: the authority refuses, exit 4, and the secret is never printed', async () => {
  const run = await runCli(['lookup', MESSAGE_ID, '--client-id', CLI_ID, '--client-secret', 'wrong-secret-xyz'], {
    RETRACT_DEV_STACK: devStack,
  });
  expect(run.code).toBe(4);
  expect(run.stderr).toMatch(/^retract: The authority refused the client credentials of app .*invalid_client: AADSTS7000215/);
  expect(run.stderr).not.toContain('wrong-secret-xyz');
  expect(run.stderr).not.toContain(CLI_SECRET);
});

it('TLS stays on: without the dev CA the local stack is not trusted (exit 1, a sentence)', async () => {
  const noCa = stack.writeDevStack({ caFile: undefined });
  const run = await runCli(['lookup', MESSAGE_ID], { RETRACT_DEV_STACK: noCa });
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/^retract: Cannot reach the authority at https:\/\/localhost:\d+: its TLS certificate is not trusted/);
});

it('nothing listening at the API: exit 1 with where it tried', async () => {
  const run = await runCli(['jobs', '--api', 'https://localhost:1/api'], { RETRACT_DEV_STACK: devStack });
  expect(run.code).toBe(1);
  expect(run.stderr).toBe('retract: Cannot reach the Retract API at https://localhost:1/api: nothing is listening there.\n');
});

it('no dev-stack file and no options: exit 2, saying how to start the stack', async () => {
  const run = await runCli(['jobs'], { RETRACT_DEV_STACK: '/nonexistent/dev-stack.json' });
  expect(run.code).toBe(2);
  expect(run.stderr).toMatch(/dev-stack\.json does not exist\. Start the local stack with `npm start`/);
});

it('Ctrl-C while waiting stops the waiting, not the job: exit 130, the job printed, its id named', async () => {
  let signalled = false;
  const run = await runCli(['run', '<slow-1@evil.example>', '--action', 'move-to-junk', '--yes', '--json'], { RETRACT_DEV_STACK: devStack }, 30_000, (text, child) => {
    if (!signalled && /Job job-\d+ started/.test(text)) {
      signalled = true;
      // Let it poll once or twice first.
      setTimeout(() => child.kill('SIGINT'), 600);
    }
  });
  expect(run.code).toBe(130);
  const job = jobSchema.parse(JSON.parse(run.stdout));
  expect(job.status).toBe('running');
  expect(run.stderr).toContain(`Stopped waiting. Job ${job.jobId} goes on (running); follow it with \`retract status ${job.jobId}\`.`);
  // The job was not cancelled: no request but the polls after it was made.
  expect(stack.apiRequests.filter((r) => r.path.startsWith(`/jobs/${job.jobId}/`))).toEqual([]);
});
