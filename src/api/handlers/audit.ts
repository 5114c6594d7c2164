/** GET /api/audit (search, newest first, paged with a cursor) and GET /api/audit/verify. */
import type { HttpResponseInit } from '@azure/functions';
import { auditQuerySchema } from '../../contracts';
import { readQuery } from '../http/body';
import { ProblemError, json } from '../http/problem';
import { caller, type RouteContext } from '../http/route';

export async function searchAudit(ctx: RouteContext): Promise<HttpResponseInit> {
  const p = caller(ctx);
  const q = readQuery(ctx.req, auditQuerySchema);
  try {
    return json(200, await ctx.services.audit.search(p.tenantId, q));
  } catch (err) {
    if (err instanceof RangeError) {
      throw new ProblemError(400, 'The cursor is not one this API gave out. Start again without a cursor.', {
        errors: [{ field: 'cursor', message: 'Unknown cursor.' }],
      });
    }
    throw err;
  }
}

export async function verifyAudit(ctx: RouteContext): Promise<HttpResponseInit> {
  const p = caller(ctx);
  return json(200, await ctx.services.audit.verify(p.tenantId));
}
