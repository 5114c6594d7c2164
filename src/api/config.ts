/**
 * The API's configuration, from the environment names of CONTRACTS §2 (the same locally and in
 * Azure). Validated once; a missing or malformed value stops the API with a sentence naming it.
 */
import { z } from 'zod';

/** A lookup's time limit unless RETRACT_LOOKUP_TIMEOUT_MS says otherwise (under Azure's 230 s). */
export const DEFAULT_LOOKUP_TIMEOUT_MS = 200_000;

const httpsUrl = z
  .string()
  .url()
  .transform((s) => s.replace(/\/+$/, ''));

const envSchema = z
  .object({
    RETRACT_TENANT_ID: z.string().min(1),
    RETRACT_CLIENT_ID: z.string().min(1),
    RETRACT_CLIENT_SECRET: z.string().min(1).optional(),
    RETRACT_CLIENT_CERT_PATH: z.string().min(1).optional(),
    RETRACT_AUTHORITY_HOST: httpsUrl.default('https://login.microsoftonline.com'),
    RETRACT_GRAPH_BASE: httpsUrl.default('https://graph.microsoft.com/v1.0'),
    RETRACT_EXCHANGE_BASE: httpsUrl.default('https://outlook.office365.com'),
    RETRACT_STORAGE: z.string().min(1),
    RETRACT_ALLOWED_TENANTS: z.string().optional(),
    /** Optional: the API's identifier URI (v1 tokens carry it as `aud`); `api://…/{clientId}` is accepted without it. */
    RETRACT_API_IDENTIFIER_URI: z.string().min(1).optional(),
    /** Optional: the work-item queue's name (its poison queue is `{name}-poison`). */
    RETRACT_QUEUE: z
      .string()
      .regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,54}[a-z0-9]$/)
      .default('retract-work'),
    /**
     * Optional: origins (comma-separated, `https://host[:port]`) whose browser pages may call the
     * API across origins: the task pane's site. None by default (the local pane calls the API
     * through its own origin).
     */
    RETRACT_ALLOWED_ORIGINS: z
      .string()
      .optional()
      .refine(
        (v) => !v || v.split(/[,\s]+/).filter(Boolean).every((o) => /^https:\/\/[a-z0-9.-]+(:\d{1,5})?$/i.test(o)),
        'Each allowed origin is https://host or https://host:port, with no path.',
      ),
    /**
     * Optional: how a new job and an undo check the caller's Retract.Admin role. `directory`, the
     * default, reads the role assignments through Graph at that moment (needs Directory.Read.All). `token` trusts the token's `roles` claim until it expires (up to an hour after
     * the role was removed): only for a tenant that will not grant Directory.Read.All.
     */
    RETRACT_ROLE_CHECK: z.enum(['directory', 'token']).default('directory'),
    /**
     * Optional: milliseconds one request to Graph or Exchange may take before it is abandoned and
     * retried (100 s unless set); a request to Entra ID gets the same or 30 s, whichever is less.
     */
    RETRACT_GRAPH_TIMEOUT_MS: z.coerce
      .number({ error: 'RETRACT_GRAPH_TIMEOUT_MS must be a whole number of milliseconds.' })
      .int('RETRACT_GRAPH_TIMEOUT_MS must be a whole number of milliseconds.')
      .min(100, 'RETRACT_GRAPH_TIMEOUT_MS must be at least 100.')
      .max(600_000, 'RETRACT_GRAPH_TIMEOUT_MS must be at most 600000 (ten minutes).')
      .optional(),
    /**
     * Optional: milliseconds a lookup may take before the API gives up on it and answers 503
     * (200 s unless set): under the 230 s Azure's front end waits for an HTTP answer, so that the
     * caller hears why, rather than a bare gateway timeout, when Graph is slow or down.
     */
    RETRACT_LOOKUP_TIMEOUT_MS: z.coerce
      .number({ error: 'RETRACT_LOOKUP_TIMEOUT_MS must be a whole number of milliseconds.' })
      .int('RETRACT_LOOKUP_TIMEOUT_MS must be a whole number of milliseconds.')
      .min(1000, 'RETRACT_LOOKUP_TIMEOUT_MS must be at least 1000.')
      .max(220_000, 'RETRACT_LOOKUP_TIMEOUT_MS must be at most 220000: Azure ends an HTTP request after 230 s.')
      .default(DEFAULT_LOOKUP_TIMEOUT_MS),
  })
  .refine((e) => e.RETRACT_CLIENT_SECRET || e.RETRACT_CLIENT_CERT_PATH, {
    message: 'Set RETRACT_CLIENT_SECRET or RETRACT_CLIENT_CERT_PATH: the API needs a credential of its app registration.',
    path: ['RETRACT_CLIENT_SECRET'],
  });

export interface ApiConfig {
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  clientCertPath?: string;
  authorityHost: string;
  graphBase: string;
  exchangeBase: string;
  storage: string;
  allowedTenants: string[];
  identifierUri?: string;
  queueName: string;
  roleCheck: 'directory' | 'token';
  /** Origins allowed to call the API from a browser (CORS); empty: none. */
  allowedOrigins: string[];
  /** How long one Graph or Exchange request may take (ms); undefined: the gateways' default. */
  graphTimeoutMs?: number;
  /** How long a lookup may take (ms) before it is answered 503. */
  lookupTimeoutMs: number;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): ApiConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const name = first?.path.join('.') ?? 'environment';
    throw new Error(`The API's configuration is incomplete: ${name}: ${first?.message ?? 'invalid'}.`);
  }
  const e = parsed.data;
  const allowed = (e.RETRACT_ALLOWED_TENANTS ?? e.RETRACT_TENANT_ID)
    .split(/[,\s]+/)
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  return {
    tenantId: e.RETRACT_TENANT_ID,
    clientId: e.RETRACT_CLIENT_ID,
    clientSecret: e.RETRACT_CLIENT_SECRET,
    clientCertPath: e.RETRACT_CLIENT_CERT_PATH,
    authorityHost: e.RETRACT_AUTHORITY_HOST,
    graphBase: e.RETRACT_GRAPH_BASE,
    exchangeBase: e.RETRACT_EXCHANGE_BASE,
    storage: e.RETRACT_STORAGE,
    allowedTenants: allowed,
    identifierUri: e.RETRACT_API_IDENTIFIER_URI,
    queueName: e.RETRACT_QUEUE,
    roleCheck: e.RETRACT_ROLE_CHECK,
    allowedOrigins: (e.RETRACT_ALLOWED_ORIGINS ?? '').split(/[,\s]+/).filter(Boolean),
    graphTimeoutMs: e.RETRACT_GRAPH_TIMEOUT_MS,
    lookupTimeoutMs: e.RETRACT_LOOKUP_TIMEOUT_MS,
  };
}
