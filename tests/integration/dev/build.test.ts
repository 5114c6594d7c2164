/**
 * The production build's app package and Function App package, written to a temporary folder:
 * the zip holds exactly what Teams and Outlook read at its root, with the host and client id
 * filled in; the API bundle loads on its own and registers every route and the queue trigger.
 * (The task pane part is webpack's production build of webpack.config.js; the browser tests
 * exercise that config.)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BuildUsageError, HOST_JSON, parseBuildOptions, taskpaneConfigFor } from '../../../src/dev/build';
import { readZip } from '../../../src/dev/zip';
import { ROUTES } from '../../../src/api/routes';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const CLIENT_ID = '3f0c8a52-6d1e-4b7a-9c2f-8e5d4a1b7c60';
const HOST = 'retract.contoso-test.example';
let out: string;

beforeAll(() => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'retract-build-'));
  // As `npm run build -- …` runs it: its own Node process (the manifest validator needs real ESM loading).
  execFileSync(process.execPath, ['--import', 'tsx', 'src/dev/build.ts', '--url', `https://${HOST}/`, '--client-id', CLIENT_ID, '--out', out, '--only', 'package,api'], {
    cwd: ROOT,
    stdio: 'pipe',
  });
}, 60_000);

afterAll(() => {
  fs.rmSync(out, { recursive: true, force: true });
});

it('writes the app package: manifest.json and both icons at the zip root, URLs and client id filled in', () => {
  const entries = readZip(fs.readFileSync(path.join(out, 'retract-app.zip')));
  expect(entries.map((e) => e.name).sort()).toEqual(['color.png', 'manifest.json', 'outline.png']);
  for (const icon of ['color.png', 'outline.png']) {
    expect(entries.find((e) => e.name === icon)!.data.equals(fs.readFileSync(path.join(ROOT, 'assets', icon)))).toBe(true);
  }
  const text = entries.find((e) => e.name === 'manifest.json')!.data.toString('utf8');
  expect(text).not.toMatch(/\{\{[A-Z_]+\}\}/);
  const manifest = JSON.parse(text);
  expect(manifest.webApplicationInfo).toEqual({ id: CLIENT_ID, resource: `api://${HOST}/${CLIENT_ID}` });
  expect(manifest.staticTabs[0].contentUrl).toBe(`https://${HOST}/taskpane.html?host=teams`);
  expect(manifest.extensions[0].runtimes[0].code.page).toBe(`https://${HOST}/taskpane.html`);
  expect(manifest.validDomains).toEqual([HOST]);
  expect(manifest.icons).toEqual({ color: 'color.png', outline: 'outline.png' });

  const xml = fs.readFileSync(path.join(out, 'manifest.xml'), 'utf8');
  expect(xml).not.toMatch(/\{\{[A-Z_]+\}\}/);
  expect(xml).toContain(`https://${HOST}/taskpane.html`);
  expect(xml).toContain(`api://${HOST}/${CLIENT_ID}`);
});

it('writes the Function App package; its bundle loads alone and registers every route and the queue trigger', () => {
  const entries = readZip(fs.readFileSync(path.join(out, 'retract-api.zip')));
  expect(entries.map((e) => e.name).sort()).toEqual(['dist/index.js', 'dist/index.js.map', 'host.json', 'package.json']);
  expect(JSON.parse(entries.find((e) => e.name === 'host.json')!.data.toString('utf8'))).toEqual(HOST_JSON);
  expect(JSON.parse(entries.find((e) => e.name === 'package.json')!.data.toString('utf8'))).toMatchObject({ main: 'dist/index.js' });

  // Outside the Functions host, @azure/functions runs in test mode and names each registration it skips.
  const alone = fs.mkdtempSync(path.join(os.tmpdir(), 'retract-api-'));
  try {
    fs.cpSync(path.join(out, 'api'), alone, { recursive: true });
    const run = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path.join(alone, 'dist', 'index.js'))})`], {
      cwd: alone,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(run.status).toBe(0);
    const output = `${run.stdout}${run.stderr}`;
    const registered = [...output.matchAll(/register function "([^"]+)"/g)].map((m) => m[1]);
    expect(registered.sort()).toEqual([...ROUTES.map((r) => r.name), 'work-items'].sort());
  } finally {
    fs.rmSync(alone, { recursive: true, force: true });
  }
});

it('names the task pane configuration for Microsoft when the API URL is given', () => {
  const options = parseBuildOptions(['--url', `https://${HOST}`, '--client-id', CLIENT_ID, '--api', 'https://retract-func.azurewebsites.net/api/', '--tenant-id', CLIENT_ID], {});
  expect(taskpaneConfigFor(options, { host: HOST, clientId: CLIENT_ID })).toEqual({
    clientId: CLIENT_ID,
    authorityHost: 'https://login.microsoftonline.com',
    tenantId: CLIENT_ID,
    apiBase: 'https://retract-func.azurewebsites.net/api',
    apiScope: `api://${HOST}/${CLIENT_ID}/access_as_user`,
    redirectUri: `https://${HOST}/auth-redirect.html`,
  });
});

it('refuses an http URL, a missing client id and an unknown part with a sentence', () => {
  expect(() => parseBuildOptions(['--url', `http://${HOST}`, '--client-id', CLIENT_ID], {})).toThrow(/--url must be an https URL/);
  expect(() => parseBuildOptions(['--url', `https://${HOST}`], {})).toThrow(/--client-id is required/);
  expect(() => parseBuildOptions(['--url', `https://${HOST}`, '--client-id', 'not-a-guid'], {})).toThrow(/--client-id must be the GUID/);
  expect(() => parseBuildOptions(['--url', `https://${HOST}`, '--client-id', CLIENT_ID, '--only', 'site'], {})).toThrow(BuildUsageError);
  expect(() => parseBuildOptions(['--bogus'], {})).toThrow(BuildUsageError);
});
