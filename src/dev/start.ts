/**
 * `npm start`: the whole local stack on the embedded default — development certificates,
 * Azurite, the simulated tenant, the API host with its worker, and the task pane's web
 * server. Prints one line per service once each answers, after writing
 * `.retract/dev-stack.json` (CONTRACTS §1). Ctrl-C stops everything it started.
 */
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
  const started = Date.now();
  let stack: Stack | undefined;
  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping…');
    await stack?.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    stack = await startStack({ ...options, certs, log: (line) => console.log(line) });
  } catch (err) {
    console.error(`npm start: ${(err as Error).message}`);
    await stack?.stop();
    process.exit(1);
  }
  const file = path.join(ROOT, '.retract', 'dev-stack.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(stack.devStack, null, 2) + '\n', { mode: 0o600 });
  const s = stack.devStack;
  console.log(`taskpane  ${s.taskpane}`);
  console.log(`api  ${s.api}`);
  console.log(`sim  ${s.sim}`);
  console.log(`storage  ${s.storage}`);
  console.log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s — Ctrl-C stops everything (details: ${path.relative(process.cwd(), file)})`);
}

void main();
