/**
 * Azurite (Microsoft's Azure Storage emulator, from npm) as a child process on free ports.
 * Azurite binds port 0 itself and prints the port it got, so there is no race for a port.
 * In memory by default (fresh at each start); under `dataDir` when asked.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface AzuriteHandle {
  connectionString: string;
  blobPort: number;
  queuePort: number;
  tablePort: number;
  stop(): Promise<void>;
}

// The well-known development account every Azure Storage emulator accepts (not a secret).
const ACCOUNT = 'devstoreaccount1';
const ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

const ROOT = path.resolve(__dirname, '..', '..');

export function azuriteConnectionString(ports: { blobPort: number; queuePort: number; tablePort: number }): string {
  return [
    'DefaultEndpointsProtocol=http',
    `AccountName=${ACCOUNT}`,
    `AccountKey=${ACCOUNT_KEY}`,
    `BlobEndpoint=http://127.0.0.1:${ports.blobPort}/${ACCOUNT}`,
    `QueueEndpoint=http://127.0.0.1:${ports.queuePort}/${ACCOUNT}`,
    `TableEndpoint=http://127.0.0.1:${ports.tablePort}/${ACCOUNT}`,
  ].join(';') + ';';
}

export async function startAzurite(
  options: {
    dataDir?: string;
    timeoutMs?: number;
    /** Fixed ports (`npm start`'s defaults 10000–10002); each left out or 0 is a free port. */
    ports?: { blob?: number; queue?: number; table?: number };
  } = {},
): Promise<AzuriteHandle> {
  const bin = path.join(ROOT, 'node_modules', 'azurite', 'dist', 'src', 'azurite.js');
  const args = [
    bin,
    '--silent',
    '--skipApiVersionCheck',
    '--disableTelemetry',
    '--blobHost', '127.0.0.1', '--blobPort', String(options.ports?.blob ?? 0),
    '--queueHost', '127.0.0.1', '--queuePort', String(options.ports?.queue ?? 0),
    '--tableHost', '127.0.0.1', '--tablePort', String(options.ports?.table ?? 0),
  ];
  if (options.dataDir) {
    fs.mkdirSync(options.dataDir, { recursive: true });
    args.push('--location', options.dataDir);
  } else {
    args.push('--inMemoryPersistence');
  }
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: options.dataDir ?? ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  const ports: { blob?: number; queue?: number; table?: number } = {};
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Azurite did not start within ${options.timeoutMs ?? 20000} ms. Its output: ${output.slice(-2000)}`)),
      options.timeoutMs ?? 20000,
    );
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      for (const m of output.matchAll(/Azurite (Blob|Queue|Table) service is successfully listening at http:\/\/[^:]+:(\d+)/g)) {
        const kind = m[1]!.toLowerCase() as 'blob' | 'queue' | 'table';
        ports[kind] = Number(m[2]);
      }
      if (ports.blob && ports.queue && ports.table) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited (code ${code}) before it answered. Its output: ${output.slice(-2000)}`));
    });
  });
  try {
    await ready;
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  // Keep draining the pipes so Azurite never blocks on a full buffer.
  child.stdout?.resume();
  child.stderr?.resume();

  const blobPort = ports.blob!;
  const queuePort = ports.queue!;
  const tablePort = ports.table!;
  let stopped: Promise<void> | undefined;
  return {
    connectionString: azuriteConnectionString({ blobPort, queuePort, tablePort }),
    blobPort,
    queuePort,
    tablePort,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 3000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      });
      return stopped;
    },
  };
}
