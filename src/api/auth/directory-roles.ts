/**
 * The caller's Retract roles as the directory holds them now, not as the token said when it was
 * issued (an access token keeps its `roles` claim for up to an hour after an admin removes the
 * assignment). Read through Microsoft Graph, app-only:
 *
 * - the API's own service principal and its app roles:
 *   `GET /servicePrincipals(appId='{clientId}')?$select=id,appRoles`;
 * - a user's assignments on it (direct, and those of groups the user is a direct member of, as
 *   Graph returns them): `GET /users/{oid}/appRoleAssignments?$filter=resourceId eq {spId}`;
 * - a client app's assignments (an app-only caller's `oid` is its service principal):
 *   `GET /servicePrincipals/{oid}/appRoleAssignments?$filter=resourceId eq {spId}`.
 *
 * Only assignments whose `resourceId` is the API's service principal count. Needs the
 * application permission Directory.Read.All (or Application.Read.All plus
 * AppRoleAssignment.ReadWrite.All) on the API's own registration.
 */
import { z } from 'zod';
import { isSuccess } from '../../graph/graph-http';
import { failure, type GraphGateway } from '../../graph/graph-gateway';
import type { Principal } from './tokens';

const enc = encodeURIComponent;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const servicePrincipalSchema = z.object({
  id: z.string().min(1),
  appRoles: z.array(z.object({ id: z.string(), value: z.string().nullable().optional(), isEnabled: z.boolean().optional() })).default([]),
});

const assignmentSchema = z.object({
  resourceId: z.string(),
  appRoleId: z.string(),
  principalId: z.string().optional(),
});

/** The directory could not be read, so the caller's roles could not be confirmed. */
export class DirectoryRolesUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DirectoryRolesUnavailable';
  }
}

/**
 * The role values (`Retract.Admin`, …) the directory assigns now to the principal on the API
 * whose app registration is `apiClientId`. Throws DirectoryRolesUnavailable when Graph cannot
 * tell (never an empty list for "could not read").
 */
export async function directoryRoles(graph: GraphGateway, apiClientId: string, principal: Principal, opts: { signal?: AbortSignal } = {}): Promise<string[]> {
  try {
    return await readRoles(graph, apiClientId, principal, opts.signal);
  } catch (err) {
    // Out of time (Graph throttled or down): the role is not confirmed, which is not "no role".
    if (opts.signal?.aborted) throw new DirectoryRolesUnavailable('Microsoft Graph did not answer in time while reading the caller\'s app role assignments.');
    throw err;
  }
}

async function readRoles(graph: GraphGateway, apiClientId: string, principal: Principal, signal: AbortSignal | undefined): Promise<string[]> {
  const spRes = await graph.send({ method: 'GET', url: `/servicePrincipals(appId='${enc(apiClientId.replace(/'/g, "''"))}')?$select=id,appRoles` }, { signal });
  if (!isSuccess(spRes.status)) throw new DirectoryRolesUnavailable(failure(spRes, "reading the Retract API's service principal").error);
  const sp = servicePrincipalSchema.safeParse(spRes.body);
  if (!sp.success) throw new DirectoryRolesUnavailable("Microsoft Graph answered with an unexpected shape while reading the Retract API's service principal.");

  // A GUID goes into the filter unquoted (Graph's own example); anything else is not Graph's answer.
  if (!GUID.test(sp.data.id)) throw new DirectoryRolesUnavailable("Microsoft Graph answered with an unexpected id for the Retract API's service principal.");

  const owner = principal.appOnly ? `/servicePrincipals/${enc(principal.oid)}` : `/users/${enc(principal.oid)}`;
  const assignments = await graph.listAll(
    // ConsistencyLevel and $count make Graph list every assignment of a user with many (its docs ask for both).
    { method: 'GET', url: `${owner}/appRoleAssignments?$filter=${enc(`resourceId eq ${sp.data.id}`)}&$count=true`, headers: { ConsistencyLevel: 'eventual' } },
    assignmentSchema,
    "reading the caller's app role assignments",
    { signal },
  );
  if (!assignments.ok) {
    // The principal no longer exists (deleted user or app): it holds no role.
    if (assignments.status === 404) return [];
    throw new DirectoryRolesUnavailable(assignments.error);
  }
  const valueOf = new Map(sp.data.appRoles.filter((r) => r.isEnabled !== false && r.value).map((r) => [r.id.toLowerCase(), r.value!]));
  const roles = new Set<string>();
  for (const a of assignments.value) {
    if (a.resourceId.toLowerCase() !== sp.data.id.toLowerCase()) continue;
    const value = valueOf.get(a.appRoleId.toLowerCase());
    if (value) roles.add(value);
  }
  return [...roles].sort();
}
