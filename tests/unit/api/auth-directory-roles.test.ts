/**
 * The undo's role re-check reads the caller's app role assignments as Graph lists them; the
 * Graph gateway ends in a canned transport that answers as Microsoft Graph does.
 */
import type { Principal } from '../../../src/api/auth/tokens';
import { DirectoryRolesUnavailable, directoryRoles } from '../../../src/api/auth/directory-roles';
import type { GraphCall, GraphResponse } from '../../../src/graph/graph-http';
import { createGraphGateway } from '../../../src/graph/graph-gateway';

const API_APP = '11111111-1111-1111-1111-111111111111';
const API_SP = 'aaaaaaaa-0000-4000-8000-000000000001';
const OTHER_SP = 'bbbbbbbb-0000-4000-8000-000000000002';
const ADMIN_ROLE = 'cccccccc-0000-0000-0000-00000000000a';
const AUDITOR_ROLE = 'cccccccc-0000-0000-0000-00000000000b';

const sp = { id: API_SP, appId: API_APP, appRoles: [{ id: ADMIN_ROLE, value: 'Retract.Admin', isEnabled: true }, { id: AUDITOR_ROLE, value: 'Retract.Auditor', isEnabled: true }] };
const user: Principal = { tenantId: 't', oid: 'user-1', roles: ['Retract.Admin'], appOnly: false };
const app: Principal = { tenantId: 't', oid: 'client-sp-1', roles: ['Retract.Admin'], appOnly: true };

const ok = (body: unknown): GraphResponse => ({ status: 200, headers: {}, body });
const notFound = (code: string): GraphResponse => ({ status: 404, headers: {}, body: { error: { code, message: 'Resource does not exist.' } } });

function gatewayAnswering(answer: (call: GraphCall) => GraphResponse): { gateway: ReturnType<typeof createGraphGateway>; calls: GraphCall[] } {
  const calls: GraphCall[] = [];
  const gateway = createGraphGateway({
    graphBase: 'https://graph.example/v1.0',
    authorityHost: 'https://login.example',
    tenantId: 't',
    clientId: API_APP,
    transport: async (call) => {
      calls.push(call);
      return answer(call);
    },
  });
  return { gateway, calls };
}

const assignment = (resourceId: string, appRoleId: string) => ({ id: `a-${appRoleId}`, principalId: 'x', resourceId, appRoleId });

it("reads a user's roles on the Retract API only, from the assignments Graph lists now", async () => {
  const { gateway, calls } = gatewayAnswering((call) => {
    if (call.url.startsWith(`/servicePrincipals(appId='${API_APP}')`)) return ok(sp);
    if (call.url.startsWith('/users/user-1/appRoleAssignments')) {
      // The Admin role on another app with the same role id must not count.
      return ok({ value: [assignment(API_SP, AUDITOR_ROLE), assignment(OTHER_SP, ADMIN_ROLE)] });
    }
    return notFound('Request_ResourceNotFound');
  });
  expect(await directoryRoles(gateway, API_APP, user)).toEqual(['Retract.Auditor']);
  expect(calls.map((c) => c.url)).toEqual([
    `/servicePrincipals(appId='${API_APP}')?$select=id,appRoles`,
    `/users/user-1/appRoleAssignments?$filter=${encodeURIComponent(`resourceId eq ${API_SP}`)}&$count=true`,
  ]);
  expect(calls[1]!.headers).toMatchObject({ ConsistencyLevel: 'eventual' });
});

it("reads an app-only caller's roles through its service principal, following every page", async () => {
  const { gateway, calls } = gatewayAnswering((call) => {
    if (call.url.startsWith('/servicePrincipals(appId=')) return ok(sp);
    if (call.url.startsWith('/servicePrincipals/client-sp-1/appRoleAssignments?$filter=')) {
      return ok({ value: [assignment(OTHER_SP, AUDITOR_ROLE)], '@odata.nextLink': 'https://graph.example/v1.0/servicePrincipals/client-sp-1/appRoleAssignments?$skiptoken=2' });
    }
    if (call.url === '/servicePrincipals/client-sp-1/appRoleAssignments?$skiptoken=2') return ok({ value: [assignment(API_SP, ADMIN_ROLE.toUpperCase())] });
    return notFound('Request_ResourceNotFound');
  });
  expect(await directoryRoles(gateway, API_APP, app)).toEqual(['Retract.Admin']);
  expect(calls).toHaveLength(3);
});

it('gives no role to a principal the directory no longer knows, and ignores disabled roles', async () => {
  const disabled = { ...sp, appRoles: [{ id: ADMIN_ROLE, value: 'Retract.Admin', isEnabled: false }] };
  const gone = gatewayAnswering((call) => (call.url.startsWith('/servicePrincipals(appId=') ? ok(sp) : notFound('Request_ResourceNotFound')));
  expect(await directoryRoles(gone.gateway, API_APP, user)).toEqual([]);
  const off = gatewayAnswering((call) => (call.url.startsWith('/servicePrincipals(appId=') ? ok(disabled) : ok({ value: [assignment(API_SP, ADMIN_ROLE)] })));
  expect(await directoryRoles(off.gateway, API_APP, user)).toEqual([]);
});

it('says it cannot tell (never "no roles") when Graph refuses or the API has no service principal', async () => {
  const denied = gatewayAnswering(() => ({ status: 403, headers: {}, body: { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } } }));
  await expect(directoryRoles(denied.gateway, API_APP, user)).rejects.toBeInstanceOf(DirectoryRolesUnavailable);
  const noSp = gatewayAnswering(() => notFound('Request_ResourceNotFound'));
  await expect(directoryRoles(noSp.gateway, API_APP, user)).rejects.toBeInstanceOf(DirectoryRolesUnavailable);
  const deniedList = gatewayAnswering((call) => (call.url.startsWith('/servicePrincipals(appId=') ? ok(sp) : { status: 403, headers: {}, body: { error: { code: 'Authorization_RequestDenied', message: 'no' } } }));
  await expect(directoryRoles(deniedList.gateway, API_APP, user)).rejects.toBeInstanceOf(DirectoryRolesUnavailable);
  // A service principal id that is not a GUID never reaches a filter.
  const oddId = gatewayAnswering((call) => (call.url.startsWith('/servicePrincipals(appId=') ? ok({ ...sp, id: "x' or 1 eq 1" }) : ok({ value: [] })));
  await expect(directoryRoles(oddId.gateway, API_APP, user)).rejects.toBeInstanceOf(DirectoryRolesUnavailable);
  expect(oddId.calls).toHaveLength(1);
});

it('gives up when Graph keeps answering 503 past the time given, as "could not confirm", never as "no role"', async () => {
  const { gateway, calls } = gatewayAnswering(() => ({ status: 503, headers: { 'retry-after': '1' }, body: { error: { code: 'ServiceUnavailable', message: 'Try later.' } } }));
  const started = Date.now();
  const err = await directoryRoles(gateway, API_APP, user, { signal: AbortSignal.timeout(1_500) }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DirectoryRolesUnavailable);
  expect((err as Error).message).toMatch(/did not answer in time/);
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(calls.length).toBeGreaterThanOrEqual(1);
});
