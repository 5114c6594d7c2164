/**
 * The benchmark's calls to the API (CONTRACTS §6) and the simulator (§4), as the CLI makes
 * them: a client-credentials token for the `retract-cli` app from the simulator's token
 * endpoint, answers validated with the contracts' own schemas.
 */
import https from 'node:https';
import { z } from 'zod';
import { jobAcceptedSchema, jobSchema, lookupSchema, type Job, type Lookup } from '../src/contracts';
import type { TenantFixture } from '../src/sim/fixture';

const tokenSchema = z.object({ access_token: z.string().min(1) });

async function problemText(res: Response): Promise<string> {
  const text = await res.text();
  try {
    const p = JSON.parse(text) as { title?: string; detail?: string };
    return p.detail ?? p.title ?? text.slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}

/** A client-credentials token from the simulator's Entra endpoint. */
export async function clientToken(simOrigin: string, fixture: TenantFixture, appName: string, scope: string): Promise<string> {
  const app = fixture.apps.find((a) => a.name === appName);
  if (!app) throw new Error(`The benchmark tenant has no app named ${appName}.`);
  const res = await fetch(`${simOrigin}/${fixture.tenant.id}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.secret, scope }),
  });
  if (!res.ok) throw new Error(`The simulator refused a token for ${appName} (${res.status}): ${await problemText(res)}`);
  return tokenSchema.parse(await res.json()).access_token;
}

/**
 * One HTTPS request with no time limit. Node's fetch gives up on an answer after 300 s
 * (undici's headersTimeout), and a lookup at 10,000 mailboxes may take longer than that on a
 * loaded machine: the benchmark must measure it, not cut it short.
 */
function request(method: string, url: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) }, agent: keepAlive }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
const keepAlive = new https.Agent({ keepAlive: true });

function problemOf(text: string): string {
  try {
    const p = JSON.parse(text) as { title?: string; detail?: string };
    return p.detail ?? p.title ?? text.slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}

export class ApiClient {
  constructor(
    readonly apiUrl: string,
    private readonly token: string,
  ) {}

  private async call(method: string, route: string, body?: unknown): Promise<unknown> {
    const res = await request(
      method,
      `${this.apiUrl}/${route}`,
      { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body !== undefined ? JSON.stringify(body) : undefined,
    );
    if (res.status < 200 || res.status > 299) throw new Error(`${method} /api/${route} answered ${res.status}: ${problemOf(res.text)}`);
    return JSON.parse(res.text) as unknown;
  }

  async lookup(internetMessageId: string, depth: number): Promise<Lookup> {
    return lookupSchema.parse(await this.call('POST', 'lookups', { internetMessageId, depth }));
  }

  async startJob(lookupId: string, action: 'soft-delete'): Promise<string> {
    return jobAcceptedSchema.parse(await this.call('POST', 'jobs', { lookupId, action, reason: 'benchmark' })).jobId;
  }

  async job(jobId: string): Promise<Job> {
    return jobSchema.parse(await this.call('GET', `jobs/${encodeURIComponent(jobId)}`));
  }

  /** Polls the job until it has ended; `onPoll` sees each answer. */
  async waitForJob(jobId: string, opts: { pollMs: number; timeoutMs: number; onPoll?: (job: Job) => void }): Promise<Job> {
    const deadline = Date.now() + opts.timeoutMs;
    for (;;) {
      const job = await this.job(jobId);
      opts.onPoll?.(job);
      if (job.status !== 'queued' && job.status !== 'running') return job;
      if (Date.now() > deadline) throw new Error(`The job ${jobId} was still ${job.status} after ${Math.round(opts.timeoutMs / 1000)} s (${job.counts.done} of ${job.counts.targets} done).`);
      await new Promise((r) => setTimeout(r, opts.pollMs));
    }
  }
}

/** GET /_sim/mailboxes/{address}/messages, as the simulator lists every folder. */
const simMessageSchema = z.object({ id: z.string(), folder: z.string(), internetMessageId: z.string(), ref: z.string().nullable() });
export type SimMessage = z.infer<typeof simMessageSchema>;

export async function simMessages(simOrigin: string, address: string): Promise<SimMessage[]> {
  const res = await fetch(`${simOrigin}/_sim/mailboxes/${encodeURIComponent(address)}/messages`);
  if (!res.ok) throw new Error(`The simulator could not list ${address}'s messages (${res.status}).`);
  return z.array(simMessageSchema).parse(await res.json());
}

export async function setSimFaults(simOrigin: string, faults: unknown): Promise<void> {
  const res = await fetch(`${simOrigin}/_sim/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
  if (!res.ok) throw new Error(`The simulator refused the fault settings (${res.status}): ${await problemText(res)}`);
}

/** POST /_sim/mail: runs mail ops through the simulator's delivery; answers ref → internetMessageId. */
export async function simMail(simOrigin: string, ops: unknown[]): Promise<Record<string, string>> {
  const res = await fetch(`${simOrigin}/_sim/mail`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ops) });
  if (!res.ok) throw new Error(`The simulator refused the mail ops (${res.status}): ${await problemText(res)}`);
  return z.record(z.string(), z.string()).parse(await res.json());
}

/** Runs `fn` over `items`, `concurrency` at a time, keeping the order of the answers. */
export async function mapLimit<T, R>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}
