/**
 * Graph v1.0 service principals and app role assignments, as far as an API needs them to
 * confirm a caller's roles with the directory rather than trust a token's `roles` claim:
 *
 * - `GET /servicePrincipals(appId='{appId}')` and `GET /servicePrincipals/{id}`, with `appRoles`;
 * - `GET /users/{id}/appRoleAssignments` (the roles a user holds, on every app);
 * - `GET /servicePrincipals/{id}/appRoleAssignments` (the app roles a client app holds).
 *
 * The fixture says who holds what: a user's `appRoles` on the app that defines those roles, and a
 * client app's `appRolesOnApi`. Both are read at each request, so a role taken away shows at once
 * here, while tokens issued before keep their `roles` claim until they expire, as in Entra.
 */
import { createHash } from 'node:crypto';
import type { SimContext } from '../context';
import type { FixtureApp } from '../fixture';
import type { SimRequest, SimResponse, SimRouter } from '../http';
import type { FilterValue } from '../odata';
import { servicePrincipalId } from '../identity/directory';
import { applySelect, GraphFault, graphError, graphJson, metadata, onlyOptions, resolveUser, selectOption } from './common';
import { page, safeEval } from './directory';
import type { Handle } from './messages';

/** Reading service principals: Application.Read.All is the least; the Directory ones cover it. */
const SP_READ = ['Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
/** Reading a user's app role assignments. */
const ASSIGNMENT_READ = ['Directory.Read.All', 'Directory.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All'];

// Entra stamps these when the app or assignment is made; the fixture has no date, so one fixed one.
const CREATED = '2026-01-05T09:00:00Z';

function guidFrom(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('|').toLowerCase()).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The id of app role `value` defined by the app `clientId` (Entra gives each role a GUID). */
export function appRoleId(clientId: string, value: string): string {
  return guidFrom('approle', clientId, value);
}

interface Assignment {
  id: string;
  deletedDateTime: null;
  appRoleId: string;
  createdDateTime: string;
  principalDisplayName: string;
  principalId: string;
  principalType: 'User' | 'ServicePrincipal';
  resourceDisplayName: string;
  resourceId: string;
}

export function registerAppRoles(router: SimRouter, ctx: SimContext, handle: Handle): void {
  const tenant = ctx.tenant;
  const spId = (app: FixtureApp) => servicePrincipalId(app.clientId, tenant.id);
  // The apps that define roles (an API's registration): the resources of assignments.
  const resources = () => tenant.apps.filter((a) => (a.appRoles ?? []).length > 0);

  const spJson = (app: FixtureApp): Record<string, unknown> => ({
    id: spId(app),
    accountEnabled: true,
    appDisplayName: app.name,
    appId: app.clientId,
    appOwnerOrganizationId: tenant.id,
    displayName: app.name,
    servicePrincipalNames: [app.clientId, ...(app.identifierUri ? [app.identifierUri] : [])],
    servicePrincipalType: 'Application',
    appRoles: (app.appRoles ?? []).map((value) => ({
      allowedMemberTypes: ['User', 'Application'],
      description: value,
      displayName: value,
      id: appRoleId(app.clientId, value),
      isEnabled: true,
      origin: 'Application',
      value,
    })),
  });

  const notFound = (id: string): never => {
    throw new GraphFault(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
  };
  const spById = (id: string): FixtureApp => tenant.apps.find((a) => spId(a).toLowerCase() === id.toLowerCase()) ?? notFound(id);

  const assignments = (principal: { id: string; displayName: string; type: Assignment['principalType'] }, held: readonly string[]): Assignment[] =>
    resources().flatMap((api) =>
      (api.appRoles ?? [])
        .filter((value) => held.includes(value))
        .map((value) => ({
          id: guidFrom('assignment', principal.id, api.clientId, value),
          deletedDateTime: null,
          appRoleId: appRoleId(api.clientId, value),
          createdDateTime: CREATED,
          principalDisplayName: principal.displayName,
          principalId: principal.id,
          principalType: principal.type,
          resourceDisplayName: api.name,
          resourceId: spId(api),
        })),
    );

  // Assignments filter on id, appRoleId, principalId, principalType and resourceId, as Entra allows.
  const filterable = ['id', 'appRoleId', 'principalId', 'principalType', 'resourceId'] as const;
  const valueOf = (a: Assignment, property: string): FilterValue => {
    const key = filterable.find((k) => k.toLowerCase() === property.toLowerCase());
    if (!key) throw new GraphFault(400, 'Request_UnsupportedQuery', `Unsupported or invalid query filter clause specified for property '${property}' of resource 'AppRoleAssignment'.`);
    return a[key];
  };
  const list = (req: SimRequest, items: Assignment[], context: string): SimResponse =>
    page(ctx, req, items, { filter: (a, f) => safeEval(f, (p) => valueOf(a, p)), json: (a) => ({ ...a }), context, defaultTop: 100 });

  router.get(
    '/v1.0/users/:user/appRoleAssignments',
    handle(ASSIGNMENT_READ, (req, claims) => {
      const u = resolveUser(ctx, req.params.user!, claims, false);
      // The fixture's own entry, as token issuance reads it (a test may change roles while running).
      const held = tenant.fixture.users.find((x) => x.id.toLowerCase() === u.id.toLowerCase())?.appRoles ?? [];
      return list(req, assignments({ id: u.id, displayName: u.displayName, type: 'User' }, held), `users('${u.id}')/appRoleAssignments`);
    }),
  );

  router.get(
    '/v1.0/servicePrincipals/:id/appRoleAssignments',
    handle(SP_READ, (req) => {
      const client = spById(req.params.id!);
      return list(req, assignments({ id: spId(client), displayName: client.name, type: 'ServicePrincipal' }, client.appRolesOnApi ?? []), `servicePrincipals('${spId(client)}')/appRoleAssignments`);
    }),
  );

  const one = (app: FixtureApp, req: SimRequest): SimResponse => {
    onlyOptions(req, ['$select']);
    const select = selectOption(req);
    return graphJson(200, { '@odata.context': metadata(ctx, `servicePrincipals${select ? `(${select.join(',')})` : ''}/$entity`), ...applySelect(spJson(app), select) });
  };

  router.get(
    '/v1.0/servicePrincipals/:id',
    handle(SP_READ, (req) => one(spById(req.params.id!), req)),
  );

  // `servicePrincipals(appId='…')` is one path segment; any other unknown segment answers as before.
  const byAppId = handle(SP_READ, (req) => {
    const m = /^servicePrincipals\(appId='([^']*)'\)$/i.exec(decodeURIComponent(req.params.segment!));
    const app = tenant.findAppByClientId(m![1]!) ?? notFound(m![1]!);
    return one(app, req);
  });
  router.get('/v1.0/:segment', (req) => {
    if (/^servicePrincipals\(appId='[^']*'\)$/i.test(decodeURIComponent(req.params.segment!))) return byAppId(req);
    return graphError(ctx, req, 400, 'BadRequest', `Resource not found for the segment '${req.params.segment}'.`);
  });
}
