// infra/main.bicep, checked as far as can be offline: the Bicep CLI (a downloaded binary) cannot
// run here, so these tests read the template's text — the resources it declares, the app
// settings the API reads (CONTRACTS.md §2), HTTPS and TLS, the managed identity's access to
// the Key Vault — and that the parameters file matches its parameters.
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const bicep = fs.readFileSync(path.join(ROOT, 'infra', 'main.bicep'), 'utf8');
const parameters = JSON.parse(fs.readFileSync(path.join(ROOT, 'infra', 'main.parameters.json'), 'utf8')) as {
  parameters: Record<string, { value: unknown }>;
};
/** The template without `//` comments (outside strings), so a commented-out line never counts. */
function stripComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') {
        out += c + (text[i + 1] ?? '');
        i++;
        continue;
      }
      if (c === "'") inString = false;
    } else if (c === "'") inString = true;
    else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
      continue;
    }
    out += c;
  }
  return out;
}
const code = stripComments(bicep);

function resourceTypes(): string[] {
  return [...code.matchAll(/^resource\s+\w+\s+'([^@']+)@[^']+'/gm)].map((m) => m[1] ?? '');
}

/** The `{ name: 'X', value: Y }` entries of the Function App's appSettings. */
function appSettings(): Map<string, string> {
  const start = code.indexOf('appSettings: [');
  expect(start).toBeGreaterThan(0);
  const block = code.slice(start, code.indexOf('\n      ]', start));
  return new Map([...block.matchAll(/\{ name: '([^']+)', value: (.+) \}/g)].map((m) => [m[1] ?? '', m[2] ?? '']));
}

describe('infra/main.bicep', () => {
  it('declares the Function App, its plan, Storage (tables, queues), Application Insights and the Key Vault', () => {
    expect(new Set(resourceTypes())).toEqual(
      new Set([
        'Microsoft.Storage/storageAccounts',
        'Microsoft.Storage/storageAccounts/blobServices',
        'Microsoft.Storage/storageAccounts/blobServices/containers',
        'Microsoft.Storage/storageAccounts/tableServices',
        'Microsoft.Storage/storageAccounts/tableServices/tables',
        'Microsoft.Storage/storageAccounts/queueServices',
        'Microsoft.Storage/storageAccounts/queueServices/queues',
        'Microsoft.OperationalInsights/workspaces',
        'Microsoft.Insights/components',
        'Microsoft.KeyVault/vaults',
        'Microsoft.KeyVault/vaults/secrets',
        'Microsoft.Web/serverfarms',
        'Microsoft.Web/sites',
        'Microsoft.Authorization/roleAssignments',
      ]),
    );
  });

  it('creates every table the API uses and the work queue with its poison queue', () => {
    const apiTables = [...fs.readFileSync(path.join(ROOT, 'src', 'api', 'storage', 'clients.ts'), 'utf8').matchAll(/^\s+\w+: '(Retract\w+)',$/gm)].map((m) => m[1]);
    expect(apiTables.length).toBeGreaterThan(0);
    for (const table of apiTables) expect(code).toContain(`'${table}'`);
    expect(code).toMatch(/var workQueue = 'retract-work'/);
    expect(code).toContain("[workQueue, '${workQueue}-poison']");
  });

  it('runs Node 20 on Linux, HTTPS only, TLS 1.2 at least, FTP off', () => {
    expect(code).toMatch(/kind: 'functionapp,linux'/);
    expect(code).toMatch(/runtime: \{\s+name: 'node'\s+version: '20'\s+\}/);
    expect(code).toMatch(/httpsOnly: true/);
    expect(code).toMatch(/minTlsVersion: '1\.2'/);
    expect(code).toMatch(/minimumTlsVersion: 'TLS1_2'/);
    expect(code).toMatch(/supportsHttpsTrafficOnly: true/);
    expect(code).toMatch(/ftpsState: 'Disabled'/);
  });

  it('sets every app setting of CONTRACTS.md §2, with Microsoft’s endpoints', () => {
    const settings = appSettings();
    for (const name of ['RETRACT_TENANT_ID', 'RETRACT_CLIENT_ID', 'RETRACT_AUTHORITY_HOST', 'RETRACT_GRAPH_BASE', 'RETRACT_EXCHANGE_BASE', 'RETRACT_STORAGE', 'RETRACT_ALLOWED_TENANTS']) {
      expect(settings.has(name)).toBe(true);
    }
    expect(settings.has('RETRACT_CLIENT_SECRET') || settings.has('RETRACT_CLIENT_CERT_PATH')).toBe(true);
    expect(settings.get('RETRACT_AUTHORITY_HOST')).toBe("'https://login.microsoftonline.com'");
    expect(settings.get('RETRACT_GRAPH_BASE')).toBe("'https://graph.microsoft.com/v1.0'");
    expect(settings.get('RETRACT_EXCHANGE_BASE')).toBe("'https://outlook.office365.com'");
  });

  it('sets no RETRACT_ setting the API does not read', () => {
    const config = fs.readFileSync(path.join(ROOT, 'src', 'api', 'config.ts'), 'utf8');
    for (const name of appSettings().keys()) if (name.startsWith('RETRACT_')) expect(config).toContain(`${name}:`);
  });

  it('keeps the credential and the storage key in Key Vault, read with the Function App’s managed identity', () => {
    const settings = appSettings();
    expect(settings.get('RETRACT_CLIENT_SECRET')).toMatch(/^'@Microsoft\.KeyVault\(VaultName=\$\{vault\.name\};SecretName=\$\{clientSecretName\}\)'$/);
    expect(settings.get('RETRACT_STORAGE')).toMatch(/^'@Microsoft\.KeyVault\(VaultName=\$\{vault\.name\};SecretName=\$\{storageSecret\.name\}\)'$/);
    expect(code).toMatch(/identity: \{ type: 'SystemAssigned' \}/);
    expect(code).toMatch(/enableRbacAuthorization: true/);
    // Key Vault Secrets User, granted to the Function App's identity on the vault.
    expect(code).toMatch(/keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'/);
    expect(code).toMatch(/scope: vault\s+name: guid\(vault\.id, api\.id, roles\.keyVaultSecretsUser\)\s+properties: \{\s+principalId: api\.identity\.principalId/);
    // The account key appears once: in the Key Vault secret, never in an app setting.
    expect(code.match(/listKeys\(\)/g)).toHaveLength(1);
    const secretAt = code.indexOf("resource storageSecret 'Microsoft.KeyVault/vaults/secrets@");
    expect(secretAt).toBeGreaterThan(0);
    expect(code.slice(secretAt, code.indexOf('\nresource ', secretAt))).toContain('AccountKey=${storage.listKeys().keys[0].value}');
  });

  it('has balanced braces and brackets outside strings', () => {
    const stack: string[] = [];
    const pairs: Record<string, string> = { '}': '{', ']': '[', ')': '(' };
    let inString = false;
    for (let i = 0; i < code.length; i++) {
      const c = code[i] ?? '';
      if (inString && c === '\\') i++;
      else if (c === "'") inString = !inString;
      else if (inString) continue;
      else if ('{[('.includes(c)) stack.push(c);
      else if (c in pairs) expect(stack.pop()).toBe(pairs[c]);
    }
    expect(inString).toBe(false);
    expect(stack).toEqual([]);
  });

  it('matches its parameters file: every parameter given is declared, every required one is given', () => {
    const declared = new Map([...code.matchAll(/^param (\w+) \w+( = .*)?$/gm)].map((m) => [m[1] ?? '', m[2] !== undefined]));
    for (const name of Object.keys(parameters.parameters)) expect(declared.has(name)).toBe(true);
    for (const [name, hasDefault] of declared) if (!hasDefault) expect(parameters.parameters).toHaveProperty(name);
  });
});
