/**
 * Service principals and app role assignments, as Graph v1.0 serves them: what the API reads to
 * confirm a caller's role with the directory at undo time, rather than trust a token's `roles`.
 */
import { startGraphHarness, type GraphHarness } from './graph-harness';

let h: GraphHarness;

beforeAll(async () => {
  h = await startGraphHarness();
});
afterAll(async () => {
  await h.close();
});

interface AppRole { id: string; value: string; isEnabled: boolean; allowedMemberTypes: string[] }
interface Assignment { id: string; appRoleId: string; principalId: string; principalType: string; resourceId: string; resourceDisplayName: string; principalDisplayName: string; createdDateTime: string }

async function retractApi(): Promise<{ id: string; appRoles: AppRole[] }> {
  const apiApp = h.fixture.apps.find((a) => a.name === 'retract-api')!;
  const res = await h.raw('GET', `/v1.0/servicePrincipals(appId='${apiApp.clientId}')?$select=id,appRoles`);
  expect(res.status).toBe(200);
  return res.json as { id: string; appRoles: AppRole[] };
}

it("reads the API's service principal by appId, with only the selected properties and its app roles", async () => {
  const sp = await retractApi();
  expect(Object.keys(sp).filter((k) => !k.startsWith('@odata.')).sort()).toEqual(['appRoles', 'id']);
  expect(sp.appRoles.map((r) => r.value).sort()).toEqual(['Retract.Admin', 'Retract.Auditor']);
  for (const r of sp.appRoles) {
    expect(r.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(r.isEnabled).toBe(true);
  }
  // The same object by its id; an appId nobody registered is 404 Request_ResourceNotFound.
  const byId = await h.raw('GET', `/v1.0/servicePrincipals/${sp.id}`);
  expect((byId.json as { appId: string }).appId).toBe(h.fixture.apps.find((a) => a.name === 'retract-api')!.clientId);
  const none = await h.raw('GET', "/v1.0/servicePrincipals(appId='00000000-0000-4000-8000-000000000000')");
  expect(none.status).toBe(404);
  expect((none.json as { error: { code: string } }).error.code).toBe('Request_ResourceNotFound');
  // Other unknown segments answer as Graph does.
  const bogus = await h.raw('GET', '/v1.0/servicePrincipalz');
  expect(bogus.status).toBe(400);
  expect((bogus.json as { error: { message: string } }).error.message).toBe("Resource not found for the segment 'servicePrincipalz'.");
});

it("lists a user's app role assignments on the API, filtered on resourceId (a bare Guid), live as roles change", async () => {
  const sp = await retractApi();
  const admin = sp.appRoles.find((r) => r.value === 'Retract.Admin')!;
  const alex = h.fixture.users.find((u) => u.userPrincipalName === 'alex@contoso.com')!;
  const url = `/v1.0/users/${alex.id}/appRoleAssignments?$filter=${encodeURIComponent(`resourceId eq ${sp.id}`)}&$count=true`;
  const res = await h.raw('GET', url, { headers: { ConsistencyLevel: 'eventual' } });
  expect(res.status).toBe(200);
  const body = res.json as { '@odata.count': number; value: Assignment[] };
  expect(body['@odata.count']).toBe(body.value.length);
  expect(body.value.map((a) => a.appRoleId)).toContain(admin.id);
  for (const a of body.value) {
    expect(a).toMatchObject({ principalId: alex.id, principalType: 'User', resourceId: sp.id, resourceDisplayName: 'retract-api', principalDisplayName: alex.displayName });
  }
  // $count without ConsistencyLevel: eventual is refused, as Entra does.
  const noEventual = await h.raw('GET', url);
  expect(noEventual.status).toBe(400);
  // A filter on another resource finds nothing.
  const other = await h.raw('GET', `/v1.0/users/${alex.id}/appRoleAssignments?$filter=${encodeURIComponent('resourceId eq 00000000-0000-4000-8000-000000000000')}`);
  expect((other.json as { value: Assignment[] }).value).toEqual([]);

  // The role taken away shows at once.
  const before = alex.appRoles;
  alex.appRoles = [];
  try {
    const after = await h.raw('GET', url, { headers: { ConsistencyLevel: 'eventual' } });
    expect((after.json as { value: Assignment[] }).value).toEqual([]);
  } finally {
    alex.appRoles = before;
  }
});

it("lists a client app's app role assignments through its service principal", async () => {
  const sp = await retractApi();
  const auditor = sp.appRoles.find((r) => r.value === 'Retract.Auditor')!;
  const res = await h.raw('GET', `/v1.0/servicePrincipals(appId='${h.fixture.apps.find((a) => a.name === 'soc-reader')!.clientId}')?$select=id`);
  const socSp = (res.json as { id: string }).id;
  const list = await h.raw('GET', `/v1.0/servicePrincipals/${socSp}/appRoleAssignments?$filter=${encodeURIComponent(`resourceId eq ${sp.id}`)}`);
  expect(list.status).toBe(200);
  expect((list.json as { value: Assignment[] }).value.map((a) => [a.appRoleId, a.principalType])).toEqual([[auditor.id, 'ServicePrincipal']]);
});

it('refuses an app without a directory permission', async () => {
  const alex = h.fixture.users.find((u) => u.userPrincipalName === 'alex@contoso.com')!;
  const res = await h.raw('GET', `/v1.0/users/${alex.id}/appRoleAssignments`, { app: 'dir-only' });
  expect(res.status).toBe(403);
  const sp = await h.raw('GET', "/v1.0/servicePrincipals(appId='c1b2c3d4-0000-4000-8000-000000000001')", { app: 'dir-only' });
  expect(sp.status).toBe(403);
});
