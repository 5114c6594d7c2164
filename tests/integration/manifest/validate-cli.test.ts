// `npm run validate` as CI runs it: a real process, exit 0 on the committed manifests, and exit 1
// with one line per fault on broken copies (the --json/--xml options point it at them).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

function validate(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(TSX, ['src/dev/validate-manifests.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  // npm may warn about the machine's own config on stderr; only our lines count.
  const stderr = result.stderr.split('\n').filter((line) => line && !line.startsWith('npm warn')).join('\n');
  return { status: result.status, stdout: result.stdout, stderr };
}

describe('npm run validate', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'retract-validate-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('exits 0 on the committed manifests and says what it checked', () => {
    const result = validate();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^manifests valid: manifest\.json \(schema v1\.22, offline\) and manifest\.xml, for host localhost:3000/);
  });

  it('exits 1 with one line per fault when fields are broken in both manifests', () => {
    const json = JSON.parse(fs.readFileSync(path.join(ROOT, 'manifest', 'manifest.json'), 'utf8'));
    delete json.name;
    json.extensions[0].runtimes[0].lifetime = 'forever';
    const jsonFile = path.join(dir, 'manifest.json');
    fs.writeFileSync(jsonFile, JSON.stringify(json));
    const xmlFile = path.join(dir, 'manifest.xml');
    fs.writeFileSync(xmlFile, fs.readFileSync(path.join(ROOT, 'manifest', 'manifest.xml'), 'utf8').replace('<Permissions>ReadWriteItem</Permissions>', '<Permissions>ReadItem</Permissions>'));

    const result = validate('--json', jsonFile, '--xml', xmlFile);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^manifest\.json: schema: .*required property 'name'/);
    expect(lines[1]).toMatch(/^manifest\.json: schema: \/extensions\/0\/runtimes\/0\/lifetime must be equal to one of the allowed values/);
    expect(lines[2]).toBe('manifest.xml: Permissions is "ReadItem"; Retract needs ReadWriteItem.');
  });

  it('exits 2 on a client id that is not a GUID, before reading anything', () => {
    const result = validate('--client-id', 'retract-api');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^validate: Manifest value clientId must be a GUID/);
  });
});
