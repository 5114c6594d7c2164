/**
 * The real stack for the benchmark, each part in its own process so that each one's memory can
 * be read: Azurite (src/dev/azurite), the simulator with the scenario (processes/sim-process),
 * and the API host with its workers (processes/api-process). Peak memory is read from
 * /proc/PID/status (VmHWM: the kernel's own high-water mark of resident memory) and VmRSS is
 * sampled while phases run so each phase has its own peak.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { ensureDevCerts } from '../src/dev/certs';
import { startAzurite, type AzuriteHandle } from '../src/dev/azurite';
import { localApiEnv } from '../src/dev/api-env';
import type { TenantFixture } from '../src/sim/fixture';
import type { HttpCounts } from './processes/sim-process';

const simReady = z.object({ type: z.literal('ready'), origin: z.string(), pid: z.number(), loadMs: z.number(), startMs: z.number(), messages: z.number() });
const apiReady = z.object({ type: z.literal('ready'), url: z.string(), pid: z.number(), workerPids: z.array(z.number()) });
const countsMessage = z.object({
  type: z.literal('counts'),
  counts: z.object({ graphSingle: z.number(), graphBatch: z.number(), exchange: z.number(), identity: z.number(), control: z.number() }),
});

export interface BenchStack {
  sim: { origin: string; pid: number; loadMs: number; startMs: number; messages: number };
  api: { url: string; pid: number; workerPids: number[] };
  fixture: TenantFixture;
  azurite: AzuriteHandle;
  /** HTTP requests that reached the simulator so far, by kind. */
  httpCounts(): Promise<HttpCounts>;
  memory: MemorySampler;
  stop(): Promise<void>;
}

/** Resident memory of one process, in MiB: now (VmRSS) and its peak over its life (VmHWM). */
export function readMemory(pid: number): { rssMiB: number; hwmMiB: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rssMiB: kb('VmRSS') / 1024, hwmMiB: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** CPU time a process has used so far (user + system), in seconds, from /proc/PID/stat. */
export function readCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
/** USER_HZ: 100 on Linux for every architecture Node runs on. */
const CLOCK_TICKS = 100;

/**
 * Samples VmRSS of named processes; `mark()` ends a phase with each process's peak memory in it,
 * and `cpuMark()` with the CPU seconds each used in it — a figure other load on the machine
 * does not inflate, unlike wall time.
 */
export class MemorySampler {
  private readonly timer: NodeJS.Timeout;
  private phase = new Map<string, number>();
  private cpuAt = new Map<string, number>();
  constructor(
    private readonly pids: () => Record<string, number>,
    intervalMs = 200,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }
  sample(): void {
    for (const [name, pid] of Object.entries(this.pids())) {
      const m = readMemory(pid);
      if (m) this.phase.set(name, Math.max(this.phase.get(name) ?? 0, m.rssMiB));
    }
  }
  /** Peaks since the last mark, and starts a new phase. */
  mark(): Record<string, number> {
    this.sample();
    const out = Object.fromEntries([...this.phase].map(([k, v]) => [k, Math.round(v)]));
    this.phase = new Map();
    return out;
  }
  /** CPU seconds each process used since the last call. */
  cpuMark(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.pids())) {
      const now = readCpuSeconds(pid);
      if (now === undefined) continue;
      out[name] = Math.round((now - (this.cpuAt.get(name) ?? 0)) * 100) / 100;
      this.cpuAt.set(name, now);
    }
    return out;
  }

  /** Lifetime peaks (VmHWM) of every process now. */
  highWater(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, pid] of Object.entries(this.pids())) {
      const m = readMemory(pid);
      if (m) out[name] = Math.round(m.hwmMiB);
    }
    return out;
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

/** The pid of this process's child whose command line holds `needle` (Azurite does not expose its own). */
function childPid(needle: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return undefined;
}

function waitFor<T>(child: ChildProcess, schema: z.ZodType<T>, what: string, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => done(new Error(`${what} did not start within ${Math.round(timeoutMs / 1000)} s.`)), timeoutMs);
    const onMessage = (m: unknown): void => {
      const r = schema.safeParse(m);
      if (r.success) done(undefined, r.data);
    };
    const onExit = (code: number | null): void => done(new Error(`${what} stopped before it was ready (exit code ${code}); its error is printed above.`));
    const done = (err?: Error, value?: T): void => {
      clearTimeout(t);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(value as T);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const t = setTimeout(() => child.kill('SIGKILL'), 8000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startBenchStack(fixture: TenantFixture, opts: { workers: number; log: (line: string) => void }): Promise<BenchStack> {
  const certs = ensureDevCerts();
  const dir = mkdtempSync(path.join(tmpdir(), 'retract-bench-'));
  const fixtureFile = path.join(dir, 'tenant.json');
  writeFileSync(fixtureFile, JSON.stringify(fixture));
  const env = { ...process.env, NODE_EXTRA_CA_CERTS: certs.caFile };
  const children: ChildProcess[] = [];
  let azurite: AzuriteHandle | undefined;
  let memory: MemorySampler | undefined;
  const stop = async (): Promise<void> => {
    memory?.stop();
    for (const c of children.reverse()) await stopChild(c);
    await azurite?.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    azurite = await startAzurite();
    const simChild = fork(path.join(__dirname, 'processes', 'sim-process.ts'), [fixtureFile], { execArgv: ['--import', 'tsx'], env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(simChild);
    const sim = await waitFor(simChild, simReady, 'The simulator', 600_000);
    opts.log(`simulator ready: ${sim.messages.toLocaleString('en')} messages, fixture parsed in ${sim.loadMs} ms, mail ops run in ${sim.startMs} ms`);

    const apiEnv = {
      ...env,
      ...localApiEnv(fixture, sim.origin, azurite.connectionString),
    };
    const apiChild = fork(path.join(__dirname, 'processes', 'api-process.ts'), [String(opts.workers), (fixture.managedDomains ?? []).join(',')], {
      execArgv: ['--import', 'tsx'],
      env: apiEnv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(apiChild);
    const api = await waitFor(apiChild, apiReady, 'The API host', 120_000);

    const azuritePid = childPid('azurite');
    const pids = (): Record<string, number> => {
      const out: Record<string, number> = { sim: sim.pid, api: api.pid };
      if (azuritePid) out.azurite = azuritePid;
      api.workerPids.forEach((p, i) => (out[`worker${api.workerPids.length > 1 ? i + 1 : ''}`] = p));
      out.runner = process.pid;
      return out;
    };
    memory = new MemorySampler(pids);
    const httpCounts = async (): Promise<HttpCounts> => {
      const reply = waitFor(simChild, countsMessage, 'The simulator (counts)', 10_000);
      simChild.send({ type: 'counts' });
      return (await reply).counts;
    };
    return { sim, api, fixture, azurite, httpCounts, memory, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
