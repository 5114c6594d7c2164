/**
 * Test doubles at the CLI's process boundary: a fake API transport (the HTTP layer under the
 * real API client, answering with documents validated by the contracts' schemas) and a fake
 * CliIo that records stdout and stderr.
 */
import {
  jobSchema,
  lookupSchema,
  problemSchema,
  type Job,
  type JobStatus,
  type Lookup,
} from '../../../src/contracts';
import { createApiClient } from '../../../src/cli/apiClient';
import type { CliIo } from '../../../src/cli/io';
import type { HttpRequest, HttpResponse, HttpTransport } from '../../../src/cli/transport';

export const API = 'https://api.test/api';
/** Connection options so that no dev-stack file is needed. */
export const CONNECT = [
  '--api', API, '--tenant-id', 'tenant-1', '--client-id', 'cli-app', '--client-secret', 'not-a-real-secret',
  '--scope', 'api://localhost:3000/api-app/.default',
];

export interface Reply {
  status: number;
  body?: unknown;
  contentType?: string;
}

type Handler = (req: HttpRequest, url: URL) => Reply;

export class FakeApi implements HttpTransport {
  readonly requests: { method: string; path: string; query: URLSearchParams; body: unknown; authorization?: string }[] = [];
  private readonly routes: { method: string; path: string | RegExp; handler: Handler }[] = [];

  on(method: string, path: string | RegExp, handler: Handler | Reply): this {
    this.routes.push({ method, path, handler: typeof handler === 'function' ? handler : () => handler });
    return this;
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    const url = new URL(req.url);
    const path = url.pathname.replace(/^\/api/, '');
    this.requests.push({
      method: req.method,
      path,
      query: url.searchParams,
      body: req.body === undefined ? undefined : JSON.parse(req.body),
      authorization: req.headers?.authorization,
    });
    const route = this.routes.find(
      (r) => r.method === req.method && (typeof r.path === 'string' ? r.path === path : r.path.test(path)),
    );
    const reply = route ? route.handler(req, url) : problem(404, 'Not found', `No route for ${req.method} ${path}.`);
    const contentType = reply.contentType ?? (reply.status >= 400 ? 'application/problem+json' : 'application/json');
    return {
      status: reply.status,
      headers: { 'content-type': contentType },
      body: typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {}),
    };
  }

  /** Requests other than GETs: what changed something. */
  writes(): string[] {
    return this.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
  }
}

export function problem(status: number, title: string, detail?: string): Reply {
  return { status, body: problemSchema.parse({ type: 'about:blank', title, status, detail }) };
}

export const MESSAGE_ID = '<phish-1@evil.example>';

export function sampleLookup(overrides: Partial<Lookup> = {}): Lookup {
  return lookupSchema.parse({
    lookupId: 'lk-1',
    internetMessageId: MESSAGE_ID,
    depth: 1,
    targets: [
      { mailbox: 'adele@contoso.com', messageId: 'AAMk-adele-1', internetMessageId: MESSAGE_ID, folder: 'inbox', depth: 0, isRead: false, via: null },
      { mailbox: 'megan@contoso.com', messageId: 'AAMk-megan-1', internetMessageId: MESSAGE_ID, folder: 'inbox', depth: 0, isRead: true, via: null },
      { mailbox: 'megan@contoso.com', messageId: 'AAMk-megan-fwd', internetMessageId: '<fwd-1@contoso.com>', folder: 'sentitems', depth: 1, isRead: true, via: MESSAGE_ID },
    ],
    skipped: [{ address: 'pat@gmail.com', reason: 'external' }],
    ambiguous: [{ mailbox: 'lee@contoso.com', messageId: 'AAMk-lee-fwd', internetMessageId: '<fwd-2@contoso.com>', why: 'Another message in this mailbox claims the same thread index.' }],
    stats: { mailboxesSearched: 4, graphRequests: 3, ms: 140 },
    ...overrides,
  });
}

export function sampleJob(status: JobStatus, overrides: Partial<Job> = {}): Job {
  const final = status !== 'queued' && status !== 'running';
  const results = [
    { mailbox: 'adele@contoso.com', messageId: 'AAMk-adele-1', outcome: final ? 'done' : 'pending' },
    { mailbox: 'megan@contoso.com', messageId: 'AAMk-megan-1', outcome: final ? 'already-gone' : 'pending' },
    status === 'partial' || status === 'failed'
      ? { mailbox: 'megan@contoso.com', messageId: 'AAMk-megan-fwd', outcome: 'failed', error: 'MailboxNotEnabledForRESTAPI' }
      : { mailbox: 'megan@contoso.com', messageId: 'AAMk-megan-fwd', outcome: final ? 'done' : 'pending' },
  ];
  const count = (o: string) => results.filter((r) => r.outcome === o).length;
  return jobSchema.parse({
    jobId: 'job-1',
    status,
    action: 'soft-delete',
    lookupId: 'lk-1',
    counts: { targets: 3, done: count('done'), alreadyGone: count('already-gone'), failed: count('failed') },
    results,
    ...overrides,
  });
}

export interface FakeIo {
  io: CliIo;
  stdout(): string;
  stderr(): string;
  /** How many times the CLI asked a question. */
  asked: string[];
  /** Fires Ctrl-C (to whoever listens). */
  interrupt(): void;
  listeners(): number;
}

export function fakeIo(api: FakeApi, options: { stdinTTY?: boolean; stderrTTY?: boolean; answers?: string[]; env?: Record<string, string>; onSleep?: (n: number) => void } = {}): FakeIo {
  let out = '';
  let err = '';
  const asked: string[] = [];
  const answers = [...(options.answers ?? [])];
  const handlers = new Set<() => void>();
  let sleeps = 0;
  const io: CliIo = {
    stdout: { write: (t: string) => (out += t), isTTY: false },
    stderr: { write: (t: string) => (err += t), isTTY: options.stderrTTY ?? false },
    stdin: { isTTY: options.stdinTTY ?? false },
    env: options.env ?? {},
    cwd: '/nowhere',
    ask: async (q) => {
      asked.push(q);
      return answers.shift() ?? '';
    },
    onInterrupt: (h) => {
      handlers.add(h);
      return () => handlers.delete(h);
    },
    sleep: async (_ms, signal) => {
      options.onSleep?.(++sleeps);
      if (signal?.aborted) return;
    },
    connect: (connection) => createApiClient(connection.api, { getToken: async () => 'token-for-tests' }, api),
  };
  return {
    io,
    stdout: () => out,
    stderr: () => err,
    asked,
    interrupt: () => handlers.forEach((h) => h()),
    listeners: () => handlers.size,
  };
}
