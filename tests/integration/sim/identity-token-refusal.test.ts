import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, SignJWT } from 'jose';
import { startHarness, type Harness } from './identity-harness';
import { API_ID, CLI_ID, identityFixture, TENANT_ID } from './identity-fixture';

const clock = { offsetMs: 0 };
let sim: Harness;
beforeAll(async () => {
  sim = await startHarness(identityFixture(), clock);
});
afterAll(() => sim.close());
afterEach(() => {
  clock.offsetMs = 0;
});

async function token(clientId: string, secret: string, scope: string): Promise<string> {
  const res = await fetch(`${sim.origin}/${TENANT_ID}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope }).toString(),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

const graphToken = () => token(API_ID, 'api-s3cret', 'https://graph.microsoft.com/.default');
const exchangeToken = () => token(API_ID, 'api-s3cret', 'https://outlook.office365.com/.default');

async function callGraph(bearer: string) {
  const res = await fetch(`${sim.origin}/v1.0/users`, { headers: { authorization: `Bearer ${bearer}` } });
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } }, challenge: res.headers.get('www-authenticate') };
}

async function callExchange(bearer: string) {
  const res = await fetch(`${sim.origin}/adminapi/beta/${TENANT_ID}/InvokeCommand`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', 'x-anchormailbox': `APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@${TENANT_ID}` },
    body: JSON.stringify({ CmdletInput: { CmdletName: 'Get-MessageTraceV2', Parameters: {} } }),
  });
  return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string; details: { message: string }[] }; value?: unknown[] }, challenge: res.headers.get('www-authenticate') };
}

/** The same claims, re-encoded with another header and signature. */
function reencode(jwt: string, header: Record<string, unknown>, signature: string): string {
  const payload = jwt.split('.')[1]!;
  return `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${payload}.${signature}`;
}

describe('Graph and Exchange refuse tokens they must not accept', () => {
  it('accept a valid token (the baseline the refusals are measured against)', async () => {
    expect((await callGraph(await graphToken())).status).toBe(200);
    const ex = await callExchange(await exchangeToken());
    expect(ex.status).toBe(200);
    expect(Array.isArray(ex.body.value)).toBe(true);
  });

  it('refuse a token for another audience', async () => {
    const g = await callGraph(await exchangeToken());
    expect(g.status).toBe(401);
    expect(g.body.error).toMatchObject({ code: 'InvalidAuthenticationToken', message: expect.stringContaining('Invalid audience') });
    expect(g.challenge).toMatch(/^Bearer /);
    const apiToken = await token(CLI_ID, 'cli-s3cret', `api://localhost:3000/${API_ID}/.default`);
    const e = await callExchange(apiToken);
    expect(e.status).toBe(401);
    expect(e.challenge).toContain('error="invalid_token"');
    expect(e.body.error?.details[0]?.message).toMatch(/^[0-9A-F]+\|[\w.]+\|.*Invalid audience/);
    expect((await callExchange(await graphToken())).status).toBe(401);
  });

  it('refuse an expired token', async () => {
    const g = await graphToken();
    const e = await exchangeToken();
    clock.offsetMs = 2 * 3_600_000;
    const graph = await callGraph(g);
    expect(graph.status).toBe(401);
    expect(graph.body.error?.message).toContain('expired');
    expect((await callExchange(e)).status).toBe(401);
  });

  it('refuse an unsigned token (alg: none)', async () => {
    const g = await graphToken();
    const none = reencode(g, { alg: 'none', typ: 'JWT' }, '');
    expect((await callGraph(none)).status).toBe(401);
    const e = await exchangeToken();
    expect((await callExchange(reencode(e, { alg: 'none', typ: 'JWT' }, ''))).status).toBe(401);
  });

  it('refuse a token signed with another key, even under the real kid', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const real = await graphToken();
    const { kid } = decodeProtectedHeader(real);
    const claims = JSON.parse(Buffer.from(real.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: kid! }).sign(privateKey);
    const g = await callGraph(forged);
    expect(g.status).toBe(401);
    expect(g.body.error?.message).toContain('Signature validation failed');
    const realEx = await exchangeToken();
    const exClaims = JSON.parse(Buffer.from(realEx.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forgedEx = await new SignJWT(exClaims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: kid! }).sign(privateKey);
    expect((await callExchange(forgedEx)).status).toBe(401);
  });

  it('answer 403 to a valid token without the permission', async () => {
    // retract-cli holds no Graph or Exchange application permissions: its tokens carry no roles.
    const g = await callGraph(await token(CLI_ID, 'cli-s3cret', 'https://graph.microsoft.com/.default'));
    expect(g.status).toBe(403);
    expect(g.body.error?.code).toBe('Authorization_RequestDenied');
    const e = await callExchange(await token(CLI_ID, 'cli-s3cret', 'https://outlook.office365.com/.default'));
    expect(e.status).toBe(403);
  });
});
