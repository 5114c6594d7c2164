/**
 * The simulator's own /_sim endpoints and its command line (`npm run sim`).
 */
import { spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureDevCerts } from '../../../src/dev/certs';
import { copyOf, DEMO, startGraphHarness, type GraphHarness } from './graph-harness';

let h: GraphHarness;
beforeAll(async () => {
  h = await startGraphHarness();
});
afterAll(async () => {
  await h.close();
});

const ROOT = path.resolve(__dirname, '../../..');

/** Runs src/sim/main.ts until it prints its line or exits; returns what it printed. */
function runSim(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/sim/main.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (/^sim {2}https:\/\/localhost:\d+$/m.test(stdout)) child.kill('SIGINT');
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('/_sim', () => {
  it('answers health with the tenant id', async () => {
    const r = await h.raw('GET', '/_sim/health', { token: null });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ status: 'ok', tenantId: h.sim.tenantId });
  });

  it('lists a mailbox in every folder with the fields of CONTRACTS §4, ids as Graph gives them immutable', async () => {
    const r = await h.raw('GET', '/_sim/mailboxes/ADELE@contoso.com/messages', { token: null });
    const list = r.json as Record<string, unknown>[];
    expect(list.length).toBeGreaterThan(3);
    for (const m of list) expect(Object.keys(m).sort()).toEqual(['conversationId', 'folder', 'from', 'id', 'internetMessageId', 'isRead', 'receivedDateTime', 'ref', 'subject', 'toRecipients']);
    expect(new Set(list.map((m) => m.folder))).toEqual(new Set(['inbox', 'sentitems']));
    const phish = await copyOf(h, 'adele@contoso.com', 'phish');
    const viaGraph = await h.raw('GET', `/v1.0/users/adele@contoso.com/messages/${phish.id}?$select=id`, { headers: { prefer: 'IdType="ImmutableId"' } });
    expect((viaGraph.json as { id: string }).id).toBe(phish.id);
    const unknown = await h.raw('GET', '/_sim/mailboxes/nobody@contoso.com/messages', { token: null });
    expect(unknown.status).toBe(404);
  });

  it('takes mail ops through POST /_sim/mail, one or many, answering ref → internetMessageId', async () => {
    const one = await h.raw('POST', '/_sim/mail', { token: null, body: { op: 'send', ref: 'ctl-1', as: 'lee@contoso.com', to: ['sales@contoso.com'], subject: 'ctl' } });
    expect(one.status).toBe(200);
    const imid = (one.json as Record<string, string>)['ctl-1']!;
    expect(imid).toMatch(/^<.+@.+>$/);
    const many = await h.raw('POST', '/_sim/mail', {
      token: null,
      body: [
        { op: 'reply', ref: 'ctl-2', as: 'megan@contoso.com', of: 'ctl-1' },
        { op: 'deliver', ref: 'ctl-3', from: 'x@evil.example', to: ['megan@contoso.com'], inReplyTo: 'ctl-2', internetMessageId: '<ctl-3@evil.example>' },
      ],
    });
    expect(many.json).toEqual({ 'ctl-2': expect.stringMatching(/^<.+>$/), 'ctl-3': '<ctl-3@evil.example>' });
    const c = await copyOf(h, 'megan@contoso.com', 'ctl-3');
    expect(c.internetMessageId).toBe('<ctl-3@evil.example>');
  });

  it('refuses a bad mail op with the JSON path of the fault', async () => {
    const bad = await h.raw('POST', '/_sim/mail', { token: null, body: [{ op: 'send', ref: 'ok-1', as: 'lee@contoso.com', to: ['adele@contoso.com'] }, { op: 'reply', ref: 'x', as: 'lee@contoso.com', of: 'nope' }] });
    expect(bad.status).toBe(400);
    expect((bad.json as { error: { path: string } }).error.path).toBe('$[1].of');
    const repeated = await h.raw('POST', '/_sim/mail', { token: null, body: { op: 'send', ref: 'phish', as: 'lee@contoso.com', to: ['adele@contoso.com'] } });
    expect(repeated.status).toBe(400);
    expect((repeated.json as { error: { path: string } }).error.path).toBe('$.ref');
    const schema = await h.raw('POST', '/_sim/mail', { token: null, body: { op: 'send', ref: 'y', as: 'lee@contoso.com', to: ['not an address'] } });
    expect((schema.json as { error: { path: string } }).error.path).toBe('$.to[0]');
  });

  it('answers browsers with CORS on Graph and /_sim', async () => {
    const pre = await h.raw('OPTIONS', '/v1.0/users', { token: null, headers: { origin: 'https://localhost:3000', 'access-control-request-headers': 'authorization' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://localhost:3000');
    expect(pre.headers.get('access-control-allow-headers')).toBe('authorization');
    const get = await h.raw('GET', '/_sim/health', { token: null, headers: { origin: 'https://localhost:3000' } });
    expect(get.headers.get('access-control-allow-origin')).toBe('https://localhost:3000');
  });

  it('lists served requests with seq, status, mailbox and times, from a given seq on', async () => {
    const start = ((await h.raw('GET', '/_sim/requests?since=0', { token: null })).json as { next: number }).next;
    await h.raw('GET', '/v1.0/users/adele@contoso.com/messages?$top=1');
    await h.raw('GET', '/v1.0/users/ghost@contoso.com/messages');
    const r = (await h.raw('GET', `/_sim/requests?since=${start}`, { token: null })).json as { next: number; requests: { seq: number; path: string; status: number; mailbox: string | null; startedAt: number; endedAt: number }[] };
    const graph = r.requests.filter((x) => x.path.startsWith('/v1.0/'));
    expect(graph.map((x) => [x.path, x.status, x.mailbox])).toEqual([
      ['/v1.0/users/adele@contoso.com/messages', 200, 'adele@contoso.com'],
      ['/v1.0/users/ghost@contoso.com/messages', 404, 'ghost@contoso.com'],
    ]);
    for (const x of graph) expect(x.endedAt).toBeGreaterThanOrEqual(x.startedAt);
    expect(r.next).toBeGreaterThan(graph[1]!.seq);
    const later = (await h.raw('GET', `/_sim/requests?since=${r.next}`, { token: null })).json as { requests: unknown[] };
    expect(later.requests).toEqual([]);
  });
});

describe('npm run sim', () => {
  const certs = ensureDevCerts();
  it('prints "sim  https://localhost:PORT" when listening', async () => {
    const r = await runSim(['--tenant', DEMO, '--port', '0', '--cert', certs.certFile, '--key', certs.keyFile, '--throttle', 'on', '--latency-ms', '5']);
    expect(r.stdout).toMatch(/^sim {2}https:\/\/localhost:\d+$/m);
  });

  it('exits 2 with the JSON path of the first fault of a bad fixture', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sim-fixture-'));
    const file = path.join(dir, 'bad.json');
    const f = JSON.parse(JSON.stringify(h.fixture)) as { mail: { of?: string }[] };
    f.mail[4]!.of = 'no-such-ref';
    writeFileSync(file, JSON.stringify(f));
    const r = await runSim(['--tenant', file, '--port', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('$.mail[4].of');
    const usage = await runSim(['--throttle', 'maybe']);
    expect(usage.code).toBe(2);
  });
});
