/**
 * Reads the simulator's request log (`GET /_sim/requests?since=N`, CONTRACTS §4) while the
 * benchmark runs. The simulator keeps only its last 100,000 records, and one 10,000-mailbox
 * run makes more than that, so the log is polled every second and kept here, compactly.
 * Each record is one Graph sub-request (a `$batch` item is listed on its own, the `$batch`
 * itself once more under its own path), one Exchange request, or one token request.
 */
import { z } from 'zod';

const recordSchema = z.object({
  seq: z.number(),
  method: z.string(),
  path: z.string(),
  status: z.number(),
  mailbox: z.string().nullable(),
  startedAt: z.number(),
  endedAt: z.number(),
});
const pageSchema = z.object({ next: z.number(), requests: z.array(recordSchema) });

/** What a request was for: how the benchmark tells where the time went. */
export type RequestKind =
  | 'batch' // the $batch envelope itself
  | 'directory' // users, groups, members, domains
  | 'find' // GET …/messages?$filter=… or …/mailFolders/{f}/messages?… (a mailbox or folder searched for copies, or for a conversation's forwards and replies)
  | 'folder' // GET …/mailFolders/{name} (well-known folder ids and display names)
  | 'read' // GET …/messages/{id} (the re-read before a change)
  | 'change' // PATCH / DELETE / POST move on a message
  | 'exchange'
  | 'identity'
  | 'other';

export interface CompactRecord {
  kind: RequestKind;
  status: number;
  startedAt: number;
  endedAt: number;
  mailbox: string | null;
}

export function classify(method: string, path: string): RequestKind {
  const p = path.toLowerCase();
  if (/^\/v1\.0\/\$batch\/?$/.test(p)) return 'batch';
  if (p.startsWith('/adminapi/')) return 'exchange';
  if (!p.startsWith('/v1.0/')) return p.startsWith('/_sim/') ? 'other' : 'identity';
  if (/\/messages\/[^/]+(\/(move|permanentdelete))?$/.test(p)) return method === 'GET' ? 'read' : 'change';
  if (/\/messages$/.test(p)) return 'find';
  if (p.includes('/mailfolders/')) return 'folder';
  if (/\/(users|groups|domains)(\/|$)/.test(p)) return 'directory';
  return 'other';
}

/** Requests that may still be running at a poll are found again within this many numbers. */
const LOOK_BACK = 1000;
/** The simulator keeps its last 100,000 records (src/sim/control.ts). */
const LOG_CAPACITY = 99_000;

export class RequestLogReader {
  readonly records: CompactRecord[] = [];
  private next = 0;
  private readonly seen = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  /** Records lost because the simulator's log overflowed between two polls. */
  lost = 0;

  constructor(private readonly simOrigin: string) {}

  async poll(): Promise<void> {
    // One poll at a time: a slow answer must not be read twice.
    this.polling ??= (async () => {
      try {
        // The simulator numbers a request when it starts and logs it when it ends, so a request
        // still running at one poll appears later under a lower number: read back a window and
        // keep each number once.
        const since = Math.max(0, this.next - LOOK_BACK);
        const res = await fetch(`${this.simOrigin}/_sim/requests?since=${since}`);
        if (!res.ok) throw new Error(`The simulator's request log answered ${res.status}.`);
        const page = pageSchema.parse(await res.json());
        const first = page.requests[0];
        // A full log whose oldest record is newer than the last read one has dropped records.
        if (first && page.requests.length >= LOG_CAPACITY && first.seq > this.next) this.lost += first.seq - this.next;
        for (const r of page.requests) {
          if (this.seen.has(r.seq)) continue;
          this.seen.add(r.seq);
          if (r.path.startsWith('/_sim/')) continue;
          this.records.push({ kind: classify(r.method, r.path), status: r.status, startedAt: r.startedAt, endedAt: r.endedAt, mailbox: r.mailbox });
        }
        this.next = page.next;
      } finally {
        this.polling = undefined;
      }
    })();
    return this.polling;
  }

  start(intervalMs = 1000): void {
    this.timer = setInterval(() => void this.poll().catch(() => undefined), intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.polling?.catch(() => undefined);
    await this.poll();
  }

  /** Records of requests that started in [from, to). */
  between(from: number, to: number): CompactRecord[] {
    return this.records.filter((r) => r.startedAt >= from && r.startedAt < to);
  }
}

export interface RequestSummary {
  /** Graph sub-requests (each `$batch` item, and each Graph request sent alone). */
  graphSubRequests: number;
  batches: number;
  /** 429 answers (each throttled sub-request counts). */
  throttled: number;
  /** Other failures (5xx, and 4xx other than 404 and 429). */
  errors: number;
  byKind: Partial<Record<RequestKind, number>>;
  /** The busiest second's Graph sub-requests (the figure the 2,000/s per-app limit is about). */
  peakSubRequestsPerSecond: number;
  /** Sub-requests per second, over the phase. */
  subRequestsPerSecond: number[];
}

export function summarize(records: CompactRecord[], from: number, to: number): RequestSummary {
  const byKind: Partial<Record<RequestKind, number>> = {};
  let graph = 0;
  let throttled = 0;
  let errors = 0;
  const seconds = new Array<number>(Math.max(1, Math.ceil((to - from) / 1000))).fill(0);
  for (const r of records) {
    byKind[r.kind] = (byKind[r.kind] ?? 0) + 1;
    const isGraphItem = r.kind !== 'batch' && r.kind !== 'identity' && r.kind !== 'exchange' && r.kind !== 'other';
    if (isGraphItem) {
      graph++;
      const s = Math.floor((r.startedAt - from) / 1000);
      if (s >= 0 && s < seconds.length) seconds[s]!++;
    }
    if (r.status === 429) throttled++;
    else if (r.status >= 500 || (r.status >= 400 && r.status !== 404)) errors++;
  }
  return {
    graphSubRequests: graph,
    batches: byKind.batch ?? 0,
    throttled,
    errors,
    byKind,
    peakSubRequestsPerSecond: Math.max(0, ...seconds),
    subRequestsPerSecond: seconds,
  };
}
