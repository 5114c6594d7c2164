/**
 * Graph's error bodies (`{"error":{"code","message"}}`) turned into errors a person can read.
 * The code is kept so that callers can decide (ErrorItemNotFound, MailboxNotEnabledForRESTAPI).
 */
import { z } from 'zod';
import type { GraphResponse } from './graph-http';

const errorBodySchema = z.object({
  error: z.object({ code: z.string().optional(), message: z.string().optional() }),
});

export class GraphRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'GraphRequestError';
  }
}

export function errorCodeOf(res: GraphResponse): string {
  const parsed = errorBodySchema.safeParse(res.body);
  return parsed.success ? (parsed.data.error.code ?? '') : '';
}

/** `what` says what was being done, e.g. "reading the message". */
export function graphError(res: GraphResponse, what: string): GraphRequestError {
  const parsed = errorBodySchema.safeParse(res.body);
  const code = parsed.success ? (parsed.data.error.code ?? '') : '';
  const detail = parsed.success ? (parsed.data.error.message ?? '') : '';
  let advice: string;
  if (res.status === 0) advice = 'Microsoft Graph could not be reached; check the network and try again.';
  else if (res.status === 429 || res.status === 503 || res.status === 504)
    advice = 'Microsoft Graph stayed busy or unavailable for several minutes; try again later.';
  else if (res.status === 401 || res.status === 403)
    advice = "Retract's app is not allowed to do this; check its admin consent (Mail.ReadWrite, User.Read.All, GroupMember.Read.All, Domain.Read.All).";
  else if (code === 'MailboxNotEnabledForRESTAPI') advice = 'The mailbox cannot be reached through Graph (on-premises, unlicensed or soft-deleted).';
  else if (code === 'ErrorItemNotFound') advice = 'The item no longer exists.';
  else advice = 'Try again; if it keeps failing, report the code to your administrator.';
  const codePart = code ? ` (${code}${detail ? `: ${detail}` : ''})` : '';
  return new GraphRequestError(res.status, code, `Microsoft Graph answered ${res.status} while ${what}${codePart}. ${advice}`);
}
