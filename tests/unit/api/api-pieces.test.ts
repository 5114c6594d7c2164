/** The API's pure pieces: configuration, routes, the role table, problem documents, storage splitting, OpenAPI. */
import { z } from 'zod';
import { allows } from '../../../src/api/auth/access';
import type { Principal } from '../../../src/api/auth/tokens';
import { loadConfig } from '../../../src/api/config';
import { badRequest, problem } from '../../../src/api/http/problem';
import { openApiDocument } from '../../../src/api/openapi';
import { ROUTES, matchRoute } from '../../../src/api/routes';
import { safeKey, splitForTable } from '../../../src/api/storage/clients';
import { encodeWorkItem, workItemSchema } from '../../../src/api/worker/work-items';

const env = {
  RETRACT_TENANT_ID: 't1',
  RETRACT_CLIENT_ID: 'c1',
  RETRACT_CLIENT_SECRET: 'not-a-real-secret',
  RETRACT_STORAGE: 'UseDevelopmentStorage=true',
};

describe('configuration (CONTRACTS §2)', () => {
  it('takes the allowed browser origins and the undo role check, and refuses a malformed origin by name', () => {
    const c = loadConfig({ ...env, RETRACT_ALLOWED_ORIGINS: 'https://retract.contoso.com, https://localhost:3000', RETRACT_ROLE_CHECK: 'token' });
    expect([c.allowedOrigins, c.roleCheck]).toEqual([['https://retract.contoso.com', 'https://localhost:3000'], 'token']);
    // By default no browser origin is allowed and an undo re-reads the caller's role in the directory.
    expect([loadConfig(env).allowedOrigins, loadConfig(env).roleCheck]).toEqual([[], 'directory']);
    expect(() => loadConfig({ ...env, RETRACT_ALLOWED_ORIGINS: 'https://retract.contoso.com/app' })).toThrow(/RETRACT_ALLOWED_ORIGINS/);
    expect(() => loadConfig({ ...env, RETRACT_ALLOWED_ORIGINS: '*' })).toThrow(/RETRACT_ALLOWED_ORIGINS/);
    expect(() => loadConfig({ ...env, RETRACT_ROLE_CHECK: 'none' })).toThrow(/RETRACT_ROLE_CHECK/);
  });
  it("takes the Graph request time limit, and refuses one that is not a number of milliseconds by name", () => {
    expect(loadConfig(env).graphTimeoutMs).toBeUndefined();
    expect(loadConfig({ ...env, RETRACT_GRAPH_TIMEOUT_MS: '2000' }).graphTimeoutMs).toBe(2000);
    expect(() => loadConfig({ ...env, RETRACT_GRAPH_TIMEOUT_MS: 'soon' })).toThrow(/RETRACT_GRAPH_TIMEOUT_MS: RETRACT_GRAPH_TIMEOUT_MS must be a whole number of milliseconds/);
    expect(() => loadConfig({ ...env, RETRACT_GRAPH_TIMEOUT_MS: '5' })).toThrow(/at least 100/);
  });
  it('fills Microsoft defaults and allows the own tenant when no list is given', () => {
    const c = loadConfig(env);
    expect(c.authorityHost).toBe('https://login.microsoftonline.com');
    expect(c.graphBase).toBe('https://graph.microsoft.com/v1.0');
    expect(c.exchangeBase).toBe('https://outlook.office365.com');
    expect(c.allowedTenants).toEqual(['t1']);
    expect(c.queueName).toBe('retract-work');
  });
  it('reads a list of allowed tenants and strips trailing slashes from URLs', () => {
    const c = loadConfig({ ...env, RETRACT_ALLOWED_TENANTS: 'T1, t2', RETRACT_AUTHORITY_HOST: 'https://localhost:4010/' });
    expect(c.allowedTenants).toEqual(['t1', 't2']);
    expect(c.authorityHost).toBe('https://localhost:4010');
  });
  it('names what is missing, without echoing any value', () => {
    expect(() => loadConfig({ ...env, RETRACT_CLIENT_SECRET: undefined })).toThrow(/RETRACT_CLIENT_SECRET/);
    expect(() => loadConfig({ ...env, RETRACT_STORAGE: undefined })).toThrow(/RETRACT_STORAGE/);
    let message = '';
    expect(() => {
      try {
        loadConfig({ ...env, RETRACT_AUTHORITY_HOST: 'not a url' });
      } catch (err) {
        message = String(err);
        throw err;
      }
    }).toThrow(/RETRACT_AUTHORITY_HOST/);
    expect(message).not.toContain('not-a-real-secret');
  });
});

describe('routes', () => {
  it('match Functions route templates and decode parameters', () => {
    expect(matchRoute('jobs/{jobId}/undo', 'jobs/abc-1/undo')).toEqual({ jobId: 'abc-1' });
    expect(matchRoute('jobs/{jobId}', 'jobs/abc/undo')).toBeNull();
    expect(matchRoute('jobs/{jobId}', 'jobs/')).toBeNull();
    expect(matchRoute('audit/verify', 'audit/verify')).toEqual({});
  });
  it('cover every route of CONTRACTS §6 exactly once per method', () => {
    const keys = ROUTES.flatMap((r) => r.methods.map((m) => `${m} ${r.route}`));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.sort()).toEqual(
      [
        'GET health', 'GET openapi.json', 'GET me', 'POST lookups', 'POST jobs', 'GET jobs/{jobId}', 'GET jobs',
        'POST jobs/{jobId}/undo', 'POST jobs/{jobId}/cancel', 'GET ome', 'POST ome/revoke', 'GET trace', 'GET audit',
        'GET audit/verify', 'GET setup', 'PUT settings/domains',
      ].sort(),
    );
  });
});

describe('the role table', () => {
  const p = (roles: string[], appOnly: boolean): Principal => ({ tenantId: 't', oid: 'o', roles, appOnly });
  it('lets admins do everything, auditors read, and users without a role only the sender routes', () => {
    const admin = p(['Retract.Admin'], false);
    const auditor = p(['Retract.Auditor'], true);
    const user = p([], false);
    const app = p([], true);
    expect(['admin', 'reader', 'sender', 'signed-in'].every((a) => allows(a as never, admin))).toBe(true);
    expect([allows('admin', auditor), allows('reader', auditor), allows('sender', auditor)]).toEqual([false, true, false]);
    expect([allows('admin', user), allows('reader', user), allows('sender', user), allows('signed-in', user)]).toEqual([false, false, true, true]);
    expect([allows('sender', app), allows('signed-in', app)]).toEqual([false, true]);
  });
});

describe('problem documents', () => {
  it('name the first field at fault', () => {
    const r = z.object({ depth: z.number().max(5, 'depth must be at most 5') }).safeParse({ depth: 9 });
    const err = badRequest(r.error!, 'body');
    expect(err.status).toBe(400);
    expect(err.detail).toContain('depth');
    expect(err.extra.errors).toEqual([{ field: 'depth', message: 'depth must be at most 5' }]);
  });
  it('name an unknown body field by its key, quoted in the sentence', () => {
    const r = z.strictObject({ depth: z.number() }).safeParse(JSON.parse('{"depth":1," ":true}'));
    const err = badRequest(r.error!, 'body');
    expect(err.status).toBe(400);
    expect(err.extra.errors).toEqual([{ field: ' ', message: expect.stringContaining('not part of the request') }]);
    expect(err.detail).toBe('The field " " is not valid: This field is not part of the request; remove it (names are case-sensitive).');
    const q = badRequest(z.strictObject({}).safeParse({ since: 'x' }).error!, 'query');
    expect(q.detail).toContain('query parameter since');
  });
  it('are application/problem+json with type, title, status and detail', () => {
    const res = problem(415, 'Send JSON.');
    expect(res.headers).toMatchObject({ 'content-type': 'application/problem+json' });
    expect(JSON.parse(String(res.body))).toMatchObject({ title: 'Unsupported media type', status: 415, detail: 'Send JSON.' });
  });
});

describe('storage helpers', () => {
  it('split text for table properties without cutting a surrogate pair', () => {
    const text = 'a'.repeat(29_999) + '😀' + 'b'.repeat(10);
    const pieces = splitForTable(text);
    expect(pieces.join('')).toBe(text);
    for (const piece of pieces) expect(/[\ud800-\udbff]$/.test(piece)).toBe(false);
  });
  it('escape characters table keys may not hold', () => {
    expect(safeKey('a/b\\c#d?e')).not.toMatch(/[/\\#?]/);
    // Escaping keeps keys distinct: a literal % is escaped too.
    expect(safeKey('a/b')).not.toBe(safeKey('a%2fb'));
  });
  it('encode work items as base64 JSON, as the Functions host expects', () => {
    const text = encodeWorkItem({ tenantId: 't', jobId: 'j', chunk: 3 });
    expect(workItemSchema.parse(JSON.parse(Buffer.from(text, 'base64').toString('utf8')))).toEqual({ tenantId: 't', jobId: 'j', chunk: 3 });
  });
});

describe('OpenAPI', () => {
  it('is generated from the contracts: bodies, queries, problems and security', () => {
    const doc = openApiDocument() as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown; parameters?: Array<{ name: string }>; security?: unknown[] }>> };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/jobs']!.post!.requestBody).toBeDefined();
    expect(doc.paths['/audit']!.get!.parameters!.map((p) => p.name)).toEqual(expect.arrayContaining(['section', 'actor', 'internetMessageId', 'since', 'until', 'cursor']));
    expect(doc.paths['/health']!.get!.security).toEqual([]);
  });
});
