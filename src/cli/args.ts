/**
 * Validation of what the user typed, before any request: each check answers with the value or
 * a CliError (exit 2) holding a sentence that says what is wrong and what to type instead.
 * The rules are the contracts' own schemas, so the CLI refuses exactly what the API would.
 */
import type { z } from 'zod';
import {
  actionSchema,
  auditSectionSchema,
  depthSchema,
  domainNameSchema,
  internetMessageIdSchema,
  isoTimeQuerySchema,
  jobIdSchema,
  messageIdSchema,
  type Action,
  type AuditSection,
} from '../contracts';
import { CliError, ExitCode } from './exitCodes';

/** A value the user typed, quoted for an error message: escaped and cut short. */
export function quoted(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  return JSON.stringify(shown);
}

function firstMessage(error: z.ZodError): string {
  return error.issues[0]?.message ?? 'it is not valid';
}

function usage(message: string): CliError {
  return new CliError(message, ExitCode.usage);
}

export function parseInternetMessageId(value: string): string {
  const parsed = internetMessageIdSchema.safeParse(value);
  if (!parsed.success) throw usage(`${quoted(value)} is not an internetMessageId. ${firstMessage(parsed.error)}`);
  return parsed.data;
}

export function parseDepth(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  const parsed = depthSchema.safeParse(n);
  if (!parsed.success) throw usage(`--depth ${quoted(value)}: ${firstMessage(parsed.error)}`);
  return parsed.data;
}

export function parseAction(value: string | undefined): Action {
  if (value === undefined) {
    throw usage('run needs --action: one of soft-delete, hard-delete, move-to-deleted-items, move-to-junk.');
  }
  const parsed = actionSchema.safeParse(value);
  if (!parsed.success) throw usage(`--action ${quoted(value)}: ${firstMessage(parsed.error)}`);
  return parsed.data;
}

/** `a,b,c` → ['a','b','c'] (spaces around commas ignored; each one a messageId). */
export function parseMessageIds(option: string, value: string | undefined): string[] {
  if (value === undefined) return [];
  const ids = value
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  if (ids.length === 0) throw usage(`${option} needs one or more messageIds, separated by commas.`);
  for (const id of ids) {
    const parsed = messageIdSchema.safeParse(id);
    if (!parsed.success) throw usage(`${option} ${quoted(id)}: ${firstMessage(parsed.error)}`);
  }
  return [...new Set(ids)];
}

export function parseTime(option: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parsed = isoTimeQuerySchema.safeParse(value);
  if (!parsed.success) throw usage(`${option} ${quoted(value)}: ${firstMessage(parsed.error)}`);
  return parsed.data;
}

export function parseSection(value: string | undefined): AuditSection | undefined {
  if (value === undefined) return undefined;
  const parsed = auditSectionSchema.safeParse(value);
  if (!parsed.success) throw usage(`--section ${quoted(value)}: use one of ${auditSectionSchema.options.join(', ')}.`);
  return parsed.data;
}

/** Free text for a filter (an address, a subject): not empty, no control characters. */
export function parseText(option: string, value: string | undefined, max = 320): string | undefined {
  if (value === undefined) return undefined;
  // eslint-disable-next-line no-control-regex
  if (value.trim() === '' || /[\u0000-\u001f\u007f]/.test(value) || value.length > max) {
    throw usage(`${option} needs text of 1 to ${max} characters without control characters.`);
  }
  return value;
}

/** `contoso.com,fabrikam.com` → domain names, lower-cased as DNS compares them. */
export function parseDomains(value: string): string[] {
  const names = value
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '');
  if (names.length === 0) throw usage('--set needs one or more domain names, separated by commas, such as contoso.com.');
  const domains = names.map((name) => {
    const parsed = domainNameSchema.safeParse(name);
    if (!parsed.success) throw usage(`--set ${quoted(name)}: ${firstMessage(parsed.error)}`);
    // DNS names compare without case; the schema allows ASCII only, so this is exact.
    return parsed.data.toLowerCase();
  });
  return [...new Set(domains)];
}

export function parseJobId(value: string): string {
  const parsed = jobIdSchema.safeParse(value);
  if (!parsed.success) {
    throw usage(`${quoted(value)} is not a jobId: use the id exactly as \`retract run\` or \`retract jobs\` printed it.`);
  }
  return parsed.data;
}
