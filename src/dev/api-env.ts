/**
 * The API's settings (CONTRACTS §2) for a local stack: the tenant fixture's `retract-api`
 * registration, the simulator standing in for Entra, Graph and Exchange, and Azurite. One
 * place for the mapping, so `npm start`, the tests and the benchmark cannot drift apart.
 */
import type { TenantFixture } from '../sim/fixture';

export function localApiEnv(fixture: TenantFixture, simOrigin: string, storage: string): Record<string, string> {
  const apiApp = fixture.apps.find((a) => a.name === 'retract-api');
  if (!apiApp?.identifierUri) {
    throw new Error('The tenant fixture needs a retract-api app with an identifierUri (api://host/clientId).');
  }
  return {
    RETRACT_TENANT_ID: fixture.tenant.id,
    RETRACT_CLIENT_ID: apiApp.clientId,
    RETRACT_CLIENT_SECRET: apiApp.secret,
    RETRACT_AUTHORITY_HOST: simOrigin,
    RETRACT_GRAPH_BASE: `${simOrigin}/v1.0`,
    RETRACT_EXCHANGE_BASE: simOrigin,
    RETRACT_STORAGE: storage,
    RETRACT_ALLOWED_TENANTS: fixture.tenant.id,
    RETRACT_API_IDENTIFIER_URI: apiApp.identifierUri,
  };
}
