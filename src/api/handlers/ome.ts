/**
 * OME: GET /api/ome (status) and POST /api/ome/revoke. An admin may act on any message; a
 * signed-in user with no role only on a message they sent to a single recipient, as Outlook on
 * the web allows senders. Who they are comes from the token's `oid` and the directory (every
 * address of that user), never from `preferred_username`, which a user can change.
 */
import type { HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import { normalizeAddress } from '../../core';
import { omeQuerySchema, omeRevokeRequestSchema, type OmeStatus } from '../../contracts';
import { isAdmin, refuse403 } from '../auth/access';
import type { Principal } from '../auth/tokens';
import { readJsonBody, readQuery } from '../http/body';
import { ProblemError, json } from '../http/problem';
import { actorOf, caller, type RouteContext } from '../http/route';
import { exchangeProblem } from './exchange-errors';

const directoryUserSchema = z.object({
  mail: z.string().nullable().optional(),
  proxyAddresses: z.array(z.string()).optional(),
});

/** Every SMTP address of the directory user with this object id. */
async function addressesOfUser(ctx: RouteContext, oid: string): Promise<Set<string>> {
  const res = await ctx.services.graph().send({
    method: 'GET',
    url: `/users/${encodeURIComponent(oid)}?$select=mail,proxyAddresses`,
  });
  if (res.status === 404) return new Set();
  if (res.status < 200 || res.status >= 300) {
    throw new ProblemError(502, 'Retract could not read your directory entry from Microsoft Graph. Try again in a minute.');
  }
  const user = directoryUserSchema.safeParse(res.body);
  if (!user.success) return new Set();
  const out = new Set<string>();
  if (user.data.mail) out.add(normalizeAddress(user.data.mail));
  for (const p of user.data.proxyAddresses ?? []) {
    if (/^smtp:/i.test(p)) out.add(normalizeAddress(p.slice(5)));
  }
  return out;
}

/** Refuses (403, audited) unless the caller sent this message to exactly one recipient. */
async function assertSender(ctx: RouteContext, p: Principal, internetMessageId: string): Promise<void> {
  if (isAdmin(p)) return;
  const [mine, traced] = await Promise.all([
    addressesOfUser(ctx, p.oid),
    ctx.services.exchange().traceRecipients(internetMessageId).catch((err: unknown) => {
      throw exchangeProblem(err, 'tracing the message');
    }),
  ]);
  const sender = traced.sender ? normalizeAddress(traced.sender) : undefined;
  const recipients = new Set(traced.recipients.map(normalizeAddress));
  if (!sender || !mine.has(sender)) {
    await refuse403(ctx.services, ctx.req, p, ctx.routeName, 'not the sender of the message');
    throw new ProblemError(403, 'You can check and revoke only messages you sent yourself. Ask an administrator with the Retract.Admin role to revoke this one.');
  }
  if (recipients.size !== 1) {
    await refuse403(ctx.services, ctx.req, p, ctx.routeName, 'sent to more than one recipient');
    throw new ProblemError(403, 'A sender can revoke only a message sent to a single recipient. Ask an administrator with the Retract.Admin role to revoke this one.');
  }
}

export async function omeStatus(ctx: RouteContext): Promise<HttpResponseInit> {
  const p = caller(ctx);
  const q = readQuery(ctx.req, omeQuerySchema);
  await assertSender(ctx, p, q.internetMessageId);
  let status: OmeStatus;
  try {
    status = await ctx.services.exchange().omeStatus(q.internetMessageId);
  } catch (err) {
    throw exchangeProblem(err, 'reading the message encryption status');
  }
  await ctx.services.audit.append(p.tenantId, {
    section: 'Revoke',
    event: 'ome-status',
    actor: actorOf(p),
    internetMessageId: q.internetMessageId,
    outcome: status.revoked ? 'revoked' : status.isRevocable ? 'revocable' : 'not-revocable',
  });
  return json(200, { subject: status.subject, isRevocable: status.isRevocable, revoked: status.revoked });
}

export async function omeRevoke(ctx: RouteContext): Promise<HttpResponseInit> {
  const p = caller(ctx);
  const body = await readJsonBody(ctx.req, omeRevokeRequestSchema);
  await assertSender(ctx, p, body.internetMessageId);
  const { audit } = ctx.services;
  await audit.append(p.tenantId, {
    section: 'Revoke',
    event: 'ome-revoke',
    phase: 'intent',
    actor: actorOf(p),
    internetMessageId: body.internetMessageId,
    outcome: 'dispatched',
  });
  try {
    await ctx.services.exchange().omeRevoke(body.internetMessageId);
  } catch (err) {
    const problem = exchangeProblem(err, 'revoking the message');
    await audit.append(p.tenantId, {
      section: 'Revoke',
      event: 'ome-revoke',
      phase: 'outcome',
      actor: actorOf(p),
      internetMessageId: body.internetMessageId,
      outcome: 'failed',
      detail: problem.detail,
    });
    throw problem;
  }
  await audit.append(p.tenantId, {
    section: 'Revoke',
    event: 'ome-revoke',
    phase: 'outcome',
    actor: actorOf(p),
    internetMessageId: body.internetMessageId,
    outcome: 'revoked',
  });
  return json(200, { revoked: true });
}
