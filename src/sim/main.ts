/**
 * `npm run sim -- --tenant FILE --port N --latency-ms N --throttle on|off [--cert F --key F] [--host H]`
 * Starts the simulated tenant alone and prints `sim  https://localhost:PORT` once it listens.
 * A bad fixture exits 2 with the JSON path of its first fault; bad arguments exit 2 too.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FixtureError, loadTenantFixture } from './fixture';
import { NO_FAULTS, THROTTLE_ON } from './faults';
import { startSimServer } from './server';

interface Args {
  tenant: string;
  port: number;
  latencyMs: number;
  throttle: boolean;
  cert: string;
  key: string;
  host: string;
}

class UsageError extends Error {}

const USAGE = 'usage: npm run sim -- [--tenant FILE] [--port N] [--latency-ms N] [--throttle on|off] [--cert FILE --key FILE] [--host HOST]';

export function parseArgs(argv: readonly string[], cwd: string): Args {
  const args: Args = {
    tenant: path.resolve(__dirname, 'tenants', 'demo.json'),
    port: 4010,
    latencyMs: 0,
    throttle: false,
    cert: path.resolve(cwd, '.retract', 'certs', 'localhost.crt'),
    key: path.resolve(cwd, '.retract', 'certs', 'localhost.key'),
    host: 'localhost',
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const [name, inline] = flag.includes('=') ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)] : [flag, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value.`);
      return v;
    };
    const int = (v: string, min: number, max: number) => {
      if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max}, not "${v}".`);
      return Number(v);
    };
    switch (name) {
      case '--tenant':
        args.tenant = path.resolve(cwd, value());
        break;
      case '--port':
        args.port = int(value(), 0, 65535);
        break;
      case '--latency-ms':
        args.latencyMs = int(value(), 0, 60000);
        break;
      case '--throttle': {
        const v = value();
        if (v !== 'on' && v !== 'off') throw new UsageError(`--throttle must be "on" or "off", not "${v}".`);
        args.throttle = v === 'on';
        break;
      }
      case '--cert':
        args.cert = path.resolve(cwd, value());
        break;
      case '--key':
        args.key = path.resolve(cwd, value());
        break;
      case '--host':
        args.host = value();
        break;
      case '--help':
      case '-h':
        throw new UsageError('');
      default:
        throw new UsageError(`Unknown option ${flag}.`);
    }
  }
  return args;
}

async function main(): Promise<void> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2), process.cwd());
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.message) console.error(e.message);
      console.error(USAGE);
      process.exit(2);
    }
    throw e;
  }
  let fixture;
  try {
    fixture = loadTenantFixture(args.tenant);
  } catch (e) {
    if (e instanceof FixtureError) {
      console.error(`${args.tenant}: ${e.message}`);
      process.exit(2);
    }
    throw e;
  }
  let cert: string;
  let key: string;
  try {
    cert = readFileSync(args.cert, 'utf8');
    key = readFileSync(args.key, 'utf8');
  } catch (e) {
    console.error(`Cannot read the TLS certificate or key (${(e as Error).message}). Run \`npx tsx src/dev/certs.ts\` or pass --cert and --key.`);
    process.exit(2);
  }
  let server;
  try {
    server = await startSimServer({
      fixture,
      cert,
      key,
      port: args.port,
      host: args.host,
      faults: { ...NO_FAULTS, latencyMs: args.latencyMs, throttle: args.throttle ? THROTTLE_ON : NO_FAULTS.throttle },
    });
  } catch (e) {
    if (e instanceof FixtureError) {
      console.error(`${args.tenant}: ${e.message}`);
      process.exit(2);
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      console.error(`Port ${args.port} is already in use. Stop what uses it or pass --port with another port (0 picks a free one).`);
      process.exit(1);
    }
    throw e;
  }
  console.log(`sim  ${server.origin}`);
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) void main();
