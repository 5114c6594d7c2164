// The pane's configuration comes from the server that serves it, never from the source: the same
// build then runs against the simulated tenant and against Microsoft.
//
// GET /taskpane-config.json (same origin as taskpane.html), shape:
// {
//   "clientId":      "GUID",                       the task pane's app registration (the API's, for NAA SSO)
//   "authorityHost": "https://login.microsoftonline.com" | "https://localhost:4010",
//   "tenantId":      "GUID" | "organizations",
//   "apiBase":       "https://localhost:7071/api", the Retract API, no trailing slash
//   "apiScope":      "api://localhost:3000/GUID/access_as_user",
//   "redirectUri":   "https://localhost:3000/auth-redirect.html"   optional; default: that page on this origin
//   "harnessOrigins": ["https://localhost:3000"]   optional; origins that may frame the pane (harness, Teams dev)
//   "officeJsUrl":   "…/office.js"                 optional; default Microsoft's CDN
// }
import { z } from 'zod';

const httpsUrl = z.url({ protocol: /^https$/ });

export const taskpaneConfigSchema = z.object({
  clientId: z.string().min(1),
  authorityHost: httpsUrl.transform((u) => u.replace(/\/+$/, '')),
  tenantId: z.string().min(1),
  apiBase: z.url().transform((u) => u.replace(/\/+$/, '')),
  apiScope: z.string().regex(/^api:\/\/.+\/access_as_user$/, 'apiScope must be api://…/access_as_user'),
  redirectUri: z.url().optional(),
  harnessOrigins: z.array(z.url()).optional(),
  officeJsUrl: z.url().optional(),
});
export type TaskpaneConfig = z.infer<typeof taskpaneConfigSchema>;

export const CONFIG_PATH = '/taskpane-config.json';

export class ConfigError extends Error {}

export async function loadConfig(fetchImpl: typeof fetch = fetch, path = CONFIG_PATH): Promise<TaskpaneConfig> {
  let body: unknown;
  try {
    const response = await fetchImpl(path, { headers: { Accept: 'application/json' }, cache: 'no-cache' });
    if (!response.ok) throw new ConfigError(`status ${response.status}`);
    body = await response.json();
  } catch (error) {
    throw new ConfigError(`The task pane could not read its configuration (${CONFIG_PATH}): ${error instanceof Error ? error.message : String(error)}. Ask your administrator to check the deployment.`);
  }
  const parsed = taskpaneConfigSchema.safeParse(body);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ConfigError(`The task pane's configuration is invalid at "${first?.path.join('.') ?? ''}": ${first?.message ?? 'unknown fault'}. Ask your administrator to check the deployment.`);
  }
  return parsed.data;
}
