/**
 * Conformance with Microsoft's documentation (shared/reference/graph): for each documented
 * call the simulator serves, every property of the documented example appears in the
 * simulator's answer with the same JSON type (extra properties are fine). Examples on `/me`
 * are asked of `/users/{upn}` (the same resource; the tests hold app-only tokens).
 *
 * Two readings: a documented `null` says nothing about the type; and the simulator may answer
 * `null` (and an empty collection) where Graph's own CSDL (schema-v1.0-extract.xml) declares
 * the property nullable, as Graph does for, e.g., the mail of a user without a mailbox.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { copyOf, startGraphHarness, type GraphHarness } from './graph-harness';

const REF = path.resolve(__dirname, '../../../../shared/reference/graph');
interface Block {
  kind: string;
  text: string;
}
const examples = JSON.parse(readFileSync(path.join(REF, 'docs-examples.json'), 'utf8')) as { file: string; blocks: Block[] }[];
const mocks = (JSON.parse(readFileSync(path.join(REF, 'docs-mocks.json'), 'utf8')) as { mocks: { request: { url: string; method: string }; response: { statusCode: number; body?: unknown } }[] }).mocks;

/** The JSON of the n-th response block of a docs page (the docs have trailing commas now and then). */
function exampleResponse(file: string, n: number): { status: number; body: unknown } {
  const page = examples.find((e) => e.file === file);
  if (!page) throw new Error(`no example page ${file}`);
  const block = page.blocks.filter((b) => b.kind === 'response')[n];
  if (!block) throw new Error(`${file} has no response #${n}`);
  const status = Number(/^HTTP\/1\.1 (\d+)/.exec(block.text)?.[1] ?? 200);
  const jsonStart = block.text.indexOf('{');
  const body = jsonStart < 0 ? undefined : (JSON.parse(block.text.slice(jsonStart).replace(/,(\s*[}\]])/g, '$1')) as unknown);
  return { status, body };
}

/** Property names whose every declaration in the CSDL extract may be null. */
const csdl = readFileSync(path.join(REF, 'schema-v1.0-extract.xml'), 'utf8');
const nullable = new Map<string, boolean>();
for (const m of csdl.matchAll(/<Property Name="([^"]+)"[^>]*?\/?>/g)) {
  const isNullable = !/Nullable="false"/.test(m[0]);
  nullable.set(m[1]!, (nullable.get(m[1]!) ?? true) && isNullable);
}

function mock(method: string, url: string): { status: number; body: unknown } {
  const m = mocks.find((x) => x.request.method === method && x.request.url === `https://graph.microsoft.com/v1.0${url}`);
  if (!m) throw new Error(`no mock for ${method} ${url}`);
  return { status: m.response.statusCode, body: m.response.body };
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Where the simulator's answer lacks or retypes a documented property. */
function mismatches(doc: unknown, sim: unknown, at = '$'): string[] {
  const dt = typeOf(doc);
  if (dt === 'null') return [];
  const st = typeOf(sim);
  const name = /\.([^.[\]]+)$/.exec(at)?.[1];
  if (st === 'null' && name !== undefined && nullable.get(name) === true) return [];
  if (dt !== st) return [`${at}: documented ${dt}, simulator ${st}`];
  if (dt === 'array') {
    const d = doc as unknown[];
    const s = sim as unknown[];
    if (d.length === 0) return [];
    // A top-level list must hold something, or the comparison would prove nothing.
    if (s.length === 0 && at === '$.value') return [`${at}: documented items, simulator answered none`];
    return s.flatMap((item, i) => mismatches(d[0], item, `${at}[${i}]`));
  }
  if (dt === 'object') {
    const out: string[] = [];
    for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
      if (k === '@odata.nextLink') continue; // depends on how much data there is
      if (!(k in (sim as Record<string, unknown>))) out.push(`${at}.${k}: missing`);
      else out.push(...mismatches(v, (sim as Record<string, unknown>)[k], `${at}.${k}`));
    }
    return out;
  }
  return [];
}

let h: GraphHarness;
let allStaffId: string;
beforeAll(async () => {
  h = await startGraphHarness();
  const r = await h.raw('GET', `/v1.0/groups?$filter=${encodeURIComponent("mail eq 'all@contoso.com'")}`);
  allStaffId = (r.json as { value: { id: string }[] }).value[0]!.id;
});
afterAll(async () => {
  await h.close();
});

const IMM = { prefer: 'IdType="ImmutableId"' };

describe('Graph docs examples (docs-examples.json)', () => {
  it('list domains', async () => {
    const r = await h.raw('GET', '/v1.0/domains');
    const doc = exampleResponse('domain-list.md', 0);
    expect(r.status).toBe(doc.status);
    expect(mismatches(doc.body, r.json)).toEqual([]);
  });

  it('list users', async () => {
    const r = await h.raw('GET', '/v1.0/users');
    const doc = exampleResponse('user-list.md', 0);
    expect(mismatches(doc.body, r.json)).toEqual([]);
  });

  it('list a group\'s transitive members, and the group cast with $count', async () => {
    const r = await h.raw('GET', `/v1.0/groups/${allStaffId}/transitiveMembers`);
    expect(mismatches(exampleResponse('group-list-transitivemembers.md', 0).body, r.json)).toEqual([]);
    const cast = await h.raw('GET', `/v1.0/groups/${allStaffId}/transitiveMembers/microsoft.graph.group?$count=true`, { headers: { ConsistencyLevel: 'eventual' } });
    expect(mismatches(exampleResponse('group-list-transitivemembers.md', 2).body, cast.json)).toEqual([]);
    const count = await h.raw('GET', `/v1.0/groups/${allStaffId}/transitiveMembers/$count`, { headers: { ConsistencyLevel: 'eventual' } });
    expect(count.headers.get('content-type')).toContain('text/plain');
    expect(count.text).toMatch(/^\d+$/);
  });

  it('get a message, with $select=internetMessageHeaders, and with $select=subject,body,bodyPreview,uniqueBody', async () => {
    const c = await copyOf(h, 'megan@contoso.com', 'phish');
    const full = await h.raw('GET', `/v1.0/users/megan@contoso.com/messages/${c.id}`);
    expect(mismatches(exampleResponse('message-get.md', 0).body, full.json)).toEqual([]);
    const headers = await h.raw('GET', `/v1.0/users/megan@contoso.com/messages/${c.id}?$select=internetMessageHeaders`);
    expect(mismatches(exampleResponse('message-get.md', 1).body, headers.json)).toEqual([]);
    const bodies = await h.raw('GET', `/v1.0/users/megan@contoso.com/messages/${c.id}?$select=subject,body,bodyPreview,uniqueBody`);
    expect(mismatches(exampleResponse('message-get.md', 2).body, bodies.json)).toEqual([]);
  });

  it('list messages with $select=sender,subject', async () => {
    const r = await h.raw('GET', '/v1.0/users/megan@contoso.com/messages?$select=sender,subject');
    expect(mismatches(exampleResponse('user-list-messages.md', 0).body, r.json)).toEqual([]);
  });

  it('move a message (201), delete (204), permanentDelete (204)', async () => {
    const c = await copyOf(h, 'lee@contoso.com', 'phish');
    const moved = await h.raw('POST', `/v1.0/users/lee@contoso.com/messages/${c.id}/move`, { body: { destinationId: 'deleteditems' }, headers: IMM });
    const doc = exampleResponse('message-move.md', 0);
    expect(moved.status).toBe(doc.status);
    expect(mismatches(doc.body, moved.json)).toEqual([]);
    const del = await h.raw('DELETE', `/v1.0/users/lee@contoso.com/messages/${c.id}`, { headers: IMM });
    expect(del.status).toBe(exampleResponse('message-delete.md', 0).status);
    const w = await copyOf(h, 'lee@contoso.com', 'welcome');
    const purge = await h.raw('POST', `/v1.0/users/lee@contoso.com/messages/${w.id}/permanentDelete`, { headers: IMM });
    expect(purge.status).toBe(exampleResponse('message-permanentdelete.md', 0).status);
  });

  it('throttling answer', async () => {
    await h.raw('PUT', '/_sim/faults', { token: null, body: { throttle: { ratePerSecond: 1 } } });
    try {
      await h.raw('GET', '/v1.0/users/adele@contoso.com/messages?$top=1');
      const r = await h.raw('GET', '/v1.0/users/adele@contoso.com/messages?$top=1');
      const doc = exampleResponse('throttling.md', 0);
      expect(r.status).toBe(doc.status);
      expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(mismatches(doc.body, r.json)).toEqual([]);
    } finally {
      await h.raw('PUT', '/_sim/faults', { token: null, body: {} });
    }
  });

  it('error body', async () => {
    const r = await h.raw('GET', '/v1.0/users/adele@contoso.com/messages/not-an-id');
    const page = examples.find((e) => e.file === 'errors.md')!;
    const doc = JSON.parse(page.blocks[0]!.text) as unknown;
    expect(mismatches(doc, r.json)).toEqual([]);
  });

  it('JSON batching answer (items: id, status, headers, body)', async () => {
    const r = await h.raw('POST', '/v1.0/$batch', {
      body: {
        requests: [
          { id: '1', method: 'GET', url: '/users?$top=1' },
          { id: '2', method: 'GET', url: '/users/adele@contoso.com/messages/not-an-id' },
        ],
      },
    });
    const doc = exampleResponse('json-batching.md', 0).body as { responses: { body: unknown }[] };
    // Item bodies are other resources (directoryRole, planner tasks…): compare the envelope.
    const envelope = { responses: doc.responses.map(({ body: _body, ...rest }) => rest) };
    expect(r.status).toBe(200);
    expect(mismatches(envelope, r.json)).toEqual([]);
  });
});

describe('Graph docs mocks (docs-mocks.json)', () => {
  it('GET messages?$select=sender,subject and mailFolders/{id}/messages', async () => {
    const r = await h.raw('GET', '/v1.0/users/megan@contoso.com/messages?$select=sender,subject');
    expect(mismatches(mock('GET', '/me/messages?$select=sender,subject').body, r.json)).toEqual([]);
    const f = await h.raw('GET', '/v1.0/users/megan@contoso.com/mailFolders/inbox/messages');
    expect(mismatches(mock('GET', '/me/mailFolders/*/messages').body, f.json)).toEqual([]);
  });

  it('GET a message with headers, bodies, and extended properties', async () => {
    const c = await copyOf(h, 'diego@contoso.com', 'phish');
    const base = `/v1.0/users/diego@contoso.com/messages/${c.id}`;
    const a = await h.raw('GET', `${base}?$select=internetMessageHeaders`);
    expect(mismatches(mock('GET', '/me/messages/*?$select=internetMessageHeaders').body, a.json)).toEqual([]);
    const b = await h.raw('GET', `${base}?$select=subject,body,bodyPreview,uniqueBody`);
    expect(mismatches(mock('GET', '/me/messages/*?$select=subject,body,bodyPreview,uniqueBody').body, b.json)).toEqual([]);
    const e = await h.raw('GET', `${base}?$expand=${encodeURIComponent("singleValueExtendedProperties($filter=id eq 'String 0x1042')")}`);
    expect(mismatches(mock('GET', '/me/messages/*?$expand=singleValueExtendedProperties($filter=id eq * * * *)').body, e.json)).toEqual([]);
  });

  it('mail folders: get one and list', async () => {
    const one = await h.raw('GET', '/v1.0/users/diego@contoso.com/mailFolders/inbox');
    expect(mismatches(mock('GET', '/me/mailFolders/*').body, one.json)).toEqual([]);
    const list = await h.raw('GET', '/v1.0/users/diego@contoso.com/mailFolders');
    expect(mismatches(mock('GET', '/me/mailFolders').body, list.json)).toEqual([]);
  });

  it('move, delete, reply and forward statuses and bodies', async () => {
    const c = await copyOf(h, 'grady@contoso.com', 'phish');
    const moved = await h.raw('POST', `/v1.0/users/grady@contoso.com/messages/${c.id}/move`, { body: { destinationId: 'junkemail' }, headers: IMM });
    const m = mock('POST', '/me/messages/*/move');
    expect(moved.status).toBe(m.status);
    expect(mismatches(m.body, moved.json)).toEqual([]);
    const reply = await h.raw('POST', `/v1.0/users/grady@contoso.com/messages/${c.id}/reply`, { body: { comment: 'no' }, headers: IMM });
    expect(reply.status).toBe(mock('POST', '/me/messages/*/reply').status);
    const fwd = await h.raw('POST', `/v1.0/users/grady@contoso.com/messages/${c.id}/forward`, { body: { comment: 'see', toRecipients: [{ emailAddress: { address: 'lee@contoso.com' } }] }, headers: IMM });
    expect(fwd.status).toBe(mock('POST', '/me/messages/*/forward').status);
    const del = await h.raw('DELETE', `/v1.0/users/grady@contoso.com/messages/${c.id}`, { headers: IMM });
    expect(del.status).toBe(mock('DELETE', '/me/messages/*').status);
  });

  it('domains, one domain, users, transitive members', async () => {
    expect(mismatches(mock('GET', '/domains').body, (await h.raw('GET', '/v1.0/domains')).json)).toEqual([]);
    expect(mismatches(mock('GET', '/domains/*').body, (await h.raw('GET', '/v1.0/domains/contoso.com')).json)).toEqual([]);
    expect(mismatches(mock('GET', '/users').body, (await h.raw('GET', '/v1.0/users')).json)).toEqual([]);
    expect(mismatches(mock('GET', '/groups/*/transitiveMembers').body, (await h.raw('GET', `/v1.0/groups/${allStaffId}/transitiveMembers`)).json)).toEqual([]);
  });
});
