/**
 * App-only tokens from Entra ID (or the simulated tenant) through MSAL's confidential client.
 * MSAL caches each token until shortly before it expires, so every request may ask for one.
 * Nothing here logs a secret or a token.
 */
import { ConfidentialClientApplication, LogLevel, type Configuration, type INetworkModule } from '@azure/msal-node';
import type { AuthenticationProvider } from '@microsoft/microsoft-graph-client';

export interface AppCredentials {
  authorityHost: string;
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  clientCertificate?: { thumbprint: string; privateKey: string; x5c?: string };
  /** MSAL's HTTP client for Entra ID (the API gives one with a time limit); MSAL's own if absent. */
  networkClient?: INetworkModule;
}

export function createConfidentialClient(creds: AppCredentials): ConfidentialClientApplication {
  if (!creds.clientSecret && !creds.clientCertificate) {
    throw new Error('The app has neither a client secret nor a certificate. Set RETRACT_CLIENT_SECRET or RETRACT_CLIENT_CERT_PATH.');
  }
  const host = creds.authorityHost.replace(/\/+$/, '');
  const config: Configuration = {
    auth: {
      clientId: creds.clientId,
      authority: `${host}/${creds.tenantId}`,
      // The simulator is not a Microsoft cloud: MSAL accepts its authority once it is listed here.
      knownAuthorities: [new URL(host).host],
      ...(creds.clientCertificate
        ? { clientCertificate: { ...creds.clientCertificate } }
        : { clientSecret: creds.clientSecret }),
    },
    system: {
      loggerOptions: { piiLoggingEnabled: false, logLevel: LogLevel.Error, loggerCallback: () => undefined },
      ...(creds.networkClient ? { networkClient: creds.networkClient } : {}),
    },
  };
  return new ConfidentialClientApplication(config);
}

/** A Graph client auth provider for one resource scope, e.g. `https://graph.microsoft.com/.default`. */
export function createAppTokenProvider(creds: AppCredentials, scope: string): AuthenticationProvider {
  const app = createConfidentialClient(creds);
  // Many requests start at once on a cold cache: they share one token request.
  let pending: Promise<string> | undefined;
  const acquire = async (): Promise<string> => {
    const result = await app.acquireTokenByClientCredential({ scopes: [scope] });
    if (!result?.accessToken) {
      throw new Error('Entra ID gave the app no access token. Check the app registration and its admin consent.');
    }
    return result.accessToken;
  };
  return {
    getAccessToken(): Promise<string> {
      pending ??= acquire().finally(() => {
        pending = undefined;
      });
      return pending;
    },
  };
}
