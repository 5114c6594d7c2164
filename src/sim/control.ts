/**
 * The simulator's own endpoints (CONTRACTS §4), for tests and the demo only:
 *   GET  /_sim/health
 *   GET  /_sim/mailboxes/{address}/messages   every folder, Recoverable Items included
 *   POST /_sim/mail                           one §3 mail op or an array → { ref: internetMessageId }
 *   GET  /_sim/requests?since=N               requests with seq ≥ N → { next, requests }
 *   GET|PUT /_sim/faults
 * (/_sim/ome/… and /_sim/keys/… belong to the identity and exchange parts.)
 */
import { z } from 'zod';
import type { SimContext, SimPart } from './context';
import type { FaultState } from './faults';
import { jsonPath, mailOpSchema } from './fixture';
import { json, type SimRequest, type SimResponse, type SimRouter } from './http';
import { MailError } from './mailstore';

export interface RequestRecord {
  seq: number;
  method: string;
  path: string;
  status: number;
  /** The mailbox addressed (its primary SMTP address when known), or null. */
  mailbox: string | null;
  startedAt: number;
  endedAt: number;
  /**
   * A connection fault injected on this request (PUT /_sim/faults `connection`): `reset` and
   * `hang` (status 0: nothing was done, no answer), or `lost-answer` (done, and its answer, with
   * this status, never sent). Absent on every other request.
   */
  fault?: ConnectionFault;
}

export type ConnectionFault = 'reset' | 'hang' | 'lost-answer';

export class RequestLog {
  private readonly records: RequestRecord[] = [];
  private seq = 0;
  /** Kept bounded so a long demo run does not grow without end. */
  constructor(private readonly max = 100_000) {}

  nextSeq(): number {
    return ++this.seq;
  }

  add(r: RequestRecord): void {
    this.records.push(r);
    if (this.records.length > this.max) this.records.splice(0, this.records.length - this.max);
  }

  /** Marks a request already recorded with the connection fault it met. */
  mark(seq: number, fault: ConnectionFault): void {
    const r = this.records.find((x) => x.seq === seq);
    if (r) r.fault = fault;
  }

  since(n: number): { next: number; requests: RequestRecord[] } {
    const requests = this.records.filter((r) => r.seq >= n).sort((a, b) => a.seq - b.seq);
    return { next: Math.max(n, this.seq + 1), requests };
  }
}

function simError(status: number, message: string, path?: string): SimResponse {
  return json(status, { error: { code: status === 404 ? 'NotFound' : 'BadRequest', message, ...(path ? { path } : {}) } });
}

function bodyJson(req: SimRequest): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(req.body.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

export function createControlPart(state: { faults: FaultState; requests: RequestLog }): SimPart {
  return {
    register(router: SimRouter, ctx: SimContext) {
      const store = ctx.tenant.mail;
      router.get('/_sim/health', () => json(200, { status: 'ok', tenantId: ctx.tenantId, mailboxes: ctx.tenant.users.filter((u) => u.mailbox !== 'none').length, messages: store.messageCount() }));

      router.get('/_sim/mailboxes/:address/messages', (req) => {
        const a = req.params.address!;
        const user = ctx.tenant.findUserByAddress(a) ?? ctx.tenant.findUser(a);
        if (!user) return simError(404, `No user of this tenant has the address ${a}.`);
        const mb = store.mailboxOf(user);
        if (!mb) return json(200, []);
        const out = [];
        for (const f of mb.folders)
          for (const m of f.messages.values())
            out.push({
              id: m.immutableId,
              folder: f.wellKnownName === 'msgfolderroot' ? f.displayName : f.wellKnownName,
              internetMessageId: m.send.internetMessageId,
              conversationId: m.send.conversationId,
              subject: m.send.subject,
              from: m.send.from.address,
              toRecipients: m.send.to.map((r) => r.address),
              receivedDateTime: m.receivedAt.toISOString(),
              isRead: m.isRead,
              ref: m.send.ref ?? null,
            });
        out.sort((x, y) => (x.receivedDateTime < y.receivedDateTime ? 1 : -1));
        return json(200, out);
      });

      router.post('/_sim/mail', (req) => {
        const parsed = bodyJson(req);
        if (!parsed.ok) return simError(400, 'The body is not JSON: send one mail op or an array of them.');
        const ops = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
        const schema = z.array(mailOpSchema);
        const r = schema.safeParse(ops);
        if (!r.success) {
          const issue = r.error.issues[0]!;
          const where = jsonPath(Array.isArray(parsed.value) ? issue.path : issue.path.slice(1));
          return simError(400, `The mail op is refused at ${where}: ${issue.message}`, where);
        }
        const out: Record<string, string> = {};
        for (const [i, op] of r.data.entries()) {
          try {
            const send = store.runOp(op, op.at ? new Date(op.at) : ctx.now());
            out[op.ref] = send.internetMessageId;
          } catch (e) {
            if (!(e instanceof MailError)) throw e;
            const where = jsonPath([...(Array.isArray(parsed.value) ? [i] : []), ...(e.field ? [e.field] : [])]);
            return simError(400, `The mail op is refused at ${where}: ${e.message}`, where);
          }
        }
        return json(200, out);
      });

      router.get('/_sim/requests', (req) => {
        const s = req.url.searchParams.get('since') ?? '0';
        if (!/^\d+$/.test(s)) return simError(400, 'since must be a whole number (the `next` of an earlier answer).');
        return json(200, state.requests.since(Number(s)));
      });

      router.get('/_sim/faults', () => json(200, state.faults.faults));
      router.put('/_sim/faults', (req) => {
        const parsed = bodyJson(req);
        if (!parsed.ok) return simError(400, 'The body is not JSON.');
        try {
          return json(200, state.faults.set(parsed.value));
        } catch (e) {
          if (e instanceof z.ZodError) {
            const issue = e.issues[0]!;
            return simError(400, `Fault settings refused at ${jsonPath(issue.path)}: ${issue.message}`, jsonPath(issue.path));
          }
          throw e;
        }
      });
    },
  };
}
