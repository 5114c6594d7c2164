// How the placeholders of the manifests are filled, for the local stack and for a deployment.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  DEMO_TENANT_FILE,
  PLACEHOLDERS,
  ZERO_GUID,
  expectedUrls,
  fillManifest,
  localManifestValues,
  manifestValuesFromUrl,
} from '../../../src/dev/manifest-values';

const clientId = '6f1c3a52-9d0e-4b7a-8c21-3e5f7a9b0c4d';

describe('manifest values', () => {
  it('fills every placeholder', () => {
    const text = `https://${PLACEHOLDERS.host}/x api://${PLACEHOLDERS.host}/${PLACEHOLDERS.clientId} ${PLACEHOLDERS.clientId}`;
    expect(fillManifest(text, { host: 'retract.contoso.com', clientId })).toBe(
      `https://retract.contoso.com/x api://retract.contoso.com/${clientId} ${clientId}`,
    );
  });

  it('takes host and port from an https deployment URL and refuses http', () => {
    expect(manifestValuesFromUrl('https://retract.contoso.com:8443/ignored/path', clientId)).toEqual({ host: 'retract.contoso.com:8443', clientId });
    expect(() => manifestValuesFromUrl('http://retract.contoso.com', clientId)).toThrow(/not https/);
  });

  it('refuses values that would break the manifests', () => {
    expect(() => fillManifest('x', { host: 'evil.example/"><x', clientId })).toThrow(/host/);
    expect(() => fillManifest('x', { host: 'localhost:3000', clientId: 'retract-api' })).toThrow(/clientId must be a GUID/);
  });

  it('reads the retract-api client id from a tenant fixture, and falls back to the zero GUID', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retract-values-'));
    try {
      const file = path.join(dir, 'demo.json');
      fs.writeFileSync(file, JSON.stringify({ apps: [{ name: 'retract-cli', clientId: ZERO_GUID.replace(/0/g, '1') }, { name: 'retract-api', clientId }] }));
      expect(localManifestValues(file)).toEqual({ host: 'localhost:3000', clientId });
      expect(localManifestValues(path.join(dir, 'absent.json'))).toEqual({ host: 'localhost:3000', clientId: ZERO_GUID });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('derives the URLs the manifests must name', () => {
    expect(expectedUrls({ host: 'localhost:3000', clientId })).toEqual({
      taskpane: 'https://localhost:3000/taskpane.html',
      teamsTab: 'https://localhost:3000/taskpane.html?host=teams',
      resource: `api://localhost:3000/${clientId}`,
      scope: `api://localhost:3000/${clientId}/access_as_user`,
      assets: 'https://localhost:3000/assets/',
    });
  });

  it('name the demo tenant’s retract-api app exactly as the simulator registers it', () => {
    const demo = JSON.parse(fs.readFileSync(DEMO_TENANT_FILE, 'utf8')) as { apps: { name: string; clientId: string; identifierUri?: string }[] };
    const api = demo.apps.find((app) => app.name === 'retract-api');
    const values = localManifestValues();
    expect(values.clientId).toBe(api?.clientId);
    expect(expectedUrls(values).resource).toBe(api?.identifierUri);
  });
});
