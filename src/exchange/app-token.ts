/**
 * App-only tokens for the Exchange admin API (`https://outlook.office365.com/.default`,
 * `Exchange.ManageAsApp`) through MSAL's confidential client, which caches them until shortly
 * before they expire. Nothing here logs a secret or a token.
 */
import { ClientAuthError, ConfidentialClientApplication, LogLevel, type INetworkModule } from '@azure/msal-node';

export interface ExchangeCredentials {
  authorityHost: string;
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  clientCertificate?: { thumbprint: string; privateKey: string; x5c?: string };
  /** MSAL's HTTP client for Entra ID (the API gives one with a time limit); MSAL's own if absent. */
  networkClient?: INetworkModule;
}

export const EXCHANGE_SCOPE = 'https://outlook.office365.com/.default';

export function createExchangeTokenSource(creds: ExchangeCredentials): () => Promise<string> {
  if (!creds.clientSecret && !creds.clientCertificate) {
    throw new Error('The app has neither a client secret nor a certificate. Set RETRACT_CLIENT_SECRET or RETRACT_CLIENT_CERT_PATH.');
  }
  const host = creds.authorityHost.replace(/\/+$/, '');
  const app = new ConfidentialClientApplication({
    auth: {
      clientId: creds.clientId,
      authority: `${host}/${creds.tenantId}`,
      knownAuthorities: [new URL(host).host],
      ...(creds.clientCertificate ? { clientCertificate: { ...creds.clientCertificate } } : { clientSecret: creds.clientSecret }),
    },
    system: {
      loggerOptions: { piiLoggingEnabled: false, logLevel: LogLevel.Error, loggerCallback: () => undefined },
      ...(creds.networkClient ? { networkClient: creds.networkClient } : {}),
    },
  });
  // Calls that start together on a cold cache share one token request (MSAL caches the token).
  let pending: Promise<string> | undefined;
  const acquire = async (): Promise<string> => {
    const result = await app.acquireTokenByClientCredential({ scopes: [EXCHANGE_SCOPE] });
    if (!result?.accessToken) {
      throw new Error('Entra ID gave the app no token for Exchange Online. Check that it holds Exchange.ManageAsApp with admin consent.');
    }
    return result.accessToken;
  };
  return () => {
    pending ??= acquire().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}

/**
 * Whether a token request failed on the way (Entra ID unreachable, or silent past the time
 * limit), so that trying again may work — not a refusal (a wrong secret, a missing consent).
 */
export function isTransientTokenError(err: unknown): boolean {
  return err instanceof ClientAuthError && ['network_error', 'endpoints_resolution_error'].includes(err.errorCode);
}
