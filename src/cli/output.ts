/**
 * Human output of each command: what an analyst at a terminal reads. (`--json` prints the API's
 * documents instead, unchanged.)
 */
import type { AuditPage, AuditRecord, AuditVerify, Job, JobList, Lookup, OmeStatus, Setup, Trace } from '../contracts';
import { fields, plural, printable, table } from './table';

function mailboxCount(items: { mailbox: string }[]): number {
  return new Set(items.map((i) => i.mailbox.toLowerCase())).size;
}

export function formatLookup(lookup: Lookup): string {
  const parts: string[] = [];
  parts.push(
    `Lookup ${lookup.lookupId} for ${printable(lookup.internetMessageId)}, depth ${lookup.depth}: ` +
      `${plural(lookup.targets.length, 'target')} in ${plural(mailboxCount(lookup.targets), 'mailbox', 'mailboxes')}.\n`,
  );
  if (lookup.targets.length > 0) {
    parts.push(
      '\n' +
        table(
          ['MAILBOX', 'FOLDER', 'DEPTH', 'READ', 'VIA', 'MESSAGEID'],
          lookup.targets.map((t) => [t.mailbox, t.folder, t.depth, t.isRead, t.via, t.messageId]),
        ),
    );
  }
  if (lookup.skipped.length > 0) {
    parts.push(
      `\nSkipped (${lookup.skipped.length}), cannot be retracted here:\n` +
        table(['ADDRESS', 'REASON', 'ERROR'], lookup.skipped.map((s) => [s.address, s.reason, s.error])),
    );
  }
  if (lookup.ambiguous.length > 0) {
    parts.push(
      `\nAmbiguous forwards (${lookup.ambiguous.length}), left out unless named with --include:\n` +
        table(['MAILBOX', 'WHY', 'MESSAGEID'], lookup.ambiguous.map((a) => [a.mailbox, a.why, a.messageId])),
    );
  }
  parts.push(
    `\nSearched ${plural(lookup.stats.mailboxesSearched, 'mailbox', 'mailboxes')} with ` +
      `${plural(lookup.stats.graphRequests, 'Graph request')} in ${Math.round(lookup.stats.ms)} ms.\n`,
  );
  return parts.join('');
}

function countsLine(job: Pick<Job, 'counts'>): string {
  const c = job.counts;
  return `${plural(c.targets, 'target')}: ${c.done} done, ${c.alreadyGone} already gone, ${c.failed} failed`;
}

export function formatJob(job: Job): string {
  const what = job.action === 'undo' ? `undo${job.undoOf ? ` of job ${job.undoOf}` : ''}` : job.action;
  let out = `Job ${job.jobId}: ${job.status} (${what}, lookup ${job.lookupId}).\n${countsLine(job)}.\n`;
  if (job.results.length > 0) {
    out +=
      '\n' +
      table(
        ['MAILBOX', 'OUTCOME', 'ERROR', 'MESSAGEID'],
        job.results.map((r) => [r.mailbox, r.outcome, r.error, r.messageId]),
      );
  }
  return out;
}

export function formatJobs(list: JobList): string {
  if (list.jobs.length === 0) return 'No jobs.\n';
  return table(
    ['JOB', 'STATUS', 'ACTION', 'TARGETS', 'DONE', 'GONE', 'FAILED', 'CREATED', 'INTERNETMESSAGEID'],
    list.jobs.map((j) => [
      j.jobId,
      j.status,
      j.action,
      j.counts.targets,
      j.counts.done,
      j.counts.alreadyGone,
      j.counts.failed,
      j.createdAt,
      j.internetMessageId,
    ]),
  );
}

function actorText(record: AuditRecord): string {
  const a = record.actor;
  return a.upn ?? a.name ?? (a.app ? `app ${a.app}` : (a.oid ?? '-'));
}

export function formatAudit(page: AuditPage): string {
  if (page.records.length === 0) return 'No audit records match.\n';
  return table(
    ['SEQ', 'TIME', 'SECTION', 'EVENT', 'ACTOR', 'OUTCOME', 'JOB', 'INTERNETMESSAGEID'],
    page.records.map((r) => [
      r.seq,
      r.time,
      r.section,
      r.phase ? `${r.event} (${r.phase})` : r.count && r.count > 1 ? `${r.event} x${r.count}` : r.event,
      actorText(r),
      r.outcome,
      r.jobId,
      r.internetMessageId,
    ]),
  );
}

export function formatVerify(verify: AuditVerify): string {
  if (verify.ok) {
    return `The audit chain is intact: ${plural(verify.records, 'record')}, head ${verify.head ?? '(empty)'}.\n`;
  }
  const where = verify.brokenAt !== undefined ? ` at record ${verify.brokenAt}` : '';
  const why = verify.why ? `: ${printable(verify.why).replace(/[.\s]+$/, '')}` : '';
  return `The audit chain is broken${where}${why}. ${plural(verify.records, 'record')} checked.\n`;
}

export function formatOmeStatus(id: string, status: OmeStatus): string {
  return fields([
    ['Message', id],
    ['Subject', status.subject],
    ['Sender', status.sender],
    ['Revocable', status.isRevocable],
    ['Revoked', status.revoked],
    ['Reason', status.reason],
  ]);
}

export function formatOmeRevoked(id: string): string {
  return `Revoked: recipients outside Microsoft 365 can no longer open ${printable(id)} in the encrypted-message portal.\n`;
}

export function formatTrace(trace: Trace): string {
  if (trace.rows.length === 0) return 'No messages match.\n';
  let out = table(
    ['RECEIVED', 'SENDER', 'RECIPIENT', 'STATUS', 'SUBJECT', 'INTERNETMESSAGEID'],
    trace.rows.map((r) => [r.received, r.senderAddress, r.recipientAddress, r.status, r.subject, r.internetMessageId]),
  );
  if (trace.truncated) out += 'More messages matched than were returned: narrow the search (--since, --until, --sender).\n';
  return out;
}

export function formatDomains(domains: Setup['domains']): string {
  if (domains.length === 0) return 'No domains.\n';
  return table(['DOMAIN', 'STATUS'], domains.map((d) => [d.domain, d.status]));
}

export function formatSetup(setup: Setup): string {
  let out = setup.consent
    ? 'Admin consent: granted.\n'
    : `Admin consent: missing. An admin grants it at ${printable(setup.consentUrl)}\n`;
  out += '\nManaged domains:\n' + formatDomains(setup.domains);
  out +=
    '\nPermissions:\n' +
    table(['PERMISSION', 'GRANTED'], setup.permissions.map((p) => [p.name, p.granted]));
  return out;
}
