/**
 * GET /api/setup: whether admin consent is in place (an app-only token can be had and Graph
 * answers), each managed domain's status (`granted`, `not-in-tenant`, `not-verified`, from
 * Graph's /domains), the permissions the app holds, and the URL to send an admin to for consent.
 */
import type { HttpResponseInit } from '@azure/functions';
import { decodeJwt } from 'jose';
import { createConfidentialClient } from '../../graph/app-token-provider';
import { GRAPH_SCOPE } from '../../graph/graph-gateway';
import type { Setup } from '../../contracts';
import { json } from '../http/problem';
import { caller, type RouteContext } from '../http/route';

export const GRAPH_PERMISSIONS = ['Mail.ReadWrite', 'User.Read.All', 'GroupMember.Read.All', 'Domain.Read.All'] as const;
export const EXCHANGE_PERMISSION = 'Exchange.ManageAsApp';
const EXCHANGE_SCOPE = 'https://outlook.office365.com/.default';

/** The app roles an app-only token carries (read from our own token, after MSAL fetched it over TLS). */
async function rolesFor(ctx: RouteContext, scope: string): Promise<string[] | null> {
  try {
    const cca = createConfidentialClient(ctx.services.credentials);
    const result = await cca.acquireTokenByClientCredential({ scopes: [scope] });
    if (!result?.accessToken) return null;
    const roles = decodeJwt(result.accessToken).roles;
    return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [];
  } catch {
    return null;
  }
}

export async function setup(ctx: RouteContext): Promise<HttpResponseInit> {
  const p = caller(ctx);
  const { config } = ctx.services;
  const consentUrl = `${config.authorityHost}/${encodeURIComponent(config.tenantId)}/adminconsent?client_id=${encodeURIComponent(config.clientId)}`;
  const [graphRoles, exchangeRoles] = await Promise.all([rolesFor(ctx, GRAPH_SCOPE), rolesFor(ctx, EXCHANGE_SCOPE)]);
  let tenantDomains: { id: string; isVerified: boolean }[] | null = null;
  if (graphRoles !== null) {
    try {
      tenantDomains = await ctx.services.graph().listDomains();
    } catch {
      tenantDomains = null;
    }
  }
  const consent = graphRoles !== null && tenantDomains !== null;
  const permissions = [
    ...GRAPH_PERMISSIONS.map((name) => ({ name, granted: graphRoles?.includes(name) ?? false })),
    { name: EXCHANGE_PERMISSION, granted: exchangeRoles?.includes(EXCHANGE_PERMISSION) ?? false },
  ];
  let domains: Setup['domains'] = [];
  if (tenantDomains) {
    const byName = new Map(tenantDomains.map((d) => [d.id.toLowerCase(), d]));
    const managed = (await ctx.services.settings.getDomains(p.tenantId)) ?? tenantDomains.filter((d) => d.isVerified).map((d) => d.id.toLowerCase());
    domains = managed.map((domain) => {
      const d = byName.get(domain.toLowerCase());
      return { domain, status: !d ? 'not-in-tenant' : d.isVerified ? 'granted' : 'not-verified' };
    });
  }
  const body: Setup = { consent, consentUrl, domains, permissions };
  return json(200, body);
}
