/**
 * The commands of CONTRACTS §5. Each validates its arguments first (exit 2 before any
 * request), calls the API, prints the result and answers with its exit code.
 */
import {
  auditPageSchema,
  auditVerifySchema,
  jobAcceptedSchema,
  jobListSchema,
  jobSchema,
  lookupSchema,
  omeRevokeSchema,
  omeStatusSchema,
  setupSchema,
  domainsSettingsSchema,
  traceSchema,
  type AuditRecord,
  type Job,
  type JobRequest,
  type Lookup,
  type LookupRequestInput,
} from '../contracts';
import {
  parseAction,
  parseDepth,
  parseDomains,
  parseInternetMessageId,
  parseJobId,
  parseMessageIds,
  parseSection,
  parseText,
  parseTime,
} from './args';
import { CliError, ExitCode, type ExitCodeValue } from './exitCodes';
import { exitCodeForJob, selectTargets, waitForJob } from './jobs';
import {
  formatAudit,
  formatDomains,
  formatJob,
  formatJobs,
  formatLookup,
  formatOmeRevoked,
  formatOmeStatus,
  formatSetup,
  formatTrace,
  formatVerify,
} from './output';
import type { Runtime } from './runtime';
import { plural } from './table';

export interface LookupOptions {
  depth?: string;
  includeSenderCopy?: boolean;
}

export interface RunOptions extends LookupOptions {
  action?: string;
  exclude?: string;
  include?: string;
  yes?: boolean;
  /** Why, for the audit (an incident or ticket number). */
  reason?: string;
}

function lookupRequest(internetMessageId: string, depth: number | undefined, includeSenderCopy: boolean | undefined): LookupRequestInput {
  const body: LookupRequestInput = { internetMessageId };
  if (depth !== undefined) body.depth = depth;
  if (includeSenderCopy) body.includeSenderCopy = true;
  return body;
}

export async function lookupCommand(rt: Runtime, id: string, options: LookupOptions): Promise<ExitCodeValue> {
  const internetMessageId = parseInternetMessageId(id);
  const depth = parseDepth(options.depth);
  const lookup = await rt.api().post('/lookups', lookupRequest(internetMessageId, depth, options.includeSenderCopy), lookupSchema);
  rt.result(lookup, formatLookup(lookup));
  return ExitCode.done;
}

/** Ends a command that waited for a job: prints it, or says how to find it after Ctrl-C. */
function finishWait(rt: Runtime, job: Job, interrupted: boolean, command: 'run' | 'undo' | 'cancel'): ExitCodeValue {
  if (interrupted) {
    // The job goes on in the API; the person needs its id to come back to it.
    rt.io.stderr.write(
      `Stopped waiting. Job ${job.jobId} goes on (${job.status}); follow it with \`retract status ${job.jobId}\`.\n`,
    );
    if (rt.json) rt.result(job, '');
    else rt.io.stdout.write(`${job.jobId}\n`);
    return ExitCode.interrupted;
  }
  rt.result(job, formatJob(job));
  return exitCodeForJob(job.status, command);
}

function confirmQuestion(action: string, count: number, mailboxes: number): string {
  const what = `${plural(count, 'message')} in ${plural(mailboxes, 'mailbox', 'mailboxes')}`;
  const warning = action === 'hard-delete' ? ' Hard delete cannot be undone from Retract.' : '';
  return `${action} ${what}?${warning} Type yes to go on: `;
}

export async function runCommand(rt: Runtime, id: string, options: RunOptions): Promise<ExitCodeValue> {
  const internetMessageId = parseInternetMessageId(id);
  const depth = parseDepth(options.depth);
  const action = parseAction(options.action);
  const exclude = parseMessageIds('--exclude', options.exclude);
  const include = parseMessageIds('--include', options.include);
  const reason = parseText('--reason', options.reason, 1000);

  const api = rt.api();
  const lookup: Lookup = await api.post('/lookups', lookupRequest(internetMessageId, depth, options.includeSenderCopy), lookupSchema);
  const selection = selectTargets(lookup, exclude, include);

  // The preview: on stdout in human form; with --json stdout holds only the job, so on stderr.
  if (!options.yes) {
    if (rt.json) rt.io.stderr.write(formatLookup(lookup));
    else rt.io.stdout.write(formatLookup(lookup));
    if (rt.io.stdin.isTTY !== true) {
      throw new CliError(
        `Not run: stdin is not a terminal, so there is no one to confirm. Nothing was changed; add --yes to ${action} these ${plural(selection.count, 'message')}.`,
        ExitCode.usage,
      );
    }
    const answer = (await rt.io.ask(confirmQuestion(action, selection.count, selection.mailboxes))).trim().toLowerCase();
    if (answer !== 'yes' && answer !== 'y') {
      rt.io.stderr.write('Not run: nothing was changed.\n');
      return ExitCode.failed;
    }
  } else if (!rt.json && !rt.quiet) {
    rt.io.stdout.write(formatLookup(lookup) + '\n');
  } else {
    rt.note(
      `Lookup ${lookup.lookupId}: ${plural(selection.count, 'message')} in ${plural(selection.mailboxes, 'mailbox', 'mailboxes')}, ${lookup.skipped.length} skipped.`,
    );
  }

  const request: JobRequest = { lookupId: lookup.lookupId, action };
  if (exclude.length > 0) request.exclude = exclude;
  if (include.length > 0) request.include = include;
  if (reason) request.reason = reason;
  const accepted = await api.post('/jobs', request, jobAcceptedSchema);
  rt.note(`Job ${accepted.jobId} started: ${action} of ${plural(selection.count, 'message')}.`);
  const { job, interrupted } = await waitForJob(api, rt.io, accepted.jobId, { quiet: rt.quiet });
  return finishWait(rt, job, interrupted, 'run');
}

export async function statusCommand(rt: Runtime, id: string): Promise<ExitCodeValue> {
  const jobId = parseJobId(id);
  const job = await rt.api().get(`/jobs/${encodeURIComponent(jobId)}`, jobSchema);
  rt.result(job, formatJob(job));
  return exitCodeForJob(job.status, 'status');
}

export async function undoCommand(rt: Runtime, id: string): Promise<ExitCodeValue> {
  const jobId = parseJobId(id);
  const api = rt.api();
  const accepted = await api.post(`/jobs/${encodeURIComponent(jobId)}/undo`, {}, jobAcceptedSchema);
  rt.note(`Undo job ${accepted.jobId} started for job ${jobId}.`);
  const { job, interrupted } = await waitForJob(api, rt.io, accepted.jobId, { quiet: rt.quiet });
  return finishWait(rt, job, interrupted, 'undo');
}

export async function cancelCommand(rt: Runtime, id: string): Promise<ExitCodeValue> {
  const jobId = parseJobId(id);
  const api = rt.api();
  const accepted = await api.post(`/jobs/${encodeURIComponent(jobId)}/cancel`, {}, jobAcceptedSchema);
  rt.note(`Cancelling job ${accepted.jobId}; waiting for it to stop.`);
  const { job, interrupted } = await waitForJob(api, rt.io, accepted.jobId, { quiet: rt.quiet });
  return finishWait(rt, job, interrupted, 'cancel');
}

export async function jobsCommand(rt: Runtime, options: { since?: string }): Promise<ExitCodeValue> {
  const since = parseTime('--since', options.since);
  const list = await rt.api().get('/jobs', jobListSchema, { since });
  rt.result(list, formatJobs(list));
  return ExitCode.done;
}

export interface AuditOptions {
  section?: string;
  actor?: string;
  internetMessageId?: string;
  since?: string;
  until?: string;
}

/** Pages through the audit to the end: the result is one page holding every record. */
export async function auditCommand(rt: Runtime, options: AuditOptions): Promise<ExitCodeValue> {
  const query = {
    section: parseSection(options.section),
    actor: parseText('--actor', options.actor),
    internetMessageId:
      options.internetMessageId === undefined ? undefined : parseInternetMessageId(options.internetMessageId),
    since: parseTime('--since', options.since),
    until: parseTime('--until', options.until),
  };
  const api = rt.api();
  const records: AuditRecord[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (;;) {
    const page = await api.get('/audit', auditPageSchema, { ...query, cursor });
    records.push(...page.records);
    if (!page.nextCursor) break;
    if (seen.has(page.nextCursor)) {
      throw new CliError('The API gave the same audit page cursor twice; stopped reading to avoid a loop.', ExitCode.failed);
    }
    seen.add(page.nextCursor);
    cursor = page.nextCursor;
  }
  const all = { records, nextCursor: null };
  rt.result(all, formatAudit(all));
  return ExitCode.done;
}

export async function auditVerifyCommand(rt: Runtime): Promise<ExitCodeValue> {
  const verify = await rt.api().get('/audit/verify', auditVerifySchema);
  rt.result(verify, formatVerify(verify));
  return verify.ok ? ExitCode.done : ExitCode.failed;
}

export async function omeStatusCommand(rt: Runtime, id: string): Promise<ExitCodeValue> {
  const internetMessageId = parseInternetMessageId(id);
  const status = await rt.api().get('/ome', omeStatusSchema, { internetMessageId });
  rt.result(status, formatOmeStatus(internetMessageId, status));
  return ExitCode.done;
}

export async function omeRevokeCommand(rt: Runtime, id: string): Promise<ExitCodeValue> {
  const internetMessageId = parseInternetMessageId(id);
  const revoked = await rt.api().post('/ome/revoke', { internetMessageId }, omeRevokeSchema);
  rt.result(revoked, formatOmeRevoked(internetMessageId));
  return ExitCode.done;
}

export interface TraceOptions {
  sender?: string;
  recipient?: string;
  subject?: string;
  since?: string;
  until?: string;
}

export async function traceCommand(rt: Runtime, options: TraceOptions): Promise<ExitCodeValue> {
  const query = {
    sender: parseText('--sender', options.sender),
    recipient: parseText('--recipient', options.recipient),
    subject: parseText('--subject', options.subject, 500),
    since: parseTime('--since', options.since),
    until: parseTime('--until', options.until),
  };
  const trace = await rt.api().get('/trace', traceSchema, query);
  rt.result(trace, formatTrace(trace));
  return ExitCode.done;
}

export async function setupCommand(rt: Runtime): Promise<ExitCodeValue> {
  const setup = await rt.api().get('/setup', setupSchema);
  rt.result(setup, formatSetup(setup));
  return ExitCode.done;
}

/**
 * `settings domains`: the managed domains with their Setup status. With --set, the list is
 * replaced first (PUT /api/settings/domains); either way the answer is `{ domains: [{ domain,
 * status }] }` as GET /api/setup reports them.
 */
export async function settingsDomainsCommand(rt: Runtime, options: { set?: string }): Promise<ExitCodeValue> {
  const domains = options.set === undefined ? undefined : parseDomains(options.set);
  const api = rt.api();
  if (domains) {
    const saved = await api.put('/settings/domains', { domains }, domainsSettingsSchema);
    rt.note(`Managed domains set: ${saved.domains.join(', ')}.`);
  }
  const setup = await api.get('/setup', setupSchema);
  const result = { domains: setup.domains };
  rt.result(result, formatDomains(result.domains));
  return ExitCode.done;
}
