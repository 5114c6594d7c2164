/**
 * Who and what the simulated Entra tenant knows: the fixture's users and app registrations,
 * the resources tokens can be issued for (Microsoft Graph, Exchange Online and the fixture's
 * own APIs), and the mutable state Entra keeps (admin consent, uploaded certificates).
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { FixtureApp, FixtureUser, TenantFixture } from '../fixture';

export type ResourceKind = 'graph' | 'exchange' | 'api';

export interface Resource {
  kind: ResourceKind;
  /** The identifier the client names in its scopes, e.g. `https://graph.microsoft.com`. */
  identifier: string;
  /** Access-token format the resource asks for. Microsoft's own APIs receive v1 tokens. */
  version: 1 | 2;
  /** The audience written into its tokens. */
  audience: string;
  /** For `api`: the registration that exposes it. */
  app?: FixtureApp;
  /** Delegated scopes the resource exposes (besides `.default`). */
  scopes: readonly string[];
}

export const GRAPH: Resource = {
  kind: 'graph',
  identifier: 'https://graph.microsoft.com',
  version: 1,
  audience: 'https://graph.microsoft.com',
  // Simplification: the fixture has no delegated Graph grants; users may consent to User.Read
  // only (as Entra lets a user do for their own profile).
  scopes: ['User.Read'],
};
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

export const EXCHANGE: Resource = {
  kind: 'exchange',
  identifier: 'https://outlook.office365.com',
  version: 1,
  audience: 'https://outlook.office365.com',
  scopes: [],
};
const EXCHANGE_APP_ID = '00000002-0000-0ff1-ce00-000000000000';

/** Application permissions that belong to Exchange Online's registration; the rest are Graph's. */
const EXCHANGE_PERMISSIONS = new Set(['Exchange.ManageAsApp', 'full_access_as_app']);

export const API_SCOPE = 'access_as_user';

/**
 * Redirect URIs. The fixture has no field for them, so every fixture app accepts the ones a
 * local development setup uses (documented in the report and in CONTRACTS' consumers):
 * `https://localhost:<any port>/<any path>`, `https://127.0.0.1:<any port>/…`, the native
 * loopback `http://localhost:<port>` / `http://127.0.0.1:<port>` (Entra's "mobile and desktop"
 * platform ignores the port), and `brk-multihub://localhost[:port]` (Office's nested app
 * authentication broker).
 */
export function isAllowedRedirectUri(uri: string): boolean {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return false;
  }
  if (u.hash) return false;
  if (u.protocol === 'brk-multihub:') return u.hostname === 'localhost';
  const loopback = u.hostname === 'localhost' || u.hostname === '127.0.0.1';
  return loopback && (u.protocol === 'https:' || u.protocol === 'http:');
}

export class Directory {
  private readonly consent = new Map<string, boolean>();
  private readonly certificates = new Map<string, X509Certificate[]>();

  constructor(private readonly fixture: TenantFixture) {
    for (const app of fixture.apps) this.consent.set(app.clientId.toLowerCase(), app.adminConsent ?? false);
  }

  get tenantId(): string {
    return this.fixture.tenant.id;
  }

  get tenantName(): string {
    return this.fixture.tenant.initialDomain;
  }

  app(clientId: string): FixtureApp | undefined {
    const id = clientId.toLowerCase();
    return this.fixture.apps.find((a) => a.clientId.toLowerCase() === id);
  }

  user(upnOrId: string): FixtureUser | undefined {
    const k = upnOrId.toLowerCase();
    return this.fixture.users.find((u) => u.id.toLowerCase() === k || u.userPrincipalName.toLowerCase() === k);
  }

  users(): readonly FixtureUser[] {
    return this.fixture.users;
  }

  hasAdminConsent(app: FixtureApp): boolean {
    return this.consent.get(app.clientId.toLowerCase()) ?? false;
  }

  setAdminConsent(app: FixtureApp, granted: boolean): void {
    this.consent.set(app.clientId.toLowerCase(), granted);
    // Keep the fixture object in step so the rest of the simulator (Graph's view of the
    // service principal, /_sim) sees the same consent.
    app.adminConsent = granted;
  }

  addCertificate(app: FixtureApp, pem: string): X509Certificate {
    const cert = new X509Certificate(pem);
    const list = this.certificates.get(app.clientId.toLowerCase()) ?? [];
    list.push(cert);
    this.certificates.set(app.clientId.toLowerCase(), list);
    return cert;
  }

  registeredCertificates(app: FixtureApp): readonly X509Certificate[] {
    return this.certificates.get(app.clientId.toLowerCase()) ?? [];
  }

  /** The resource a scope prefix names: its identifier URI, or an app id. */
  resource(identifier: string): Resource | undefined {
    const id = identifier.replace(/\/+$/, '').toLowerCase();
    if (id === GRAPH.identifier || id === GRAPH_APP_ID || id === 'https://graph.microsoft.com/v1.0') return GRAPH;
    if (id === EXCHANGE.identifier || id === EXCHANGE_APP_ID || id === 'https://outlook.office.com') return EXCHANGE;
    for (const app of this.fixture.apps) {
      const uri = app.identifierUri?.replace(/\/+$/, '').toLowerCase();
      const byUri = uri !== undefined && uri === id;
      const byId = id === app.clientId.toLowerCase() || id === `api://${app.clientId.toLowerCase()}`;
      if (byUri || byId) {
        const version = app.accessTokenVersion ?? 2;
        // v1 tokens carry the identifier as the client asked for it; v2 always the client id.
        const audience = version === 2 ? app.clientId : byUri ? (app.identifierUri ?? app.clientId) : identifier.replace(/\/+$/, '');
        return { kind: 'api', identifier: identifier.replace(/\/+$/, ''), version, audience, app, scopes: [API_SCOPE] };
      }
    }
    return undefined;
  }

  /** Application permissions (app roles) a client holds on a resource, as listed in the fixture. */
  applicationRoles(client: FixtureApp, resource: Resource): { roles: string[]; needsConsent: boolean } {
    if (resource.kind === 'api') return { roles: [...(client.appRolesOnApi ?? [])], needsConsent: false };
    const perms = client.applicationPermissions ?? [];
    const roles = perms.filter((p) => (resource.kind === 'exchange' ? EXCHANGE_PERMISSIONS.has(p) : !EXCHANGE_PERMISSIONS.has(p)));
    return { roles, needsConsent: roles.length > 0 };
  }
}

/** A stable object id for an app's service principal in this tenant (Entra gives it its own GUID). */
export function servicePrincipalId(clientId: string, tenantId: string): string {
  const h = createHash('sha256').update(`sp:${tenantId}:${clientId.toLowerCase()}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Entra's `sub` is pairwise: the same user has a different subject for each client app. */
export function pairwiseSubject(userId: string, clientId: string): string {
  return createHash('sha256').update(`${userId.toLowerCase()}|${clientId.toLowerCase()}`).digest('base64url').slice(0, 43);
}
