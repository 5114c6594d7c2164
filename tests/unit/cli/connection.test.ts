/** Where the CLI connects and as whom: options, environment, then the dev-stack file. */
import path from 'node:path';
import { defaultScope } from '../../../src/cli/auth';
import { resolveConnection } from '../../../src/cli/connection';
import { locateDevStack, parseDevStack, type DevStack } from '../../../src/cli/devStack';
import { CliError } from '../../../src/cli/exitCodes';

const STACK_FILE = '/work/project/.retract/dev-stack.json';

const stackJson = {
  api: 'https://localhost:7071/api',
  sim: 'https://localhost:4010',
  taskpane: 'https://localhost:3000/harness.html',
  tenantId: '11111111-1111-1111-1111-111111111111',
  authorityHost: 'https://localhost:4010',
  caFile: '/work/project/.retract/certs/ca.crt',
  apiScope: 'api://localhost:3000/22222222-2222-2222-2222-222222222222/.default',
  cli: { clientId: '33333333-3333-3333-3333-333333333333', clientSecret: 'dev-secret' },
};

function fromStack(stack: object = stackJson) {
  const reads: string[] = [];
  return {
    reads,
    where: {
      env: {},
      cwd: '/work/project',
      locate: () => STACK_FILE,
      read: (file: string): DevStack => {
        reads.push(file);
        return parseDevStack(JSON.stringify(stack), file);
      },
      readCa: (file: string) => `PEM of ${file}`,
    },
  };
}

function error(fn: () => unknown): CliError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    return err as CliError;
  }
  throw new Error('expected an error');
}

describe('the dev-stack file', () => {
  it('parses what npm start writes, and resolves a relative caFile beside the file', () => {
    const stack = parseDevStack(JSON.stringify({ ...stackJson, caFile: 'certs/ca.crt' }), STACK_FILE);
    expect(stack.cli.clientId).toBe(stackJson.cli.clientId);
    expect(stack.caFile).toBe(path.resolve('/work/project/.retract/certs/ca.crt'));
  });

  it('names the file and the faulty field when it is not a dev-stack file', () => {
    expect(error(() => parseDevStack('{not json', STACK_FILE)).message).toBe(
      `${STACK_FILE} is not JSON. Restart \`npm start\` to write it again.`,
    );
    const { cli: _cli, ...withoutCli } = stackJson;
    const e = error(() => parseDevStack(JSON.stringify(withoutCli), STACK_FILE));
    expect(e.exitCode).toBe(2);
    expect(e.message).toMatch(/dev-stack\.json is not a dev-stack file: cli is missing or wrong/);
    expect(error(() => parseDevStack(JSON.stringify({ ...stackJson, authorityHost: 'http://localhost:4010' }), STACK_FILE)).message).toMatch(
      /authorityHost/,
    );
  });

  it('is found through RETRACT_DEV_STACK first, then in the working directory, then in the project root', () => {
    const present = new Set(['/cwd/.retract/dev-stack.json', '/root/.retract/dev-stack.json']);
    const exists = (f: string) => present.has(f);
    expect(locateDevStack({ env: { RETRACT_DEV_STACK: 'other.json' }, cwd: '/cwd', projectRoot: '/root', exists })).toBe(
      path.resolve('/cwd/other.json'),
    );
    expect(locateDevStack({ env: {}, cwd: '/cwd', projectRoot: '/root', exists })).toBe('/cwd/.retract/dev-stack.json');
    present.delete('/cwd/.retract/dev-stack.json');
    expect(locateDevStack({ env: {}, cwd: '/cwd', projectRoot: '/root', exists })).toBe('/root/.retract/dev-stack.json');
    present.clear();
    expect(locateDevStack({ env: {}, cwd: '/cwd', projectRoot: '/root', exists })).toBeUndefined();
  });
});

describe('resolveConnection', () => {
  it('with no options takes everything from the dev-stack file, and trusts its CA', () => {
    const { where } = fromStack();
    expect(resolveConnection({}, where)).toEqual({
      api: 'https://localhost:7071/api',
      tenantId: stackJson.tenantId,
      clientId: stackJson.cli.clientId,
      clientSecret: 'dev-secret',
      scope: stackJson.apiScope,
      authorityHost: 'https://localhost:4010',
      caPem: `PEM of ${stackJson.caFile}`,
      devStackFile: STACK_FILE,
    });
  });

  it('options win over the environment, which wins over the file; another app keeps the stack for the rest', () => {
    const { where } = fromStack();
    const c = resolveConnection(
      { api: 'https://other.test/api/', clientId: 'soc-reader', clientSecret: 'reader-secret' },
      { ...where, env: { RETRACT_API: 'https://env.test/api' } },
    );
    expect(c.api).toBe('https://other.test/api');
    expect(c.clientId).toBe('soc-reader');
    expect(c.clientSecret).toBe('reader-secret');
    expect(c.tenantId).toBe(stackJson.tenantId);
    expect(resolveConnection({}, { ...where, env: { RETRACT_API: 'https://env.test/api' } }).api).toBe('https://env.test/api');
  });

  it('does not read the dev-stack file when everything is given, and defaults to Microsoft\'s authority', () => {
    const { where, reads } = fromStack();
    const c = resolveConnection(
      { api: 'https://retract.contoso.com/api', tenantId: 't', clientId: 'c', scope: 'api://retract/x' },
      { ...where, env: { RETRACT_CLI_CLIENT_SECRET: 's' } },
    );
    expect(reads).toEqual([]);
    expect(c.authorityHost).toBe('https://login.microsoftonline.com');
    expect(c.clientSecret).toBe('s');
    expect(c.caPem).toBeUndefined();
  });

  it('refuses half a credential, a missing stack, a stack without apiScope and a non-HTTPS authority (exit 2)', () => {
    const { where } = fromStack();
    expect(error(() => resolveConnection({ clientId: 'c' }, where)).message).toMatch(/--client-id needs its secret/);
    expect(error(() => resolveConnection({ clientSecret: 's' }, where)).message).toMatch(/without --client-id/);
    const none = error(() => resolveConnection({}, { ...where, locate: () => undefined }));
    expect(none.exitCode).toBe(2);
    expect(none.message).toMatch(/No local stack found.*npm start/);
    const { apiScope: _scope, ...noScope } = stackJson;
    expect(error(() => resolveConnection({}, fromStack(noScope).where)).message).toMatch(/names no apiScope.*--scope/);
    expect(resolveConnection({ scope: 'api://x/y' }, fromStack(noScope).where).scope).toBe('api://x/y');
    expect(error(() => resolveConnection({ authorityHost: 'http://login.test' }, where)).message).toMatch(/must use https/);
  });

  it('says how to make the CA when it cannot be read', () => {
    const { where } = fromStack();
    const e = error(() =>
      resolveConnection({}, {
        ...where,
        readCa: () => {
          throw new Error('ENOENT');
        },
      }),
    );
    expect(e.message).toMatch(/Cannot read the CA certificate .*ca\.crt/);
  });
});

describe('defaultScope', () => {
  it('asks for .default of the API\'s identifier URI', () => {
    expect(defaultScope('api://localhost:3000/abc')).toBe('api://localhost:3000/abc/.default');
    expect(defaultScope('api://localhost:3000/abc/')).toBe('api://localhost:3000/abc/.default');
    expect(defaultScope('api://localhost:3000/abc/.default')).toBe('api://localhost:3000/abc/.default');
  });
});
