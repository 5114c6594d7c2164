/**
 * CI smoke test of `npm run bench` (issue 10): the benchmark's own entry, run as a child process
 * on a small all-staff tenant through the real stack (Azurite, simulator, API host and worker).
 * It asserts that the run completed and that every copy of the phish and of its forwards was
 * removed — read back mailbox by mailbox through /_sim by the benchmark — never its speed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureDevCerts } from '../../../src/dev/certs';

const ROOT = path.resolve(__dirname, '..', '..', '..');
// Small enough for the 15-minute suite on a shared 2-core machine; `npm run bench -- --quick` is N = 1,000.
const MAILBOXES = 200;

jest.setTimeout(240_000);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runBench(args: string[]): Promise<Run> {
  const certs = ensureDevCerts();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'run.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_EXTRA_CA_CERTS: certs.caFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`the benchmark did not end within 220 s\nstderr: ${stderr}`));
    }, 220_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run bench (all-staff, small tenant)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'retract-bench-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('completes the soft-delete job and removes every copy of the phish and its forwards', async () => {
    const out = path.join(dir, 'latest.json');
    const run = await runBench(['--mailboxes', String(MAILBOXES), '--naive', '10', '--no-taskpane', '--out', out]);
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });

    const doc = JSON.parse(readFileSync(out, 'utf8')) as {
      passed: boolean;
      failures: string[];
      result: {
        scenario: { mailboxes: number; expectedCopies: number; forwarders: number; reforwarders: number };
        lookups: Array<{ depth: number; targets: number; byDepth: Record<string, number> }>;
        job: { status: string; counts: { targets: number; done: number; alreadyGone: number; failed: number } };
        removal: { copies: number; removed: number; left: unknown[]; targetsNotRemoved: number; mailboxesChecked: number };
        naive: { recipients: number; removed: number };
        totals: { graphSubRequests: number };
      };
    };
    expect(doc.failures).toEqual([]);
    expect(doc.passed).toBe(true);
    const r = doc.result;
    expect(r.scenario.mailboxes).toBe(MAILBOXES);
    // Depth 0 finds the phish in every mailbox; depth 2 adds every forward and forward of a forward.
    expect(r.lookups.find((l) => l.depth === 0)?.targets).toBe(MAILBOXES);
    const depth2 = r.lookups.find((l) => l.depth === 2)!;
    expect(depth2.targets).toBe(r.scenario.expectedCopies);
    expect(depth2.byDepth['2']).toBeGreaterThan(0);
    expect(r.job.status).toBe('completed');
    expect(r.job.counts).toEqual({ targets: r.scenario.expectedCopies, done: r.scenario.expectedCopies, alreadyGone: 0, failed: 0 });
    // Read back through /_sim: every copy is in Recoverable Items\Deletions, none left in a folder a user sees.
    expect(r.removal).toEqual({ copies: r.scenario.expectedCopies, removed: r.scenario.expectedCopies, left: [], targetsNotRemoved: 0, mailboxesChecked: MAILBOXES });
    expect(r.naive).toMatchObject({ recipients: 10, removed: 10 });
    expect(r.totals.graphSubRequests).toBeGreaterThan(MAILBOXES);
  });
});
