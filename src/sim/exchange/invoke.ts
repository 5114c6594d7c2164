/**
 * `POST /adminapi/beta/{tenant}/InvokeCommand`: Exchange Online's admin API as the
 * ExchangeOnlineManagement v3 module calls it. Body `{"CmdletInput":{"CmdletName","Parameters"}}`;
 * answer `{"@odata.context","value":[…]}` with `@odata.nextLink` when more rows follow (the
 * client POSTs the same body to it). Parameters bind as PowerShell binds them: names are
 * case-insensitive, unknown or missing mandatory ones fail with PowerShell's own messages.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { SimContext } from '../context';
import type { SimRequest, SimResponse } from '../http';
import { json, parseJsonBody } from '../http';
import { asciiLower } from '../fixture';
import { exchangeError } from '../identity/errors';
import { OmeService, normalizeMessageId } from './ome';
import { runTrace, type TraceQuery } from './trace';

const PAGE_SIZE = 1000;
const TRACE_WINDOW_MS = 5 * 60_000;
const TRACE_QUERIES_PER_WINDOW = 100;
/** The system mailbox the module anchors app-only calls to. */
const SYSTEM_MAILBOX = 'SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}';

const bodySchema = z.object({
  CmdletInput: z.object({
    CmdletName: z.string().min(1),
    Parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});

type ParamType = 'string' | 'strings' | 'date' | 'bool' | 'int';
interface CmdletSpec {
  params: Record<string, { type: ParamType; mandatory?: boolean }>;
}

/** PowerShell's common parameters: accepted by every cmdlet, without effect here. */
const COMMON = ['ErrorAction', 'WarningAction', 'InformationAction', 'Verbose', 'Debug', 'ErrorVariable', 'WarningVariable', 'InformationVariable', 'OutVariable', 'OutBuffer', 'PipelineVariable'];

const CMDLETS: Record<string, CmdletSpec> = {
  'Get-OMEMessageStatus': { params: { MessageId: { type: 'string', mandatory: true } } },
  'Set-OMEMessageRevocation': { params: { MessageId: { type: 'string', mandatory: true }, Revoke: { type: 'bool', mandatory: true }, Confirm: { type: 'bool' }, WhatIf: { type: 'bool' } } },
  'Get-MessageTraceV2': {
    params: {
      MessageId: { type: 'strings' },
      MessageTraceId: { type: 'strings' },
      SenderAddress: { type: 'strings' },
      RecipientAddress: { type: 'strings' },
      Subject: { type: 'string' },
      SubjectFilterType: { type: 'string' },
      StartDate: { type: 'date' },
      EndDate: { type: 'date' },
      Status: { type: 'strings' },
      FromIP: { type: 'string' },
      ToIP: { type: 'string' },
      ResultSize: { type: 'int' },
      StartingRecipientAddress: { type: 'string' },
    },
  },
};

type Bound = Record<string, string | string[] | Date | boolean | number>;
type BindResult = { ok: true; cmdlet: string; params: Bound } | { ok: false; response: SimResponse };

const BINDING = 'System.Management.Automation.ParameterBindingException';

function bindingError(text: string): SimResponse {
  return exchangeError(400, 'BadRequest', BINDING, text);
}

function convert(name: string, type: ParamType, value: unknown): { ok: true; value: Bound[string] } | { ok: false; response: SimResponse } {
  const cannot = (target: string) => ({ ok: false as const, response: bindingError(`Cannot bind parameter '${name}'. Cannot convert value "${String(value)}" to type "${target}".`) });
  switch (type) {
    case 'string':
      return typeof value === 'string' || typeof value === 'number' ? { ok: true, value: String(value) } : cannot('System.String');
    case 'strings':
      if (typeof value === 'string') return { ok: true, value: [value] };
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return { ok: true, value: value as string[] };
      return cannot('System.String[]');
    case 'date': {
      const d = typeof value === 'string' ? new Date(value) : undefined;
      return d && !Number.isNaN(d.getTime()) ? { ok: true, value: d } : cannot('System.DateTime');
    }
    case 'bool':
      if (typeof value === 'boolean') return { ok: true, value };
      if (typeof value === 'string' && /^\$?(true|false)$/i.test(value)) return { ok: true, value: /true/i.test(value) };
      return cannot('System.Boolean');
    case 'int': {
      const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN;
      return Number.isInteger(n) ? { ok: true, value: n } : cannot('System.Int32');
    }
  }
}

function bind(cmdletName: string, raw: Record<string, unknown>): BindResult {
  const cmdlet = Object.keys(CMDLETS).find((c) => c.toLowerCase() === cmdletName.toLowerCase());
  if (!cmdlet) {
    return {
      ok: false,
      response: exchangeError(
        400,
        'BadRequest',
        'System.Management.Automation.CommandNotFoundException',
        `The term '${cmdletName}' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again.`,
      ),
    };
  }
  const spec = CMDLETS[cmdlet]!;
  const params: Bound = {};
  for (const [name, value] of Object.entries(raw)) {
    if (COMMON.some((c) => c.toLowerCase() === name.toLowerCase())) continue;
    const known = Object.keys(spec.params).find((p) => p.toLowerCase() === name.toLowerCase());
    if (!known) return { ok: false, response: bindingError(`A parameter cannot be found that matches parameter name '${name}'.`) };
    const converted = convert(known, spec.params[known]!.type, value);
    if (!converted.ok) return converted;
    params[known] = converted.value;
  }
  const missing = Object.entries(spec.params)
    .filter(([p, s]) => s.mandatory && params[p] === undefined)
    .map(([p]) => p);
  if (missing.length > 0) return { ok: false, response: bindingError(`Cannot process command because of one or more missing mandatory parameters: ${missing.join(' ')}.`) };
  return { ok: true, cmdlet, params };
}

export class ExchangeAdminApi {
  readonly ome: OmeService;
  private readonly traceQueries: number[] = [];

  constructor(private readonly ctx: SimContext) {
    this.ome = new OmeService(ctx.tenant);
  }

  private tenantMatches(segment: string): boolean {
    const s = asciiLower(segment);
    const t = this.ctx.tenant;
    return s === t.id.toLowerCase() || s === asciiLower(t.initialDomain) || t.domains.some((d) => d.isVerified && asciiLower(d.id) === s);
  }

  async handle(req: SimRequest): Promise<SimResponse> {
    const tenantSegment = req.params.tenant ?? '';
    if (!this.tenantMatches(tenantSegment)) {
      return exchangeError(404, 'NotFound', 'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException', `The tenant '${tenantSegment}' wasn't found. Use the tenant id or one of its accepted domains.`);
    }
    const check = this.ctx.identity.authorize(req, 'exchange', ['Exchange.ManageAsApp']);
    if (!check.ok) return check.response;
    const anchor = req.headers['x-anchormailbox'];
    const anchorValue = Array.isArray(anchor) ? anchor[0] : anchor;
    if (!anchorValue || !/^(APP|UPN|SMTP):\S+@\S+$/i.test(anchorValue)) {
      // Stricter than documented behaviour: the module always sends the anchor, so its absence
      // is a client bug worth surfacing.
      return exchangeError(400, 'BadRequest', 'Microsoft.Exchange.Admin.Api.InvalidAnchorMailboxException', `Send the X-AnchorMailbox header, e.g. APP:${SYSTEM_MAILBOX}@${this.ctx.tenantId}.`);
    }
    const parsed = bodySchema.safeParse(parseJsonBody(req));
    if (!parsed.success) {
      return exchangeError(400, 'BadRequest', 'Microsoft.OData.ODataException', 'The request body must be JSON of the form {"CmdletInput":{"CmdletName":"<cmdlet>","Parameters":{…}}}.');
    }
    const bound = bind(parsed.data.CmdletInput.CmdletName, parsed.data.CmdletInput.Parameters ?? {});
    if (!bound.ok) return bound.response;

    const skiptoken = req.url.searchParams.get('$skiptoken');
    const queryKey = createHash('sha256').update(JSON.stringify(parsed.data)).digest('base64url').slice(0, 16);
    let offset = 0;
    if (skiptoken) {
      const decoded = /^(\d+)\.([\w-]+)$/.exec(skiptoken);
      if (!decoded || decoded[2] !== queryKey) {
        return exchangeError(400, 'BadRequest', 'Microsoft.OData.ODataException', 'The $skiptoken does not belong to this query. POST the same body to the @odata.nextLink you received.');
      }
      offset = Number(decoded[1]);
    }

    let rows: Record<string, unknown>[];
    switch (bound.cmdlet) {
      case 'Get-OMEMessageStatus': {
        const m = this.ome.find(String(bound.params.MessageId));
        if (!m) return this.notFound(String(bound.params.MessageId));
        rows = [{ Subject: m.send.subject, IsRevocable: m.isRevocable, Revoked: m.revoked }];
        break;
      }
      case 'Set-OMEMessageRevocation': {
        const m = this.ome.find(String(bound.params.MessageId));
        if (!m) return this.notFound(String(bound.params.MessageId));
        if (bound.params.Revoke === true && bound.params.WhatIf !== true) {
          if (!m.isRevocable) {
            return exchangeError(
              400,
              'BadRequest',
              'Microsoft.Exchange.Management.OMEService.OMEMessageNotRevocableException',
              `The message ${m.send.internetMessageId} can't be revoked: at least one recipient reads it inline in Outlook (Microsoft 365 or a Microsoft account). Only messages whose recipients all use the encrypted message portal can be revoked.`,
            );
          }
          this.ome.revoke(m);
        }
        rows = [];
        break;
      }
      case 'Get-MessageTraceV2': {
        if (!skiptoken) {
          const limited = this.throttleTrace();
          if (limited) return limited;
        }
        const p = bound.params;
        const sft = typeof p.SubjectFilterType === 'string' ? p.SubjectFilterType : undefined;
        const subjectFilterType = sft ? (['Contains', 'StartsWith', 'EndsWith'].find((v) => v.toLowerCase() === sft.toLowerCase()) as TraceQuery['subjectFilterType']) : undefined;
        if (sft && !subjectFilterType) return bindingError(`Cannot bind parameter 'SubjectFilterType'. Cannot convert value "${sft}": valid values are Contains, StartsWith, EndsWith.`);
        const outcome = runTrace(
          this.ctx.tenant,
          {
            senderAddress: p.SenderAddress as string[] | undefined,
            recipientAddress: p.RecipientAddress as string[] | undefined,
            subject: p.Subject as string | undefined,
            subjectFilterType,
            startDate: p.StartDate as Date | undefined,
            endDate: p.EndDate as Date | undefined,
            messageId: p.MessageId as string[] | undefined,
            messageTraceId: p.MessageTraceId as string[] | undefined,
            status: p.Status as string[] | undefined,
            resultSize: p.ResultSize as number | undefined,
            startingRecipientAddress: p.StartingRecipientAddress as string | undefined,
          },
          this.ctx.now(),
        );
        if (!outcome.ok) return exchangeError(400, 'BadRequest', 'Microsoft.Exchange.Management.FfoReporting.InvalidQueryException', outcome.text);
        rows = outcome.rows;
        break;
      }
      default:
        throw new Error(`unreachable: ${bound.cmdlet}`);
    }

    const pageSize = this.pageSize(req);
    const page = rows.slice(offset, offset + pageSize);
    // Links name the host the client called, as Exchange names its own.
    const base = `${req.url.origin || this.ctx.origin}/adminapi/beta/${encodeURIComponent(tenantSegment)}`;
    const body: Record<string, unknown> = { '@odata.context': `${base}/$metadata#Collection(Exchange.GenericHashTable)`, value: page };
    if (offset + pageSize < rows.length) body['@odata.nextLink'] = `${base}/InvokeCommand?%24skiptoken=${offset + pageSize}.${queryKey}`;
    return json(200, body, { 'odata-version': '4.0' });
  }

  /** OData's `Prefer: odata.maxpagesize=N` lowers the page size (never above Exchange's 1,000). */
  private pageSize(req: SimRequest): number {
    const prefer = req.headers.prefer;
    const value = Array.isArray(prefer) ? prefer.join(',') : (prefer ?? '');
    const m = /odata\.maxpagesize=(\d+)/i.exec(value);
    const n = m ? Number(m[1]) : PAGE_SIZE;
    return Math.max(1, Math.min(PAGE_SIZE, n));
  }

  private throttleTrace(): SimResponse | undefined {
    const now = this.ctx.now().getTime();
    while (this.traceQueries.length > 0 && this.traceQueries[0]! <= now - TRACE_WINDOW_MS) this.traceQueries.shift();
    if (this.traceQueries.length >= TRACE_QUERIES_PER_WINDOW) {
      const retryAfter = Math.max(1, Math.ceil((this.traceQueries[0]! + TRACE_WINDOW_MS - now) / 1000));
      return exchangeError(
        429,
        'TooManyRequests',
        'Microsoft.Exchange.Management.FfoReporting.ThrottlingException',
        `Get-MessageTraceV2 is limited to ${TRACE_QUERIES_PER_WINDOW} queries per 5 minutes for a tenant. Try again in ${retryAfter} seconds.`,
        { 'retry-after': String(retryAfter) },
      );
    }
    this.traceQueries.push(now);
    return undefined;
  }

  private notFound(messageId: string): SimResponse {
    return exchangeError(
      404,
      'NotFound',
      'Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException',
      `The encrypted message with MessageId '${normalizeMessageId(messageId)}' wasn't found. Check the MessageId: only messages this organization sent with Office 365 Message Encryption have an OME status.`,
    );
  }
}
