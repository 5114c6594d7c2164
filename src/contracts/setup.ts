import { z } from 'zod';

export const domainStatusSchema = z.enum(['granted', 'not-in-tenant', 'not-verified']);
export type DomainStatus = z.infer<typeof domainStatusSchema>;

/**
 * A DNS domain name (ASCII or punycode). Kept as written (no transform, so the schema also
 * describes answers in OpenAPI); compare with `normalizeDomain` of src/core.
 */
export const domainNameSchema = z
  .string()
  .max(253)
  .regex(
    /^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/,
    'This is not a domain name, such as contoso.com.',
  );

export const permissionSchema = z.object({
  /** e.g. `Mail.ReadWrite` (Graph) or `Exchange.ManageAsApp`. */
  name: z.string(),
  granted: z.boolean(),
});
export type Permission = z.infer<typeof permissionSchema>;

/** GET /api/setup */
export const setupSchema = z.object({
  /** Whether admin consent is in place: an app-only token can be had and Graph answers. */
  consent: z.boolean(),
  consentUrl: z.string(),
  domains: z.array(z.object({ domain: z.string(), status: domainStatusSchema })),
  permissions: z.array(permissionSchema),
});
export type Setup = z.infer<typeof setupSchema>;

/** PUT /api/settings/domains (and its answer). */
export const domainsSettingsSchema = z.strictObject({
  domains: z.array(domainNameSchema).max(500, 'At most 500 managed domains.'),
});
export type DomainsSettings = z.infer<typeof domainsSettingsSchema>;
