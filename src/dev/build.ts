/**
 * `npm run build -- --url https://HOST --client-id GUID [--api https://APP.azurewebsites.net/api]
 * [--tenant-id GUID] [--out DIR] [--only taskpane,api,package]`: the production build.
 *
 * - `DIR/taskpane/`: the task pane site (webpack production of webpack.config.js) with the icons
 *   under `assets/`, and `taskpane-config.json` when `--api` is given (else write it at deploy
 *   time: docs/deploy.md §6).
 * - `DIR/api/` and `DIR/retract-api.zip`: the Function App package (the API bundled with
 *   esbuild into `dist/index.js`, `host.json`, `package.json`), for
 *   `az functionapp deployment source config-zip`.
 * - `DIR/retract-app.zip`: the app package (manifest.json, color.png, outline.png at the zip's
 *   root) and `DIR/manifest.xml`, with the host and client id filled in and validated.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build as esbuild } from 'esbuild';
import webpack from 'webpack';
import { z } from 'zod';
import { ASSETS_DIR, JSON_MANIFEST_FILE, XML_MANIFEST_FILE, fillManifest, manifestValuesFromUrl, type ManifestValues } from './manifest-values';
import { writeZip } from './zip';

const ROOT = path.resolve(__dirname, '..', '..');
const PARTS = ['taskpane', 'api', 'package'] as const;
type Part = (typeof PARTS)[number];

export class BuildUsageError extends Error {}

export interface BuildOptions {
  url: string;
  clientId: string;
  tenantId: string;
  api?: string;
  out: string;
  only: Part[];
}

const GUID = /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;
const optionsSchema = z.object({
  url: z.url({ protocol: /^https$/, error: 'must be an https URL, such as https://retract.contoso.com' }),
  'client-id': z.string().regex(GUID, 'must be the GUID of the retract-api app registration'),
  'tenant-id': z.union([z.string().regex(GUID), z.literal('organizations')], { error: 'must be the tenant GUID or "organizations"' }).default('organizations'),
  api: z.url({ protocol: /^https$/, error: 'must be the https URL of the Function App, ending in /api' }).optional(),
  out: z.string().min(1).default('dist'),
  only: z
    .string()
    .default(PARTS.join(','))
    .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
    .pipe(z.array(z.enum(PARTS, { error: `must list some of ${PARTS.join(', ')}` })).min(1)),
});

export function parseBuildOptions(argv: string[], env: Record<string, string | undefined> = process.env, cwd = process.cwd()): BuildOptions {
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string' },
        'client-id': { type: 'string' },
        'tenant-id': { type: 'string' },
        api: { type: 'string' },
        out: { type: 'string' },
        only: { type: 'string' },
      },
    }));
  } catch (err) {
    throw new BuildUsageError(`${(err as Error).message}. Usage: npm run build -- --url https://HOST --client-id GUID [--api URL] [--tenant-id GUID] [--out DIR] [--only taskpane,api,package].`);
  }
  const parsed = optionsSchema.safeParse({
    ...values,
    'client-id': values['client-id'] ?? env.RETRACT_CLIENT_ID,
    'tenant-id': values['tenant-id'] ?? env.RETRACT_TENANT_ID,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const flag = String(issue.path[0] ?? '');
    const missing = issue.code === 'invalid_type' && issue.input === undefined;
    throw new BuildUsageError(missing ? `--${flag} is required (the task pane's https URL and the retract-api app registration's client id).` : `--${flag} ${issue.message}.`);
  }
  const v = parsed.data;
  return {
    url: v.url.replace(/\/+$/, ''),
    clientId: v['client-id'],
    tenantId: v['tenant-id'],
    ...(v.api ? { api: v.api.replace(/\/+$/, '') } : {}),
    out: path.resolve(cwd, v.out),
    only: v.only,
  };
}

/** Microsoft's authority; the task pane's configuration names it (the simulator only locally). */
export const MICROSOFT_AUTHORITY = 'https://login.microsoftonline.com';

export function taskpaneConfigFor(options: BuildOptions, values: ManifestValues): Record<string, unknown> | undefined {
  if (!options.api) return undefined;
  return {
    clientId: values.clientId,
    authorityHost: MICROSOFT_AUTHORITY,
    tenantId: options.tenantId,
    apiBase: options.api,
    apiScope: `api://${values.host}/${values.clientId}/access_as_user`,
    redirectUri: `https://${values.host}/auth-redirect.html`,
  };
}

async function buildTaskpane(options: BuildOptions, values: ManifestValues, log: (line: string) => void): Promise<void> {
  const out = path.join(options.out, 'taskpane');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- webpack.config.js is CommonJS at the root
  const makeConfig = require(path.join(ROOT, 'webpack.config.js')) as (env: unknown, argv: { mode: string }) => webpack.Configuration;
  // The site's CSP must let the pane call the API's origin (written into staticwebapp.config.json).
  const apiOrigin = options.api ? new URL(options.api).origin : process.env.RETRACT_API_ORIGIN;
  const config = makeConfig({ apiOrigin }, { mode: 'production' });
  config.output = { ...config.output, path: out };
  config.infrastructureLogging = { level: 'warn' };
  const stats = await new Promise<webpack.Stats>((resolve, reject) =>
    webpack(config, (err, result) => (err || !result ? reject(err ?? new Error('webpack gave no result')) : resolve(result))),
  );
  if (stats.hasErrors()) throw new Error(`The task pane did not build:\n${stats.toString('errors-only')}`);
  fs.cpSync(ASSETS_DIR, path.join(out, 'assets'), { recursive: true });
  const config_ = taskpaneConfigFor(options, values);
  if (config_) fs.writeFileSync(path.join(out, 'taskpane-config.json'), JSON.stringify(config_, null, 2) + '\n');
  log(`taskpane  ${path.relative(process.cwd(), out)}/ (${config_ ? 'with' : 'without'} taskpane-config.json)`);
  if (!apiOrigin) {
    log('warning   staticwebapp.config.json lets the pane call only its own origin: give --api URL (or RETRACT_API_ORIGIN) when the API is on another host, or the CSP blocks every API call');
  }
}

/** The Functions host settings: HTTP routes under /api, work items retried 5 times before `-poison`. */
export const HOST_JSON = {
  version: '2.0',
  logging: { logLevel: { default: 'Information' }, applicationInsights: { samplingSettings: { isEnabled: true, excludedTypes: 'Request' } } },
  extensionBundle: { id: 'Microsoft.Azure.Functions.ExtensionBundle', version: '[4.*, 5.0.0)' },
  extensions: { http: { routePrefix: 'api' }, queues: { maxDequeueCount: 5, batchSize: 16 } },
};

async function buildApi(options: BuildOptions, log: (line: string) => void): Promise<void> {
  const out = path.join(options.out, 'api');
  fs.rmSync(out, { recursive: true, force: true });
  await esbuild({
    entryPoints: [path.join(ROOT, 'src', 'api', 'index.ts')],
    outfile: path.join(out, 'dist', 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: false,
    sourcemap: 'linked',
    // The Functions worker provides this module at run time; it is never installed.
    external: ['@azure/functions-core'],
    // Some Azure SDK packages reach esbuild as ES modules that read import.meta.url.
    banner: { js: "const __retractImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    define: { 'import.meta.url': '__retractImportMetaUrl' },
    logLevel: 'warning',
  });
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  fs.writeFileSync(path.join(out, 'host.json'), JSON.stringify(HOST_JSON, null, 2) + '\n');
  fs.writeFileSync(
    path.join(out, 'package.json'),
    JSON.stringify({ name: 'retract-api', version: pkg.version, private: true, main: 'dist/index.js', engines: { node: '>=20' } }, null, 2) + '\n',
  );
  const files = ['host.json', 'package.json', 'dist/index.js', 'dist/index.js.map'];
  fs.writeFileSync(path.join(options.out, 'retract-api.zip'), writeZip(files.map((name) => ({ name, data: fs.readFileSync(path.join(out, name)) }))));
  log(`api  ${path.relative(process.cwd(), out)}/ and ${path.relative(process.cwd(), path.join(options.out, 'retract-api.zip'))}`);
}

async function buildPackage(options: BuildOptions, values: ManifestValues, log: (line: string) => void): Promise<void> {
  const dir = path.join(options.out, 'package');
  fs.mkdirSync(dir, { recursive: true });
  const json = path.join(dir, 'manifest.json');
  const xml = path.join(options.out, 'manifest.xml');
  fs.writeFileSync(json, fillManifest(fs.readFileSync(JSON_MANIFEST_FILE, 'utf8'), values));
  fs.writeFileSync(xml, fillManifest(fs.readFileSync(XML_MANIFEST_FILE, 'utf8'), values));
  for (const icon of ['color.png', 'outline.png']) fs.copyFileSync(path.join(ASSETS_DIR, icon), path.join(dir, icon));
  // Loaded here: @microsoft/app-manifest pulls in ES modules that only a real Node run (not jest) loads.
  const { main: validateMain } = await import('./validate-manifests');
  const code = await validateMain(['--json', json, '--xml', xml, '--host', values.host, '--client-id', values.clientId]);
  if (code !== 0) throw new Error('The filled manifests did not validate (faults above); the app package was not written.');
  const zip = path.join(options.out, 'retract-app.zip');
  fs.writeFileSync(zip, writeZip(['manifest.json', 'color.png', 'outline.png'].map((name) => ({ name, data: fs.readFileSync(path.join(dir, name)) }))));
  log(`package  ${path.relative(process.cwd(), zip)} and ${path.relative(process.cwd(), xml)}`);
}

export async function build(options: BuildOptions, log: (line: string) => void = console.log): Promise<void> {
  const values = manifestValuesFromUrl(options.url, options.clientId);
  fs.mkdirSync(options.out, { recursive: true });
  // The cheap, checkable parts first, so a bad manifest stops the build before webpack runs.
  if (options.only.includes('package')) await buildPackage(options, values, log);
  if (options.only.includes('api')) await buildApi(options, log);
  if (options.only.includes('taskpane')) await buildTaskpane(options, values, log);
}

async function main(): Promise<number> {
  let options: BuildOptions;
  try {
    options = parseBuildOptions(process.argv.slice(2));
  } catch (err) {
    if (err instanceof BuildUsageError) {
      console.error(`build: ${err.message}`);
      return 2;
    }
    throw err;
  }
  const started = Date.now();
  await build(options);
  console.log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(`build: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    },
  );
}
