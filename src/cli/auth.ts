/**
 * Client-credentials tokens for the API, from the tenant's authority (Entra ID, or the simulated
 * tenant locally) with @azure/msal-node. MSAL's own HTTP goes through the CLI's transport, so
 * the dev CA is trusted there too; the authority's host is named in knownAuthorities because it
 * is not a Microsoft cloud host locally.
 */
import { AuthError, ConfidentialClientApplication } from '@azure/msal-node';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { CliError, ExitCode } from './exitCodes';
import { TransportError, describeTransportError, type HttpTransport } from './transport';

export interface TokenSource {
  /** A bearer token for the API (cached by MSAL until close to expiry). */
  getToken(): Promise<string>;
}

export interface ClientCredentials {
  authorityHost: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** e.g. `api://localhost:3000/<guid>/.default` */
  scope: string;
}

/** `api://x/y` or `api://x/y/.default` → `api://x/y/.default`: client credentials ask for .default. */
export function defaultScope(scopeOrIdentifierUri: string): string {
  const trimmed = scopeOrIdentifierUri.trim().replace(/\/+$/, '');
  return trimmed.endsWith('/.default') ? trimmed : `${trimmed}/.default`;
}

function parseBody<T>(text: string): T {
  try {
    // MSAL reads the token endpoint's JSON itself; it is typed by the caller of the module.
    return JSON.parse(text) as T;
  } catch {
    return {} as T;
  }
}

/** MSAL's network module on top of the CLI's transport; remembers the last network failure. */
class MsalNetwork implements INetworkModule {
  lastFailure: TransportError | undefined;
  constructor(private readonly transport: HttpTransport) {}

  async sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options);
  }

  async sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private async send<T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    try {
      const res = await this.transport.send({ method, url, headers: options?.headers, body: options?.body });
      return { status: res.status, headers: res.headers, body: parseBody<T>(res.body) };
    } catch (err) {
      if (err instanceof TransportError) this.lastFailure = err;
      throw err;
    }
  }
}

/**
 * Entra's own sentence from an MSAL error message ("AADSTS7000215: Invalid client secret
 * provided. …"), without the trace ids and timestamps around it. Never the request itself,
 * which holds the secret.
 */
export function entraDescription(message: string | undefined): string {
  const text = (message ?? '').replace(/\s+/g, ' ');
  const aadsts = /AADSTS\d+:.*?(?=\s+(?:Trace ID|Correlation ID|Timestamp):|\s+-\s|$)/.exec(text);
  if (aadsts) return aadsts[0].trim();
  return text.split(' - ')[0]?.trim().slice(0, 300) ?? '';
}

/** Entra's error codes for credentials it refuses, as opposed to a fault of the request. */
const REFUSED = new Set(['invalid_client', 'unauthorized_client', 'access_denied', 'invalid_grant']);
const BAD_REQUEST = new Set(['invalid_scope', 'invalid_resource', 'invalid_request', 'invalid_tenant']);

export function createTokenSource(credentials: ClientCredentials, transport: HttpTransport): TokenSource {
  const network = new MsalNetwork(transport);
  const authorityHost = credentials.authorityHost.replace(/\/+$/, '');
  const app = new ConfidentialClientApplication({
    auth: {
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
      authority: `${authorityHost}/${credentials.tenantId}`,
      knownAuthorities: [new URL(authorityHost).host],
    },
    system: { networkClient: network },
  });
  const scope = defaultScope(credentials.scope);

  return {
    async getToken() {
      try {
        const result = await app.acquireTokenByClientCredential({ scopes: [scope] });
        if (!result?.accessToken) {
          throw new CliError(`The authority at ${authorityHost} issued no token for ${scope}.`, ExitCode.failed);
        }
        return result.accessToken;
      } catch (err) {
        if (err instanceof CliError) throw err;
        if (network.lastFailure) {
          throw new CliError(
            `Cannot reach the authority at ${authorityHost}: ${describeTransportError(network.lastFailure)}.`,
            ExitCode.failed,
          );
        }
        if (err instanceof AuthError) {
          const detail = entraDescription(err.errorMessage);
          const why = detail ? ` (${err.errorCode}: ${detail})` : ` (${err.errorCode})`;
          if (REFUSED.has(err.errorCode)) {
            throw new CliError(
              `The authority refused the client credentials of app ${credentials.clientId} in tenant ${credentials.tenantId}${why}. Check --client-id, --client-secret and --tenant-id.`,
              ExitCode.notAllowed,
            );
          }
          if (BAD_REQUEST.has(err.errorCode)) {
            throw new CliError(
              `The authority would not issue a token for ${scope}${why}. Check --scope and --tenant-id.`,
              ExitCode.usage,
            );
          }
          throw new CliError(`Could not get a token from ${authorityHost}${why}.`, ExitCode.failed);
        }
        throw new CliError(`Could not get a token from ${authorityHost}: ${(err as Error).message}`, ExitCode.failed);
      }
    },
  };
}
