/**
 * Hostile input through the real API and engine (API host + Azurite + the simulated tenant):
 * fast-check properties that malformed internetMessageIds are 400 naming the field, and that every
 * API body with a field of the wrong type is a 400 problem+json naming the field and changes
 * nothing; and the fixed cases —
 * oversized and deeply nested bodies, wrong content types, path traversal in ids, CR/LF in
 * headers, Unicode look-alike recipients, and a message id forged under another sender.
 */
import fc from 'fast-check';
import tls from 'node:tls';
import { runWorker, type RunningWorker } from '../../src/dev/worker';
import { loadTenantFixture, parseTenantFixture } from '../../src/sim/fixture';
import { DEMO_FIXTURE, startStack, type Stack } from '../integration/api/stack';
import { LONG, diffSnapshots, report, snapshot, type Snapshot } from './harness';

const RUNS = LONG ? 200 : 20;
const CHEAP_RUNS = LONG ? 500 : 60;
const LOOKUP_RUNS = LONG ? 100 : 20;

/** Ids attackers use: quotes, `=`, brackets, OData and wildcard syntax, Unicode. */
const TRICKY = [
  "<q'x\"=[1]@evil.example>",
  "<a'or(internetMessageId)ne'x@evil.example>",
  '<pct%27%20or%201@evil.example>',
  '<star*@evil.example>',
  '<ünï€ødé@evil.example>',
];
const FORGED = '<forged-sender-1@evil.example>';

let stack: Stack;
let worker: RunningWorker;
let admin: string;
let before: Snapshot;

jest.setTimeout(LONG ? 900_000 : 120_000);

function fixture() {
  const demo = loadTenantFixture(DEMO_FIXTURE);
  const deliver = (ref: string, internetMessageId: string, from: string, to: string[]) => ({ op: 'deliver' as const, ref, internetMessageId, from, to, cc: [], bcc: [], subject: `Hostile ${ref}`, body: 'x' });
  return parseTenantFixture({
    ...demo,
    mail: [
      ...demo.mail,
      ...TRICKY.map((id, i) => deliver(`tricky${i}`, id, 'attacker@evil.example', ['megan@contoso.com', 'lee@contoso.com'])),
      deliver('only-megan', '<only-megan-1@evil.example>', 'attacker@evil.example', ['megan@contoso.com']),
      deliver('forged-a', FORGED, 'attacker@evil.example', ['megan@contoso.com']),
    ],
  });
}

beforeAll(async () => {
  stack = await startStack({ fixture: fixture() });
  worker = runWorker({ services: stack.api.services, idlePollMs: 100 });
  admin = await stack.appToken('retract-cli');
  before = await snapshot(stack);
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await stack?.close();
});

async function lookup(body: unknown): Promise<{ status: number; body: any; headers: Headers }> { // eslint-disable-line @typescript-eslint/no-explicit-any -- the §5 lookup or a problem as JSON
  return stack.call('POST', 'lookups', { token: admin, body });
}

/** A printable, non-space character (ASCII punctuation included, and some Unicode). */
const idChar = fc.oneof(
  fc.constantFrom(...`abcXYZ019'"=[]()<>@%*?&;:,.!#$+/\\|{}~^\`-_`.split('')),
  fc.constantFrom('ü', 'é', '€', 'а', 'е', 'ο', '\u200b', '日', '😀'),
);
const part = fc.string({ unit: idChar, minLength: 1, maxLength: 30 });

it('refuses malformed internetMessageIds with a 400 naming the field', async () => {
  const malformed = fc.oneof(
    part.map((s) => s.replace(/[<>@]/g, '')), // no brackets, no @
    part.map((s) => `${s.replace(/[<>]/g, '')}@x>`), // no opening bracket
    part.map((s) => `<${s.replace(/[<>]/g, '')}@x`), // no closing bracket
    part.map((s) => `<${s.replace(/@/g, '')}>`), // no @
    fc.tuple(part, fc.constantFrom(' ', '\t', '\n', '\r', '\u0000', '\u0007', '\u001b', '\u007f')).map(([s, c]) => `<a${c}${s}@x>`), // whitespace or control
    fc.integer({ min: 999, max: 5000 }).map((n) => `<${'a'.repeat(n - 4)}@x>`), // longer than 998
  );
  await fc.assert(
    fc.asyncProperty(malformed, async (internetMessageId) => {
      const res = await lookup({ internetMessageId, depth: 0 });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body.errors[0].field).toBe('internetMessageId');
    }),
    { numRuns: CHEAP_RUNS },
  );
});

// Well-formed ids full of quotes, `=`, brackets, OData fragments and Unicode: each reaches
// Graph as one literal, so a lookup finds a message with exactly that id or nothing. Each of
// these lookups also runs after the tenant's message-trace queries are spent (a made-up id costs
// nine), which once stalled lookups for minutes.
it('never widens a search: a lookup finds only messages with exactly the id asked for', async () => {
  const odata = fc.constantFrom("'", "''", "' or true or '", "')", ' eq ', '$filter=', '*', '%27', "\\'", 'internetMessageId', '/', '?', '#', '&$top=999');
  const local = fc.array(fc.oneof(part, odata), { minLength: 1, maxLength: 4 }).map((xs) => xs.join('').replace(/[<>@\s]/g, ''));
  const made = fc
    .tuple(local, fc.constantFrom('evil.example', 'contoso.com', "x'.example"))
    .map(([l, d]) => `<${l || 'a'}@${d}>`)
    .filter((id) => !TRICKY.includes(id) && id !== FORGED);
  // An id that differs from a delivered one by a character: not a prefix match, not a wildcard.
  const near = fc.tuple(fc.constantFrom(...TRICKY), fc.constantFrom('drop', 'quote', 'suffix')).map(([id, how]) => {
    if (how === 'drop') return `<${id.slice(2)}`;
    if (how === 'quote') return id.replace('@', "'@");
    return id.replace(/>$/, 'x>');
  });
  let lookups = 0;
  const started = Date.now();
  await fc.assert(
    fc.asyncProperty(fc.oneof(made, near), async (internetMessageId) => {
      const res = await lookup({ internetMessageId, depth: 0, includeSenderCopy: true });
      lookups++;
      expect(res.status).toBe(200);
      expect(res.body.targets).toEqual([]);
    }),
    { numRuns: LOOKUP_RUNS },
  );
  // And each delivered tricky id finds exactly its two copies, nothing more.
  for (const id of TRICKY) {
    const res = await lookup({ internetMessageId: id, depth: 0 });
    lookups++;
    expect(res.status).toBe(200);
    expect(res.body.targets.map((t: { mailbox: string; internetMessageId: string }) => `${t.mailbox} ${t.internetMessageId}`).sort()).toEqual([`lee@contoso.com ${id}`, `megan@contoso.com ${id}`]);
  }
  report(`never widens: ${lookups} lookups of hostile well-formed ids (${LOOKUP_RUNS} random), none found a message with another id, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

it('refuses every API body with a field of the wrong type or a field it does not have as a 400 naming the field, and changes nothing', async () => {
  const valid = await lookup({ internetMessageId: TRICKY[0], depth: 1 });
  const lookupId: string = valid.body.lookupId;
  const jobsBefore = (await stack.call('GET', 'jobs', { token: admin })).body;
  const settingsBefore = await stack.api.services.settings.getDomains(stack.fixture.tenant.id);
  const junkValue = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.object({ maxDepth: 2 }));
  const routes: Array<{ method: string; route: string; body: Record<string, unknown>; fields: string[] }> = [
    { method: 'POST', route: 'lookups', body: { internetMessageId: TRICKY[0], depth: 1 }, fields: ['internetMessageId', 'depth', 'includeSenderCopy', 'sender', 'recipients'] },
    { method: 'POST', route: 'jobs', body: { lookupId, action: 'soft-delete' }, fields: ['lookupId', 'action', 'exclude', 'include', 'reason'] },
    { method: 'POST', route: 'ome/revoke', body: { internetMessageId: TRICKY[0] }, fields: ['internetMessageId'] },
    { method: 'PUT', route: 'settings/domains', body: { domains: ['contoso.com'] }, fields: ['domains'] },
  ];
  let refused = 0;
  let unknownFields = 0;
  for (const r of routes) {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          // A known field of the wrong type (a value no field of the contract accepts as-is)…
          fc.tuple(fc.constantFrom(...r.fields), fc.oneof(fc.constant({ nested: true }), fc.constant([[1]]), fc.constant(-1.5), junkValue.filter((v) => typeof v === 'object' && v !== null && !Array.isArray(v)))).map(([k, v]) => ({ body: { ...r.body, [k]: v }, field: k, unknown: false })),
          // …or a field the contract does not have (spaces, dots, `__proto__`, Unicode): named as sent.
          fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.constantFrom(' ', '__proto__', 'constructor', 'a.b', 'déjà')).filter((k) => !r.fields.includes(k)).map((k) => ({ body: { ...r.body, [k]: 1 }, field: k, unknown: true })),
        ),
        async ({ body, field, unknown }) => {
          const res = await stack.call(r.method, r.route, { token: admin, body });
          expect(res.status).toBe(400);
          expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
          const named: string[] = res.body.errors.map((e: { field: string }) => (unknown ? e.field : e.field.split('.')[0]));
          expect(named).toContain(field);
          refused++;
          if (unknown) unknownFields++;
        },
      ),
      { numRuns: RUNS },
    );
  }
  // Nothing changed: no job, no setting, no mail moved.
  expect((await stack.call('GET', 'jobs', { token: admin })).body).toEqual(jobsBefore);
  expect(await stack.api.services.settings.getDomains(stack.fixture.tenant.id)).toEqual(settingsBefore);
  expect(diffSnapshots(before, await snapshot(stack))).toEqual([]);
  report(`wrong-type and unknown-field bodies: ${refused} refused (${unknownFields} with a field the contract lacks) with the field named across ${routes.length} routes, nothing changed`);
});

it('refuses oversized bodies (413), deep JSON (400), wrong content types (415) and stays up', async () => {
  const big = JSON.stringify({ internetMessageId: TRICKY[0], recipients: Array.from({ length: 60_000 }, (_, i) => `user${i}@contoso.com`) });
  expect(big.length).toBeGreaterThan(1024 * 1024);
  const oversized = await stack.call('POST', 'lookups', { token: admin, rawBody: big });
  expect(oversized.status).toBe(413);

  const deep = '['.repeat(200_000) + ']'.repeat(200_000);
  const deepRes = await stack.call('POST', 'lookups', { token: admin, rawBody: `{"internetMessageId":${deep}}` });
  expect(deepRes.status).toBe(400);
  const deepObj = '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000);
  expect((await stack.call('POST', 'jobs', { token: admin, rawBody: deepObj })).status).toBe(400);

  for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp', 'application/xml']) {
    const res = await stack.call('POST', 'lookups', { token: admin, rawBody: JSON.stringify({ internetMessageId: TRICKY[0] }), contentType });
    expect({ contentType, status: res.status }).toEqual({ contentType, status: 415 });
  }
  expect((await stack.call('GET', 'health')).status).toBe(200);
});

it('answers path traversal in ids with 400 or 404, never another resource', async () => {
  const ids = ['..%2F..%2Faudit', '%2E%2E%2Faudit%2Fverify', '..%5C..%5Caudit', '%252E%252E%252Faudit', 'x%00y', '%2e%2e', 'abc%0d%0aSet-Cookie:%20x=1'];
  for (const id of ids) {
    for (const [method, suffix] of [['GET', ''], ['POST', '/undo'], ['POST', '/cancel']] as const) {
      const res = await stack.call(method, `jobs/${id}${suffix}`, { token: admin });
      expect({ id, suffix, status: [400, 404].includes(res.status) }).toEqual({ id, suffix, status: true });
      expect(res.headers.get('set-cookie')).toBeNull();
    }
  }
});

it('refuses CR/LF inside header values and reflects nothing into response headers', async () => {
  const raw = (request: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port: stack.api.port, servername: 'localhost' }, () => socket.end(request));
      let out = '';
      socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
      socket.on('end', () => resolve(out));
      socket.on('error', reject);
    });
  // A bare CR inside a header value: Node's parser refuses the request.
  const bareCr = await raw(`GET /api/health HTTP/1.1\r\nHost: localhost\r\nX-Test: a\rSet-Cookie: injected=1\r\nConnection: close\r\n\r\n`);
  expect(bareCr.split('\r\n')[0]).toMatch(/^HTTP\/1\.1 400/);
  expect(bareCr).not.toMatch(/^set-cookie: injected/im);
  // Percent-encoded CR/LF in ids and client-request-id are never decoded into a header.
  const res = await fetch(`${stack.api.url}/jobs/x%0D%0ASet-Cookie:%20injected=1`, { headers: { authorization: `Bearer ${admin}`, 'client-request-id': 'a%0D%0ASet-Cookie: injected=1' } });
  expect(res.headers.get('set-cookie')).toBeNull();
  for (const [, value] of res.headers) expect(value).not.toMatch(/[\r\n]/);
});

it('never matches a Unicode look-alike recipient to a different mailbox', async () => {
  const lookalikes = ['\u0430dele@contoso.com', 'adele@contos\u043e.com', 'ade\u200ble@contoso.com', 'ADELE@contoso.com\u0000', 'ａdele@contoso.com'];
  const res = await lookup({ internetMessageId: '<only-megan-1@evil.example>', depth: 1, recipients: lookalikes.filter((a) => !a.includes('\u0000')) });
  expect(res.status).toBe(200);
  expect(res.body.targets.map((t: { mailbox: string }) => t.mailbox)).toEqual(['megan@contoso.com']);
  const skipped = res.body.skipped.map((s: { address: string }) => s.address);
  for (const a of lookalikes.filter((x) => !x.includes('\u0000'))) expect(skipped).toContain(a);
  // A look-alike of a real mailbox's address given as the sender finds nothing in that mailbox either.
  const asSender = await lookup({ internetMessageId: '<only-megan-1@evil.example>', depth: 1, sender: 'm\u0435gan@contoso.com', includeSenderCopy: true });
  expect(asSender.status).toBe(200);
  expect(asSender.body.targets.every((t: { mailbox: string; internetMessageId: string }) => t.mailbox === 'megan@contoso.com' && t.internetMessageId === '<only-megan-1@evil.example>')).toBe(true);
});

// The simulator refuses two messages with one Message-ID, so a forged duplicate under another
// sender cannot be delivered; what can be checked is a lookup that names a different sender
// (an internal user, whose mailbox the engine then also searches) for a message that the
// attacker sent: only the attacker's message is taken, nothing of the named sender's.
it("takes only the message with that id when the lookup names someone else as its sender", async () => {
  const res = await lookup({ internetMessageId: FORGED, depth: 1, sender: 'adele@contoso.com', includeSenderCopy: true });
  expect(res.status).toBe(200);
  expect(res.body.targets.map((t: { mailbox: string; internetMessageId: string }) => `${t.mailbox} ${t.internetMessageId}`)).toEqual([`megan@contoso.com ${FORGED}`]);
});
