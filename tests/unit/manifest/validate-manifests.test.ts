// `npm run validate` as a user meets it: the committed manifests pass, and a manifest with one
// broken field fails with a line that names that field. Everything runs offline (the JSON
// schema is bundled with @microsoft/app-manifest); broken XML copies go through temp files.
//
// Jest (CommonJS, Node 20) cannot require two ES-module-only dependencies that these
// libraries load at import time (tsx can: Node 20.19 requires ES modules natively):
// strip-bom 5 (@microsoft/app-manifest: strips a leading BOM) and uuid 14
// (office-addin-manifest: v4 ids when it rewrites a manifest, which validation never does).
// Equivalent few-line stand-ins replace them here. `fetch` is replaced by one that fails the
// test: schema validation must never reach for the network.
jest.mock('@microsoft/app-manifest/node_modules/strip-bom', () => ({
  __esModule: true,
  default: (text: string): string => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text),
}));
jest.mock('office-addin-manifest/node_modules/uuid/dist-node/index.js', () => ({
  v4: (): string => globalThis.crypto.randomUUID(),
}));
const networkUsed: string[] = [];
beforeAll(() => {
  globalThis.fetch = async (input: string | URL | Request): Promise<Response> => {
    networkUsed.push(String(input));
    throw new Error('no network in unit tests');
  };
});
afterAll(() => expect(networkUsed).toEqual([]));

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BUNDLED_SCHEMA_URL,
  checkJsonManifest,
  checkJsonManifestText,
  checkXmlManifestText,
  validateManifests,
  type CheckOptions,
} from '../../../src/dev/validate-manifests';
import {
  ASSETS_DIR,
  JSON_MANIFEST_FILE,
  XML_MANIFEST_FILE,
  fillManifest,
  localManifestValues,
} from '../../../src/dev/manifest-values';
import { encodePng } from '../../../src/dev/make-icons';

const options: CheckOptions = {
  values: { host: 'localhost:3000', clientId: '6f1c3a52-9d0e-4b7a-8c21-3e5f7a9b0c4d' },
  assetsDir: ASSETS_DIR,
};
const jsonText = fs.readFileSync(JSON_MANIFEST_FILE, 'utf8');
const xmlText = fs.readFileSync(XML_MANIFEST_FILE, 'utf8');

/** The committed JSON manifest, filled, as a mutable object. */
function filledJson(): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any -- tests break arbitrary fields of parsed JSON
  return JSON.parse(fillManifest(jsonText, options.values));
}

describe('the committed manifests', () => {
  it('pass validation with the local defaults', async () => {
    expect(await validateManifests()).toEqual([]);
  });

  it('pass for a deployment host and client id too', async () => {
    const deployed: CheckOptions = { ...options, values: { host: 'retract.contoso.com', clientId: options.values.clientId } };
    expect(await checkJsonManifestText(jsonText, deployed)).toEqual([]);
    expect(await checkXmlManifestText(xmlText, deployed)).toEqual([]);
  });

  it('name the task pane, the Teams tab and the app registration of the host they are filled for', () => {
    const manifest = filledJson();
    expect(manifest.$schema).toBe(BUNDLED_SCHEMA_URL);
    expect(manifest.staticTabs[0].contentUrl).toBe('https://localhost:3000/taskpane.html?host=teams');
    expect(manifest.extensions[0].runtimes[0].code.page).toBe('https://localhost:3000/taskpane.html');
    expect(manifest.webApplicationInfo).toEqual({
      id: options.values.clientId,
      resource: `api://localhost:3000/${options.values.clientId}`,
    });
    expect(manifest.validDomains).toEqual(['localhost:3000']);
    const xml = fillManifest(xmlText, options.values);
    expect(xml).toContain(`<Resource>api://localhost:3000/${options.values.clientId}</Resource>`);
    expect(xml).not.toMatch(/\{\{/);
  });

  it('use the demo tenant’s retract-api client id locally, or the all-zero GUID until it exists', () => {
    const values = localManifestValues();
    expect(values.host).toBe('localhost:3000');
    expect(values.clientId).toMatch(/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/i);
  });
});

describe('a broken JSON manifest', () => {
  it('fails naming the missing name', async () => {
    const manifest = filledJson();
    delete manifest.name;
    const faults = await checkJsonManifest(manifest, options);
    expect(faults).toHaveLength(1);
    expect(faults[0]).toMatch(/^manifest\.json: schema: .*required property 'name'/);
  });

  it('fails naming an unknown runtime lifetime', async () => {
    const manifest = filledJson();
    manifest.extensions[0].runtimes[0].lifetime = 'forever';
    const faults = await checkJsonManifest(manifest, options);
    expect(faults).toEqual([expect.stringMatching(/\/extensions\/0\/runtimes\/0\/lifetime .*allowed values.*short.*long/)]);
  });

  it('fails naming a webApplicationInfo.id that is not a GUID', async () => {
    const manifest = filledJson();
    manifest.webApplicationInfo.id = 'retract-api';
    const faults = await checkJsonManifest(manifest, options);
    expect(faults.some((f) => f.includes('/webApplicationInfo/id must match pattern'))).toBe(true);
    expect(faults.some((f) => f.includes("webApplicationInfo.id is \"retract-api\"; it must be the API's client id"))).toBe(true);
  });

  it('fails when webApplicationInfo names another resource than api://{host}/{clientId}', async () => {
    const manifest = filledJson();
    manifest.webApplicationInfo.resource = `api://${options.values.clientId}`;
    expect(await checkJsonManifest(manifest, options)).toEqual([
      `manifest.json: webApplicationInfo.resource is "api://${options.values.clientId}"; it must be api://localhost:3000/${options.values.clientId}.`,
    ]);
  });

  it('refuses a $schema whose schema is not bundled, instead of fetching it', async () => {
    const manifest = filledJson();
    manifest.$schema = 'https://developer.microsoft.com/json-schemas/teams/v1.99/MicrosoftTeams.schema.json';
    const faults = await checkJsonManifest(manifest, options);
    expect(faults).toEqual([expect.stringContaining('manifest.json: $schema must be')]);
  });

  it('fails when no mailRead button opens the task pane', async () => {
    const manifest = filledJson();
    manifest.extensions[0].ribbons[0].contexts = ['mailCompose'];
    expect(await checkJsonManifest(manifest, options)).toEqual([expect.stringContaining('no button on a "mailRead" ribbon opens the task pane')]);
  });

  it('fails when the Teams tab points elsewhere', async () => {
    const manifest = filledJson();
    manifest.staticTabs[0].contentUrl = 'https://localhost:3000/harness.html';
    expect(await checkJsonManifest(manifest, options)).toEqual([
      'manifest.json: staticTabs must hold a tab whose contentUrl is https://localhost:3000/taskpane.html?host=teams.',
    ]);
  });

  it('fails when a placeholder is misspelt', async () => {
    const faults = await checkJsonManifestText(jsonText.replace('https://{{RETRACT_HOST}}/privacy.html', 'https://{{RETRACT_HOTS}}/privacy.html'), options);
    expect(faults).toEqual([expect.stringContaining('placeholder {{RETRACT_HOTS}} is not one the build fills in')]);
  });

  it('fails on text that is not JSON', async () => {
    expect(await checkJsonManifestText(jsonText.slice(0, 200), options)).toEqual([expect.stringMatching(/^manifest\.json: is not valid JSON/)]);
  });
});

describe('icons', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retract-icons-'));
    for (const file of fs.readdirSync(ASSETS_DIR)) fs.copyFileSync(path.join(ASSETS_DIR, file), path.join(dir, file));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('fails when an icon the manifest names is missing', async () => {
    fs.rmSync(path.join(dir, 'icon-80.png'));
    const faults = await checkJsonManifest(filledJson(), { ...options, assetsDir: dir });
    expect(faults.length).toBeGreaterThan(0);
    expect(faults.every((f) => f.includes('icon file assets/icon-80.png does not exist'))).toBe(true);
  });

  it('fails when an icon has the wrong pixel size', async () => {
    fs.writeFileSync(path.join(dir, 'color.png'), encodePng(96, 96, Buffer.alloc(96 * 96 * 4, 0xff)));
    expect(await checkJsonManifest(filledJson(), { ...options, assetsDir: dir })).toEqual([
      'manifest.json icons.color: icon file assets/color.png is 96×96; it must be 192×192.',
    ]);
  });

  it('fails when the outline icon is not white on transparent', async () => {
    const blue = Buffer.alloc(32 * 32 * 4);
    for (let i = 0; i < 32 * 32; i++) blue.set([0x0f, 0x6c, 0xbd, 255], i * 4);
    fs.writeFileSync(path.join(dir, 'outline.png'), encodePng(32, 32, blue));
    const faults = await checkJsonManifest(filledJson(), { ...options, assetsDir: dir });
    expect(faults).toEqual([
      'manifest.json icons.outline: outline icon assets/outline.png has no transparent pixel; Teams needs white on transparent.',
      'manifest.json icons.outline: outline icon assets/outline.png has 1024 pixels that are not white; Teams needs white on transparent.',
    ]);
  });

  it('fails when a file named .png is not a PNG', async () => {
    fs.writeFileSync(path.join(dir, 'icon-64.png'), 'not an image');
    expect(await checkXmlManifestText(xmlText, { ...options, assetsDir: dir })).toEqual([
      'manifest.xml IconUrl: icon file assets/icon-64.png is not a PNG.',
    ]);
  });
});

describe('a broken XML manifest', () => {
  const broken = (from: string, to: string): string => {
    expect(xmlText).toContain(from);
    return xmlText.split(from).join(to);
  };

  it('fails naming a weaker permission than ReadWriteItem', async () => {
    expect(await checkXmlManifestText(broken('<Permissions>ReadWriteItem</Permissions>', '<Permissions>ReadItem</Permissions>'), options)).toEqual([
      'manifest.xml: Permissions is "ReadItem"; Retract needs ReadWriteItem.',
    ]);
  });

  it('fails naming an Id that is not a GUID', async () => {
    const faults = await checkXmlManifestText(broken('<Id>2d5547a1-53ad-497e-b686-b037503350fa</Id>', '<Id>retract</Id>'), options);
    expect(faults).toEqual(['manifest.xml: Id "retract" must be a GUID.']);
  });

  it('fails naming a bad Version', async () => {
    expect(await checkXmlManifestText(broken('<Version>1.0.0.0</Version>', '<Version>1.0-beta</Version>'), options)).toEqual([
      'manifest.xml: Version "1.0-beta" must be n.n.n.n (one to four numbers).',
    ]);
  });

  it('fails when the task pane is served over http', async () => {
    const faults = await checkXmlManifestText(broken('<SourceLocation DefaultValue="https://{{RETRACT_HOST}}/taskpane.html"/>', '<SourceLocation DefaultValue="http://{{RETRACT_HOST}}/taskpane.html"/>'), options);
    expect(faults).toContain('manifest.xml: SourceLocation must be an https URL.');
  });

  it('fails when the button is not on read messages', async () => {
    const faults = await checkXmlManifestText(broken('MessageReadCommandSurface', 'MessageComposeCommandSurface'), options);
    expect(faults).toEqual([
      'manifest.xml VersionOverridesV1_0: no ExtensionPoint of type MessageReadCommandSurface (the button on read messages).',
      'manifest.xml VersionOverridesV1_1: no ExtensionPoint of type MessageReadCommandSurface (the button on read messages).',
    ]);
  });

  it('fails when WebApplicationInfo names a client id that is not a GUID', async () => {
    const faults = await checkXmlManifestText(broken('<Id>{{RETRACT_CLIENT_ID}}</Id>', '<Id>retract-api</Id>'), options);
    expect(faults).toEqual(['manifest.xml: WebApplicationInfo Id "retract-api" must be a GUID.']);
  });

  it('fails when WebApplicationInfo is missing', async () => {
    const start = xmlText.indexOf('<WebApplicationInfo>');
    const end = xmlText.indexOf('</WebApplicationInfo>') + '</WebApplicationInfo>'.length;
    const faults = await checkXmlManifestText(xmlText.slice(0, start) + xmlText.slice(end), options);
    expect(faults).toEqual([expect.stringContaining('manifest.xml: WebApplicationInfo is missing from VersionOverridesV1_1')]);
  });

  it('fails when the mailbox requirement set is gone', async () => {
    const faults = await checkXmlManifestText(broken('<Set Name="Mailbox" MinVersion="1.1"/>', '<Set Name="IdentityAPI" MinVersion="1.3"/>'), options);
    expect(faults).toEqual(['manifest.xml: Requirements must name the Mailbox requirement set.']);
  });

  it('fails on text that is not XML', async () => {
    const faults = await checkXmlManifestText(xmlText.replace('</OfficeApp>', ''), options);
    expect(faults).toEqual([expect.stringMatching(/^manifest\.xml: cannot be read as XML/)]);
  });
});
