/**
 * Reading a v2.0 `scope` parameter the way Entra does: OpenID Connect scopes (`openid`,
 * `profile`, `email`, `offline_access`) plus permissions of exactly one resource, each written
 * `{resource identifier}/{permission}` (bare names such as `User.Read` mean Microsoft Graph).
 */
import type { Directory, Resource } from './directory';
import { GRAPH } from './directory';

export const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

export type ScopeRequest =
  | { ok: true; resource: Resource; permissions: string[]; oidc: string[]; onlyOidc: boolean }
  | { ok: false; aadsts: number; error: 'invalid_scope' | 'invalid_resource' | 'invalid_request'; text: string };

export function parseScopes(directory: Directory, scopeParam: string | null, tenantName: string): ScopeRequest {
  if (!scopeParam || !scopeParam.trim()) {
    return { ok: false, aadsts: 900144, error: 'invalid_request', text: "The request body must contain the following parameter: 'scope'." };
  }
  const all = scopeParam.split(/\s+/).filter(Boolean);
  const oidc = all.filter((s) => OIDC_SCOPES.has(s.toLowerCase()));
  const rest = all.filter((s) => !OIDC_SCOPES.has(s.toLowerCase()));
  if (rest.length === 0) {
    // Entra answers a sign-in that asks only for OIDC scopes with a Graph token for User.Read.
    return { ok: true, resource: GRAPH, permissions: ['User.Read'], oidc, onlyOidc: true };
  }
  let resource: Resource | undefined;
  const permissions: string[] = [];
  for (const scope of rest) {
    const slash = scope.lastIndexOf('/');
    const prefix = slash < 0 ? GRAPH.identifier : scope.slice(0, slash);
    const permission = slash < 0 ? scope : scope.slice(slash + 1);
    const r = directory.resource(prefix);
    if (!r) {
      return {
        ok: false,
        aadsts: 500011,
        error: 'invalid_resource',
        text: `The resource principal named ${prefix} was not found in the tenant named ${tenantName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
      };
    }
    if (resource && resource.audience !== r.audience) {
      return { ok: false, aadsts: 28000, error: 'invalid_scope', text: `Provided value for the input parameter scope is not valid because it contains more than one resource. Scope ${scopeParam} is not valid.` };
    }
    resource = r;
    permissions.push(permission);
  }
  if (!resource) throw new Error('unreachable: at least one resource scope');
  return { ok: true, resource, permissions, oidc, onlyOidc: false };
}
