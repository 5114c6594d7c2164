/** GET /api/health (no token), GET /api/me, GET /api/openapi.json (no token). */
import type { HttpResponseInit } from '@azure/functions';
import { roleSchema, type Me } from '../../contracts';
import { json } from '../http/problem';
import { actorOf, caller, type RouteContext } from '../http/route';
import { openApiDocument } from '../openapi';

export async function health(_ctx: RouteContext): Promise<HttpResponseInit> {
  return json(200, { status: 'ok' });
}

export async function me(ctx: RouteContext): Promise<HttpResponseInit> {
  const p = caller(ctx);
  const body: Me = {
    user: actorOf(p),
    tenantId: p.tenantId,
    roles: p.roles.filter((r): r is Me['roles'][number] => roleSchema.safeParse(r).success),
  };
  return json(200, body);
}

export async function openApi(_ctx: RouteContext): Promise<HttpResponseInit> {
  return json(200, openApiDocument(), { 'cache-control': 'public, max-age=300' });
}
