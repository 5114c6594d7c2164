/**
 * The placeholders of `manifest/manifest.json` and `manifest/manifest.xml`, and the values
 * they take. The committed manifests name the task pane's host and the API's client id only
 * through these tokens, so one pair of files serves the local stack and every deployment:
 * `npm run validate` fills in the local defaults; the production build fills in the values of
 * `--url https://HOST` and the deployment's app registration.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const ROOT = path.resolve(__dirname, '..', '..');
export const MANIFEST_DIR = path.join(ROOT, 'manifest');
export const JSON_MANIFEST_FILE = path.join(MANIFEST_DIR, 'manifest.json');
export const XML_MANIFEST_FILE = path.join(MANIFEST_DIR, 'manifest.xml');
/**
 * Icons named by the manifests. In the app package zip they sit beside manifest.json (the
 * JSON manifest's relative `icons` paths are file names in this folder); the task pane site
 * serves the same files under `https://{host}/assets/`, where the add-in's ribbon and XML
 * icon URLs point.
 */
export const ASSETS_DIR = path.join(ROOT, 'assets');
export const ASSETS_URL_PATH = '/assets/';

/** The tokens, exactly as they appear in the manifests. */
export const PLACEHOLDERS = {
  /** The task pane's host and port, no scheme: `localhost:3000`, `retract.contoso.com`. */
  host: '{{RETRACT_HOST}}',
  /** The application (client) id of the `retract-api` app registration (a GUID). */
  clientId: '{{RETRACT_CLIENT_ID}}',
} as const;

export interface ManifestValues {
  host: string;
  clientId: string;
}

/** Where the local task pane is served (CONTRACTS.md §1: https://localhost:3000). */
export const LOCAL_HOST = 'localhost:3000';
/** Used until the demo tenant fixture exists; it validates, but signs nobody in. */
export const ZERO_GUID = '00000000-0000-0000-0000-000000000000';
export const DEMO_TENANT_FILE = path.join(ROOT, 'src', 'sim', 'tenants', 'demo.json');

const GUID = /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;
// A host name with an optional port; nothing that could break out of a URL or an XML text.
const HOST = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[0-9]{1,5})?$/;

const ValuesSchema = z.object({
  host: z.string().regex(HOST, 'must be a host name with an optional port, without scheme or path'),
  clientId: z.string().regex(GUID, 'must be a GUID'),
});

const DemoTenantApps = z.object({
  apps: z.array(z.object({ name: z.string(), clientId: z.string() }).loose()),
}).loose();

/**
 * The local defaults: host `localhost:3000` and the demo tenant's `retract-api` client id,
 * read from `src/sim/tenants/demo.json`; the all-zero GUID when that file is absent.
 */
export function localManifestValues(demoTenantFile: string = DEMO_TENANT_FILE): ManifestValues {
  let clientId = ZERO_GUID;
  if (fs.existsSync(demoTenantFile)) {
    const parsed = DemoTenantApps.safeParse(JSON.parse(fs.readFileSync(demoTenantFile, 'utf8')));
    const api = parsed.success ? parsed.data.apps.find((app) => app.name === 'retract-api') : undefined;
    if (api && GUID.test(api.clientId)) clientId = api.clientId;
  }
  return { host: LOCAL_HOST, clientId };
}

/** The values for a deployment at `url` (https only; its host and port are used). */
export function manifestValuesFromUrl(url: string, clientId: string): ManifestValues {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:') {
    throw new Error(`The task pane URL ${url} is not https; Outlook and Teams load add-ins and tabs only over https.`);
  }
  return checkValues({ host: parsed.host, clientId });
}

export function checkValues(values: ManifestValues): ManifestValues {
  const result = ValuesSchema.safeParse(values);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`Manifest value ${String(issue?.path[0] ?? '')} ${issue?.message ?? 'is invalid'}: ${JSON.stringify(values)}.`);
  }
  return result.data;
}

/** The manifest text with every placeholder replaced. */
export function fillManifest(text: string, values: ManifestValues): string {
  const checked = checkValues(values);
  return text.split(PLACEHOLDERS.host).join(checked.host).split(PLACEHOLDERS.clientId).join(checked.clientId);
}

/** The URLs the manifests must name for these values (what validation compares against). */
export function expectedUrls(values: ManifestValues): {
  taskpane: string;
  teamsTab: string;
  resource: string;
  scope: string;
  assets: string;
} {
  const origin = `https://${values.host}`;
  const resource = `api://${values.host}/${values.clientId}`;
  return {
    taskpane: `${origin}/taskpane.html`,
    teamsTab: `${origin}/taskpane.html?host=teams`,
    resource,
    scope: `${resource}/access_as_user`,
    assets: `${origin}${ASSETS_URL_PATH}`,
  };
}
