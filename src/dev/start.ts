/**
 * `npm start`: the whole local stack on the embedded default — development certificates,
 * Azurite, the simulated tenant, the API host with its worker, and the task pane's web
 * server. Prints one line per service once each answers, after writing
 * `.retract/dev-stack.json` (CONTRACTS §1). Ctrl-C stops everything it started.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureDevCerts } from './certs';
import { parseStartOptions, UsageError } from './start-options';
import { startStack, type Stack } from './stack';

const ROOT = path.resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  let options;
  try {
    options = parseStartOptions(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`npm start: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  const certs = ensureDevCerts();
  // The API host runs in this process and fetches the simulator's signing keys over HTTPS; Node
  // reads NODE_EXTRA_CA_CERTS only at start, so run again with it when it is not the dev CA.
  const trusted = process.env.NODE_EXTRA_CA_CERTS;
  if (!trusted || path.resolve(trusted) !== path.resolve(certs.caFile)) return rerunTrustingDevCa(certs.caFile);
  const started = Date.now();
  let stack: Stack | undefined;
  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping…');
    if (!stack) return void (exitCode = code); // still starting: stopped once startStack returns
    await stack.stop();
    process.exit(code);
  };
  let exitCode = 0;
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  // Run again by rerunTrustingDevCa: if that parent is killed outright, stop too.
  process.on('disconnect', () => void stop(0));

  try {
    stack = await startStack({ ...options, certs, log: (line) => console.log(line) });
    if (stopping) {
      await stack.stop();
      process.exit(exitCode);
    }
  } catch (err) {
    console.error(`npm start: ${(err as Error).message}`);
    await stack?.stop();
    process.exit(1);
  }
  // RETRACT_DEV_STACK names another file, as the CLI reads it (tests use their own).
  const file = process.env.RETRACT_DEV_STACK ? path.resolve(process.env.RETRACT_DEV_STACK) : path.join(ROOT, '.retract', 'dev-stack.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(stack.devStack, null, 2) + '\n', { mode: 0o600 });
  const s = stack.devStack;
  console.log(`taskpane  ${s.taskpane}`);
  console.log(`api  ${s.api}`);
  console.log(`sim  ${s.sim}`);
  console.log(`storage  ${s.storage}`);
  console.log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s — open the taskpane URL (the harness) and sign in as a demo user (password: demo). Ctrl-C stops everything (details: ${path.relative(process.cwd(), file)}).`);
}

function rerunTrustingDevCa(caFile: string): void {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile },
  });
  // Ctrl-C reaches the child through the terminal's process group; a signal sent to this
  // process alone is passed on. Either way this process exits when the child has stopped.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

void main();
