/**
 * Everything the CLI touches outside itself, in one object: the streams, the environment, the
 * terminal question, Ctrl-C and the clock. main() takes it as a parameter so that tests run
 * the real commands with their own.
 */
import readline from 'node:readline';
import type { ApiClient } from './apiClient';
import type { Connection } from './connection';

export interface OutStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: OutStream;
  stderr: OutStream;
  stdin: { isTTY?: boolean };
  env: Record<string, string | undefined>;
  cwd: string;
  /** Asks on the terminal (prompt on stderr, answer from stdin). */
  ask(question: string): Promise<string>;
  /** Calls `handler` on Ctrl-C until the returned function is called. */
  onInterrupt(handler: () => void): () => void;
  /** Waits `ms`, or less when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Opens the API (tests give a client of their own). */
  connect?(connection: Connection): ApiClient;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    ask(question) {
      const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
      return new Promise((resolve) => {
        // Ctrl-C at the question is a "no", not a crash.
        rl.on('SIGINT', () => {
          rl.close();
          resolve('');
        });
        rl.question(question, (answer) => {
          rl.close();
          resolve(answer);
        });
      });
    },
    onInterrupt(handler) {
      process.on('SIGINT', handler);
      return () => process.off('SIGINT', handler);
    },
    sleep,
  };
}
