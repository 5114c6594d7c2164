/**
 * `npm start` as a user runs it (here with --ports-auto): it prints one line per service in the
 * contract's form once each answers, writes the dev-stack file first, serves the harness and the
 * manifests' icons, and Ctrl-C (SIGINT) stops every process it started.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
let child: ChildProcess | undefined;
let dir: string;

afterAll(() => {
  // Only if the test failed before its own SIGINT: end the whole group it started.
  if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

function groupMembers(pgid: number): number[] {
  const out = execFileSync('ps', ['-e', '-o', 'pid=,pgid='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number))
    .filter(([, g]) => g === pgid)
    .map(([pid]) => pid!);
}

it('prints the four URLs, serves the harness, and stops everything on Ctrl-C', async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retract-start-'));
  const stackFile = path.join(dir, 'dev-stack.json');
  // Its own process group, as a terminal gives it, so that every process it starts can be counted.
  child = spawn(process.execPath, ['--import', 'tsx', 'src/dev/start.ts', '--ports-auto'], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, RETRACT_DEV_STACK: stackFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString('utf8')));
  const started = Date.now();
  while (!/^storage {2}http:\/\/127\.0\.0\.1:\d+$/m.test(output)) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
    if (Date.now() - started > 150_000) throw new Error(`npm start printed no URLs within 150 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const line = (name: string) => new RegExp(`^${name} {2}(\\S+)$`, 'm').exec(output)?.[1];
  const taskpane = line('taskpane')!;
  expect(taskpane).toMatch(/^https:\/\/localhost:\d+\/harness\.html$/);
  expect(line('api')).toMatch(/^https:\/\/localhost:\d+\/api$/);
  expect(line('sim')).toMatch(/^https:\/\/localhost:\d+$/);

  const stack = JSON.parse(fs.readFileSync(stackFile, 'utf8'));
  expect(stack).toMatchObject({ taskpane, api: line('api'), sim: line('sim'), authorityHost: line('sim'), caFile: path.join(ROOT, '.retract', 'certs', 'ca.crt') });
  expect(stack.cli.clientId).toMatch(/^[0-9a-f-]{36}$/);

  const origin = new URL(taskpane).origin;
  const harness = await fetch(taskpane);
  expect(harness.status).toBe(200);
  expect(await harness.text()).toContain('<title>Retract harness</title>');
  const icon = await fetch(`${origin}/assets/icon-32.png`);
  expect(icon.headers.get('content-type')).toBe('image/png');
  expect(Buffer.from(await icon.arrayBuffer()).equals(fs.readFileSync(path.join(ROOT, 'assets', 'icon-32.png')))).toBe(true);
  expect((await fetch(`${line('api')}/health`)).status).toBe(200);
  expect((await fetch(`${line('sim')}/_sim/health`)).status).toBe(200);
  expect((await fetch(`${origin}/taskpane-config.json`)).status).toBe(200);

  const pgid = child.pid!;
  expect(groupMembers(pgid).length).toBeGreaterThanOrEqual(3); // itself, Azurite, a worker
  const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
  process.kill(child.pid!, 'SIGINT'); // the process alone: it must stop its children itself
  expect(await exited).toBe(0);
  const deadline = Date.now() + 10_000;
  while (groupMembers(pgid).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  expect(groupMembers(pgid)).toEqual([]);
}, 200_000);
