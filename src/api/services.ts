/**
 * Everything a handler needs, built once from the configuration: storage, the audit, the token
 * verifier and the gateways to Microsoft Graph and Exchange (app-only, created on first use).
 */
import fs from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { createGraphGateway, type GraphGateway } from '../graph/graph-gateway';
import { createExchangeGateway, type ExchangeGateway } from '../exchange';
import { AuditStore } from './audit/store';
import { createTokenVerifier, type TokenVerifier } from './auth/tokens';
import { loadConfig, type ApiConfig } from './config';
import { ENTRA_REQUEST_TIMEOUT_MS, createTimedNetworkClient } from './msal-network';
import { createStorage, type Storage } from './storage/clients';
import { JobStore } from './storage/jobs';
import { LookupStore } from './storage/lookups';
import { SettingsStore } from './storage/settings';
import type { AppCredentials } from '../graph/app-token-provider';

export interface Services {
  config: ApiConfig;
  storage: Storage;
  audit: AuditStore;
  lookups: LookupStore;
  jobs: JobStore;
  settings: SettingsStore;
  verifier: TokenVerifier;
  credentials: AppCredentials;
  graph(): GraphGateway;
  exchange(): ExchangeGateway;
}

export function createServices(env: Record<string, string | undefined> = process.env): Services {
  const config = loadConfig(env);
  const storage = createStorage(config.storage, config.queueName);
  const credentials = appCredentials(config);
  let graph: GraphGateway | undefined;
  let exchange: ExchangeGateway | undefined;
  return {
    config,
    storage,
    audit: new AuditStore(storage),
    lookups: new LookupStore(storage),
    jobs: new JobStore(storage),
    settings: new SettingsStore(storage),
    verifier: createTokenVerifier({
      authorityHost: config.authorityHost,
      clientId: config.clientId,
      identifierUri: config.identifierUri,
      allowedTenants: config.allowedTenants,
    }),
    credentials,
    graph() {
      graph ??= createGraphGateway({ ...credentials, graphBase: config.graphBase, requestTimeoutMs: config.graphTimeoutMs });
      return graph;
    },
    exchange() {
      exchange ??= createExchangeGateway({ ...credentials, exchangeBase: config.exchangeBase, requestTimeoutMs: config.graphTimeoutMs });
      return exchange;
    },
  };
}

function appCredentials(config: ApiConfig): AppCredentials {
  // Entra ID's answers get the same time limit as Graph's when that is the shorter (tests).
  const networkClient = createTimedNetworkClient(Math.min(ENTRA_REQUEST_TIMEOUT_MS, config.graphTimeoutMs ?? ENTRA_REQUEST_TIMEOUT_MS));
  const base = { authorityHost: config.authorityHost, tenantId: config.tenantId, clientId: config.clientId, networkClient };
  if (config.clientCertPath) {
    // A PEM file holding the private key and the certificate; MSAL wants the thumbprint too.
    const pem = fs.readFileSync(config.clientCertPath, 'utf8');
    const key = /-----BEGIN (?:RSA )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA )?PRIVATE KEY-----/.exec(pem)?.[0];
    const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
    if (!key || !cert) throw new Error('RETRACT_CLIENT_CERT_PATH must name a PEM file holding the private key and its certificate.');
    const x509 = new X509Certificate(cert);
    return { ...base, clientCertificate: { thumbprint: x509.fingerprint.replace(/:/g, ''), privateKey: key, x5c: cert } };
  }
  return { ...base, clientSecret: config.clientSecret };
}

let shared: Services | undefined;

/** The process's services from process.env (what the Functions host runs). */
export function sharedServices(): Services {
  shared ??= createServices(process.env);
  return shared;
}
