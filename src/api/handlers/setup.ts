/**
 * GET /api/setup: whether admin consent is in place (an app-only token can be had and Graph
 * answers), each managed domain's status (`granted`, `not-in-tenant`, `not-verified`, from
 * Graph's /domains), the permissions the app holds, and the URL to send an admin to for consent.
 */
import type { HttpResponseInit } from '@azure/functions';
import { decodeJwt } from 'jose';
import { z } from 'zod';
import { createConfidentialClient } from '../../graph/app-token-provider';
import { GRAPH_SCOPE } from '../../graph/graph-gateway';
import type { Setup } from '../../contracts';
import { json } from '../http/problem';
import { caller, type RouteContext } from '../http/route';

// Directory.Read.All: a new job or an undo re-reads the caller's app role assignments (RETRACT_ROLE_CHECK=directory).
export const GRAPH_PERMISSIONS = ['Mail.ReadWrite', 'User.Read.All', 'GroupMember.Read.All', 'Domain.Read.All', 'Directory.Read.All'] as const;
export const EXCHANGE_PERMISSION = 'Exchange.ManageAsApp';
const EXCHANGE_SCOPE = 'https://outlook.office365.com/.default';

/** A fresh app-only token (never MSAL's cache: setup must see consent as it is now) and its app roles. */
async function appToken(ctx: RouteContext, scope: string): Promise<{ token: string; roles: string[] } | null> {
  try {
    const cca = createConfidentialClient(ctx.services.credentials);
    const result = await cca.acquireTokenByClientCredential({ scopes: [scope], skipCache: true });
    if (!result?.accessToken) return null;
    // Reading our own token's claims (fetched over TLS from the authority) for display only.
    const roles = decodeJwt(result.accessToken).roles;
    return { token: result.accessToken, roles: Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [] };
  } catch {
    return null;
  }
}

const domainsPageSchema = z.object({ value: z.array(z.object({ id: z.string(), isVerified: z.boolean() })) });

/** GET /domains with that token: does Graph answer the app? */
async function tenantDomainsWith(graphBase: string, token: string): Promise<{ id: string; isVerified: boolean }[] | null> {
  try {
    const res = await fetch(`${graphBase}/domains?$select=id,isVerified`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
    if (!res.ok) return null;
    const page = domainsPageSchema.safeParse(await res.json());
    return page.success ? page.data.value : null;
  } catch {
    return null;
  }
}

export async function setup(ctx: RouteContext): Promise<HttpResponseInit> {
  const p = caller(ctx);
  const { config } = ctx.services;
  const consentUrl = `${config.authorityHost}/${encodeURIComponent(config.tenantId)}/adminconsent?client_id=${encodeURIComponent(config.clientId)}`;
  const [graph, exchange] = await Promise.all([appToken(ctx, GRAPH_SCOPE), appToken(ctx, EXCHANGE_SCOPE)]);
  const tenantDomains = graph ? await tenantDomainsWith(config.graphBase, graph.token) : null;
  const consent = tenantDomains !== null;
  const graphRoles = graph?.roles;
  const exchangeRoles = exchange?.roles;
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
