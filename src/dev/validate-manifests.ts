/**
 * `npm run validate`: checks both manifests with no network.
 *
 * - `manifest/manifest.json` (unified app manifest): the placeholders are filled with the
 *   local defaults (manifest-values.ts), then the manifest is validated against its JSON
 *   schema with `AppManifestUtils.validateAgainstSchema` — offline, because
 *   `@microsoft/app-manifest` bundles the schema of the `$schema` URL used here — and against
 *   what Retract needs of it: the task pane page, the mailRead button, the Teams tab, the app
 *   registration (`webApplicationInfo`), and the icons it names (present, right pixel size,
 *   the outline one white on transparent).
 * - `manifest/manifest.xml` (add-in only manifest): read with `office-addin-manifest`'s own
 *   reader (the same xml2js parse it uses), then its fields are tested. Its `validate`
 *   command posts the file to a Microsoft service, which this machine cannot reach, so the
 *   XML is not checked against the XSD here.
 *
 * Exit 0 when everything passes; otherwise 1, with one line per fault on stderr (2: bad arguments).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { AppManifestUtils, type AppManifest } from '@microsoft/app-manifest';
import { OfficeAddinManifest } from 'office-addin-manifest';
import { ManifestHandlerXml } from 'office-addin-manifest/lib/manifestHandler/manifestHandlerXml';
import { decodePngRgba, readPngInfo } from './make-icons';
import {
  ASSETS_DIR,
  JSON_MANIFEST_FILE,
  XML_MANIFEST_FILE,
  ZERO_GUID,
  checkValues,
  expectedUrls,
  fillManifest,
  localManifestValues,
  type ManifestValues,
} from './manifest-values';

/** The schema URL whose schema `@microsoft/app-manifest` bundles (see shared NOTES.md). */
export const BUNDLED_SCHEMA_URL = 'https://developer.microsoft.com/json-schemas/teams/v1.22/MicrosoftTeams.schema.json';

export interface CheckOptions {
  values: ManifestValues;
  /** Where the icons the manifests name are looked up (default `assets/`). */
  assetsDir: string;
}

export function defaultCheckOptions(): CheckOptions {
  return { values: localManifestValues(), assetsDir: ASSETS_DIR };
}

const GUID = /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/;
const LEFTOVER_PLACEHOLDER = /\{\{[A-Z0-9_]+\}\}/;

// ---------------------------------------------------------------------------------------
// Icons

export interface IconExpectation {
  /** A file name in the assets folder. */
  file: string;
  size: number;
  /** Teams outline icons: white on a transparent background. */
  outline?: boolean;
}

/** Faults of one icon file: missing, not a PNG, wrong size, or (outline) not white on transparent. */
export function checkIcon(where: string, icon: IconExpectation, assetsDir: string): string[] {
  const name = icon.file;
  if (!name || path.isAbsolute(name) || name.split(/[\\/]/).some((part) => part === '..') || name.includes('/')) {
    return [`${where}: icon "${name}" must be a file name in assets/ (no folders).`];
  }
  const file = path.join(assetsDir, name);
  if (!fs.existsSync(file)) return [`${where}: icon file assets/${name} does not exist (run \`npx tsx src/dev/make-icons.ts\`).`];
  const bytes = fs.readFileSync(file);
  const info = readPngInfo(bytes);
  if (!info) return [`${where}: icon file assets/${name} is not a PNG.`];
  if (info.width !== icon.size || info.height !== icon.size) {
    return [`${where}: icon file assets/${name} is ${info.width}×${info.height}; it must be ${icon.size}×${icon.size}.`];
  }
  if (!icon.outline) return [];
  const pixels = decodePngRgba(bytes);
  if (!info.hasAlpha || !pixels) {
    return [`${where}: outline icon assets/${name} must be an 8-bit PNG with an alpha channel (white on transparent).`];
  }
  let transparent = 0;
  let coloured = 0;
  for (let i = 0; i < pixels.width * pixels.height; i++) {
    const [r, g, b, a] = [pixels.rgba[i * 4], pixels.rgba[i * 4 + 1], pixels.rgba[i * 4 + 2], pixels.rgba[i * 4 + 3]];
    if (a === 0) transparent++;
    else if (r !== 255 || g !== 255 || b !== 255) coloured++;
  }
  const faults: string[] = [];
  if (transparent === 0) faults.push(`${where}: outline icon assets/${name} has no transparent pixel; Teams needs white on transparent.`);
  if (coloured > 0) faults.push(`${where}: outline icon assets/${name} has ${coloured} pixels that are not white; Teams needs white on transparent.`);
  return faults;
}

/** The assets/ file name an `https://{host}/assets/NAME` URL points at, or a fault. */
function assetFromUrl(where: string, url: string, values: ManifestValues): { file?: string; fault?: string } {
  const base = expectedUrls(values).assets;
  if (!url.startsWith(base)) return { fault: `${where}: icon URL ${url} must be under ${base}.` };
  return { file: url.slice(base.length) };
}

// ---------------------------------------------------------------------------------------
// JSON manifest

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const objects = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Faults of a unified manifest object whose placeholders are already filled. */
export async function checkJsonManifest(manifest: unknown, options: CheckOptions): Promise<string[]> {
  const where = 'manifest.json';
  if (!isObject(manifest)) return [`${where}: is not a JSON object.`];
  const { values, assetsDir } = options;
  const urls = expectedUrls(values);
  const faults: string[] = [];

  const leftover = JSON.stringify(manifest).match(LEFTOVER_PLACEHOLDER);
  if (leftover) faults.push(`${where}: placeholder ${leftover[0]} is not one the build fills in ({{RETRACT_HOST}}, {{RETRACT_CLIENT_ID}}).`);

  // Any other $schema would make the validator fetch it over the network (none here).
  if (manifest.$schema !== BUNDLED_SCHEMA_URL) {
    faults.push(`${where}: $schema must be ${BUNDLED_SCHEMA_URL} (its schema is bundled, so validation works offline); found ${JSON.stringify(manifest.$schema)}.`);
  } else {
    // The manifest is untyped JSON here; the schema check is what types it.
    const errors = await AppManifestUtils.validateAgainstSchema(manifest as unknown as AppManifest);
    for (const error of errors) {
      const [what, details] = error.split('. Details: ');
      const trimmed = (what ?? error).trim();
      const located = trimmed.startsWith('/') ? trimmed : `(root) ${trimmed}`;
      faults.push(`${where}: schema: ${located}${details && details !== '{}' ? ` ${details}` : ''}`);
    }
  }

  // What Retract needs of the manifest, beyond the schema.
  const app = isObject(manifest.webApplicationInfo) ? manifest.webApplicationInfo : undefined;
  if (!app) faults.push(`${where}: webApplicationInfo is missing; the task pane cannot sign in with SSO/NAA without it.`);
  else {
    if (app.id !== values.clientId) faults.push(`${where}: webApplicationInfo.id is ${JSON.stringify(app.id)}; it must be the API's client id ${values.clientId}.`);
    if (app.resource !== urls.resource) faults.push(`${where}: webApplicationInfo.resource is ${JSON.stringify(app.resource)}; it must be ${urls.resource}.`);
  }

  const domains = Array.isArray(manifest.validDomains) ? manifest.validDomains : [];
  if (!domains.includes(values.host)) faults.push(`${where}: validDomains must include ${values.host}.`);

  const tab = objects(manifest.staticTabs).find((t) => t.contentUrl === urls.teamsTab);
  if (!tab) faults.push(`${where}: staticTabs must hold a tab whose contentUrl is ${urls.teamsTab}.`);
  else if (!Array.isArray(tab.scopes) || !tab.scopes.includes('personal')) faults.push(`${where}: the Teams tab must have the "personal" scope.`);

  const permissions = isObject(manifest.authorization) && isObject(manifest.authorization.permissions)
    ? objects(manifest.authorization.permissions.resourceSpecific)
    : [];
  if (!permissions.some((p) => p.name === 'MailboxItem.ReadWrite.User' && p.type === 'Delegated')) {
    faults.push(`${where}: authorization.permissions.resourceSpecific must grant MailboxItem.ReadWrite.User (Delegated), as the XML manifest's ReadWriteItem does.`);
  }

  const extension = objects(manifest.extensions)[0];
  if (!extension) faults.push(`${where}: extensions is missing; without it the app is no Outlook add-in.`);
  else {
    const requirements = isObject(extension.requirements) ? extension.requirements : {};
    if (!objects(requirements.capabilities).some((c) => str(c.name)?.toLowerCase() === 'mailbox')) {
      faults.push(`${where}: extensions[0].requirements.capabilities must require the Mailbox requirement set.`);
    }
    const openPages = new Set<string>();
    for (const runtime of objects(extension.runtimes)) {
      const code = isObject(runtime.code) ? runtime.code : {};
      if (code.page !== urls.taskpane) continue;
      for (const action of objects(runtime.actions)) if (action.type === 'openPage' && typeof action.id === 'string') openPages.add(action.id);
    }
    if (openPages.size === 0) faults.push(`${where}: extensions[0].runtimes must open ${urls.taskpane} with an openPage action.`);

    const icons: { where: string; url: string; size: unknown }[] = [];
    let button = false;
    objects(extension.ribbons).forEach((ribbon, r) => {
      const read = Array.isArray(ribbon.contexts) && ribbon.contexts.includes('mailRead');
      objects(ribbon.tabs).forEach((tabItem, t) => {
        objects(tabItem.groups).forEach((group, g) => {
          const at = `extensions[0].ribbons[${r}].tabs[${t}].groups[${g}]`;
          objects(group.icons).forEach((icon, i) => icons.push({ where: `${at}.icons[${i}]`, url: str(icon.url) ?? '', size: icon.size }));
          objects(group.controls).forEach((control, c) => {
            objects(control.icons).forEach((icon, i) => icons.push({ where: `${at}.controls[${c}].icons[${i}]`, url: str(icon.url) ?? '', size: icon.size }));
            if (read && control.type === 'button' && typeof control.actionId === 'string' && openPages.has(control.actionId)) button = true;
          });
        });
      });
    });
    if (!button) faults.push(`${where}: no button on a "mailRead" ribbon opens the task pane (its actionId must name the openPage action).`);
    for (const icon of icons) {
      const { file, fault } = assetFromUrl(`${where} ${icon.where}`, icon.url, values);
      if (fault) faults.push(fault);
      else if (file !== undefined && typeof icon.size === 'number') faults.push(...checkIcon(`${where} ${icon.where}`, { file, size: icon.size }, assetsDir));
    }
  }

  const appIcons = isObject(manifest.icons) ? manifest.icons : {};
  if (typeof appIcons.color === 'string') faults.push(...checkIcon(`${where} icons.color`, { file: appIcons.color, size: 192 }, assetsDir));
  if (typeof appIcons.outline === 'string') faults.push(...checkIcon(`${where} icons.outline`, { file: appIcons.outline, size: 32, outline: true }, assetsDir));
  return faults;
}

/** Faults of the text of a unified manifest (placeholders filled here, with `options.values`). */
export async function checkJsonManifestText(text: string, options: CheckOptions): Promise<string[]> {
  let manifest: unknown;
  try {
    manifest = JSON.parse(fillManifest(text, options.values));
  } catch (error) {
    return [`manifest.json: is not valid JSON (${error instanceof Error ? error.message : String(error)}).`];
  }
  return checkJsonManifest(manifest, options);
}

// ---------------------------------------------------------------------------------------
// XML manifest (office-addin-manifest reads it; xml2js shape: attributes under `$`, children
// as arrays, text as strings or under `_`)

type XmlNode = { $?: Record<string, string>; _?: string } & Record<string, unknown>;
const isNode = (v: unknown): v is XmlNode => typeof v === 'object' && v !== null && !Array.isArray(v);
const kids = (node: XmlNode | undefined, name: string): XmlNode[] => {
  const v = node?.[name];
  return Array.isArray(v) ? v.filter(isNode) : [];
};
const kid = (node: XmlNode | undefined, name: string): XmlNode | undefined => kids(node, name)[0];
const textOf = (node: XmlNode | undefined, name: string): string | undefined => {
  const v = node?.[name];
  const first: unknown = Array.isArray(v) ? v[0] : undefined;
  return typeof first === 'string' ? first.trim() : isNode(first) ? first._?.trim() : undefined;
};
const attr = (node: XmlNode | undefined, name: string): string | undefined => node?.$?.[name];
/** Every descendant element named `name`, depth first. */
function descendants(node: XmlNode, name: string): XmlNode[] {
  const found: XmlNode[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === '$' || key === '_' || !Array.isArray(value)) continue;
    for (const child of value.filter(isNode)) {
      if (key === name) found.push(child);
      found.push(...descendants(child, name));
    }
  }
  return found;
}

/** Faults of one VersionOverrides level: the read-message button opening the task pane, its icons. */
function checkVersionOverrides(where: string, overrides: XmlNode, options: CheckOptions): string[] {
  const { values, assetsDir } = options;
  const urls = expectedUrls(values);
  const faults: string[] = [];
  const resources = kid(overrides, 'Resources');
  const resource = (group: string, item: string, id: string | undefined): string | undefined =>
    kids(kid(resources, group), item).find((n) => attr(n, 'id') === id)?.$?.DefaultValue;

  const requirementSets = kids(kid(kid(overrides, 'Requirements'), 'bt:Sets'), 'bt:Set');
  if (!requirementSets.some((s) => attr(s, 'Name')?.toLowerCase() === 'mailbox')) faults.push(`${where}: Requirements must name the Mailbox requirement set.`);

  const hosts = kids(kid(overrides, 'Hosts'), 'Host').filter((h) => attr(h, 'xsi:type') === 'MailHost');
  const points = hosts.flatMap((h) => kids(kid(h, 'DesktopFormFactor'), 'ExtensionPoint'));
  const readSurface = points.filter((p) => attr(p, 'xsi:type') === 'MessageReadCommandSurface');
  if (readSurface.length === 0) faults.push(`${where}: no ExtensionPoint of type MessageReadCommandSurface (the button on read messages).`);
  const buttons = readSurface.flatMap((p) => descendants(p, 'Control')).filter((c) => attr(c, 'xsi:type') === 'Button');
  const opensPane = buttons.some((button) => {
    const action = kid(button, 'Action');
    return attr(action, 'xsi:type') === 'ShowTaskpane' && resource('bt:Urls', 'bt:Url', attr(kid(action, 'SourceLocation'), 'resid')) === urls.taskpane;
  });
  if (readSurface.length > 0 && !opensPane) faults.push(`${where}: no button on MessageReadCommandSurface shows the task pane at ${urls.taskpane}.`);
  for (const button of buttons) {
    for (const image of kids(kid(button, 'Icon'), 'bt:Image')) {
      const at = `${where} button ${attr(button, 'id') ?? '?'} icon ${attr(image, 'resid') ?? '?'}`;
      const url = resource('bt:Images', 'bt:Image', attr(image, 'resid'));
      if (!url) {
        faults.push(`${at}: resid names no bt:Image in Resources.`);
        continue;
      }
      const { file, fault } = assetFromUrl(at, url, values);
      if (fault) faults.push(fault);
      else if (file !== undefined) faults.push(...checkIcon(at, { file, size: Number(attr(image, 'size')) }, assetsDir));
    }
  }
  return faults;
}

/** Faults of an add-in only (XML) manifest file whose placeholders are already filled. */
export async function checkXmlManifestFile(file: string, options: CheckOptions): Promise<string[]> {
  const where = 'manifest.xml';
  const { values, assetsDir } = options;
  const urls = expectedUrls(values);
  const faults: string[] = [];
  let info: Awaited<ReturnType<typeof OfficeAddinManifest.readManifestFile>>;
  let root: unknown;
  try {
    info = await OfficeAddinManifest.readManifestFile(file);
    root = await new ManifestHandlerXml(file).parseXmlAsync();
  } catch (error) {
    return [`${where}: cannot be read as XML (${(error instanceof Error ? error.message : String(error)).split('\n').join(' ').trim()}).`];
  }
  const app = isNode(root) ? kid(root, 'OfficeApp') ?? (isNode(root.OfficeApp) ? root.OfficeApp : undefined) : undefined;
  if (!app) return [`${where}: the root element must be OfficeApp.`];

  const leftover = fs.readFileSync(file, 'utf8').replace(/<!--[\s\S]*?-->/g, '').match(LEFTOVER_PLACEHOLDER);
  if (leftover) faults.push(`${where}: placeholder ${leftover[0]} is not one the build fills in ({{RETRACT_HOST}}, {{RETRACT_CLIENT_ID}}).`);

  if (!info.id || !GUID.test(info.id)) faults.push(`${where}: Id ${JSON.stringify(info.id ?? null)} must be a GUID.`);
  if (!info.version || !/^\d{1,5}(\.\d{1,5}){0,3}$/.test(info.version)) faults.push(`${where}: Version ${JSON.stringify(info.version ?? null)} must be n.n.n.n (one to four numbers).`);
  if (info.officeAppType !== 'MailApp') faults.push(`${where}: OfficeApp xsi:type is ${JSON.stringify(info.officeAppType ?? null)}; an Outlook add-in is a MailApp.`);
  if (!info.hosts?.includes('Mailbox')) faults.push(`${where}: Hosts must name Mailbox.`);
  if (info.permissions !== 'ReadWriteItem') faults.push(`${where}: Permissions is ${JSON.stringify(info.permissions ?? null)}; Retract needs ReadWriteItem.`);
  if (!info.displayName) faults.push(`${where}: DisplayName is missing.`);
  if (!info.providerName) faults.push(`${where}: ProviderName is missing.`);

  const sets = kids(kid(kid(app, 'Requirements'), 'Sets'), 'Set');
  if (!sets.some((s) => attr(s, 'Name')?.toLowerCase() === 'mailbox')) faults.push(`${where}: Requirements must name the Mailbox requirement set.`);

  const readForm = kids(kid(app, 'FormSettings'), 'Form').find((f) => attr(f, 'xsi:type') === 'ItemRead');
  const source = attr(kid(kid(readForm, 'DesktopSettings'), 'SourceLocation'), 'DefaultValue');
  if (source !== urls.taskpane) faults.push(`${where}: the ItemRead form's SourceLocation is ${JSON.stringify(source ?? null)}; it must be ${urls.taskpane}.`);
  if (source && !source.startsWith('https://')) faults.push(`${where}: SourceLocation must be an https URL.`);

  const rules = [app, ...kids(app, 'Rule')].flatMap((n) => kids(n, 'Rule'));
  if (!rules.some((r) => attr(r, 'xsi:type') === 'ItemIs' && attr(r, 'ItemType') === 'Message' && attr(r, 'FormType') === 'Read')) {
    faults.push(`${where}: Rule must activate on read messages (ItemIs Message, FormType Read).`);
  }

  for (const [label, url, size] of [
    ['IconUrl', info.iconUrl, 64],
    ['HighResolutionIconUrl', info.highResolutionIconUrl, 128],
  ] as const) {
    if (!url) {
      faults.push(`${where}: ${label} is missing.`);
      continue;
    }
    const { file: asset, fault } = assetFromUrl(`${where} ${label}`, url, values);
    if (fault) faults.push(fault);
    else if (asset !== undefined) faults.push(...checkIcon(`${where} ${label}`, { file: asset, size }, assetsDir));
  }

  const v10 = kids(app, 'VersionOverrides').find((v) => attr(v, 'xsi:type') === 'VersionOverridesV1_0');
  const v11 = kids(v10, 'VersionOverrides').find((v) => attr(v, 'xsi:type') === 'VersionOverridesV1_1');
  if (!v10) faults.push(`${where}: VersionOverrides (VersionOverridesV1_0) is missing; without it there is no button.`);
  else faults.push(...checkVersionOverrides(`${where} VersionOverridesV1_0`, v10, options));
  if (!v11) faults.push(`${where}: VersionOverrides 1.1 (VersionOverridesV1_1 inside VersionOverridesV1_0) is missing; WebApplicationInfo lives there.`);
  else {
    faults.push(...checkVersionOverrides(`${where} VersionOverridesV1_1`, v11, options));
    const web = kid(v11, 'WebApplicationInfo');
    const id = textOf(web, 'Id');
    const resource = textOf(web, 'Resource');
    if (!web) faults.push(`${where}: WebApplicationInfo is missing from VersionOverridesV1_1; the task pane cannot sign in with SSO/NAA.`);
    else {
      if (!id || !GUID.test(id)) faults.push(`${where}: WebApplicationInfo Id ${JSON.stringify(id ?? null)} must be a GUID.`);
      else if (id !== values.clientId) faults.push(`${where}: WebApplicationInfo Id is ${id}; it must be the API's client id ${values.clientId}.`);
      if (resource !== urls.resource) faults.push(`${where}: WebApplicationInfo Resource is ${JSON.stringify(resource ?? null)}; it must be ${urls.resource}.`);
    }
  }
  return faults;
}

/** Faults of the text of an XML manifest (placeholders filled here; read from a temp file). */
export async function checkXmlManifestText(text: string, options: CheckOptions): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retract-manifest-'));
  try {
    const file = path.join(dir, 'manifest.xml');
    fs.writeFileSync(file, fillManifest(text, options.values));
    return await checkXmlManifestFile(file, options);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Faults of the committed manifests (both files), with the local defaults unless told. */
export async function validateManifests(
  options: CheckOptions = defaultCheckOptions(),
  files: { json: string; xml: string } = { json: JSON_MANIFEST_FILE, xml: XML_MANIFEST_FILE },
): Promise<string[]> {
  const faults: string[] = [];
  for (const [file, check] of [
    [files.json, checkJsonManifestText],
    [files.xml, checkXmlManifestText],
  ] as const) {
    if (!fs.existsSync(file)) faults.push(`${path.basename(file)}: file ${file} does not exist.`);
    else faults.push(...(await check(fs.readFileSync(file, 'utf8'), options)));
  }
  return faults;
}

/**
 * `tsx src/dev/validate-manifests.ts [--json FILE] [--xml FILE] [--host HOST] [--client-id GUID]`:
 * the committed manifests and local defaults unless told (the production build can check what it
 * writes for its own host and client id).
 */
export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  let args: ReturnType<typeof parseCliArgs>;
  try {
    args = parseCliArgs(argv);
  } catch (error) {
    console.error(`validate: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  const local = localManifestValues();
  let values: ManifestValues;
  try {
    values = checkValues({ host: args.host ?? local.host, clientId: args.clientId ?? local.clientId });
  } catch (error) {
    console.error(`validate: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  const options: CheckOptions = { values, assetsDir: ASSETS_DIR };
  const faults = await validateManifests(options, { json: args.json ?? JSON_MANIFEST_FILE, xml: args.xml ?? XML_MANIFEST_FILE });
  if (faults.length > 0) {
    for (const fault of faults) console.error(fault);
    return 1;
  }
  const note = values.clientId === ZERO_GUID ? ' (no demo tenant fixture yet: the all-zero GUID stands in)' : '';
  console.log(`manifests valid: manifest.json (schema v1.22, offline) and manifest.xml, for host ${values.host}, client id ${values.clientId}${note}`);
  return 0;
}

function parseCliArgs(argv: string[]): { json?: string; xml?: string; host?: string; clientId?: string } {
  const { values } = parseArgs({
    args: argv,
    options: { json: { type: 'string' }, xml: { type: 'string' }, host: { type: 'string' }, 'client-id': { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  return {
    json: values.json ? path.resolve(values.json) : undefined,
    xml: values.xml ? path.resolve(values.xml) : undefined,
    host: values.host,
    clientId: values['client-id'],
  };
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`validate: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
