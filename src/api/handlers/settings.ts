/** PUT /api/settings/domains: the managed domains of the caller's tenant. */
import type { HttpResponseInit } from '@azure/functions';
import { domainsSettingsSchema } from '../../contracts';
import { readJsonBody } from '../http/body';
import { json } from '../http/problem';
import { actorOf, caller, type RouteContext } from '../http/route';

export async function putDomains(ctx: RouteContext): Promise<HttpResponseInit> {
  const p = caller(ctx);
  const body = await readJsonBody(ctx.req, domainsSettingsSchema);
  await ctx.services.settings.setDomains(p.tenantId, body.domains);
  const domains = (await ctx.services.settings.getDomains(p.tenantId)) ?? [];
  await ctx.services.audit.append(p.tenantId, {
    section: 'Setup',
    event: 'settings',
    actor: actorOf(p),
    options: { domains },
    outcome: 'ok',
  });
  return json(200, { domains });
}
