import { ConfidentialClientApplication } from '@azure/msal-node';
import { startHarness, type Harness } from './identity-harness';
import { ANCHOR, API_ID, exchangeFixture, TENANT_ID } from './exchange-fixture';

const clock = { offsetMs: 0 };
let sim: Harness;
let bearer: string;
let msal: ConfidentialClientApplication;

/** A token issued at the simulator's current time (its clock moves in some tests). */
async function renewToken(): Promise<void> {
  bearer = (await msal.acquireTokenByClientCredential({ scopes: ['https://outlook.office365.com/.default'], skipCache: true }))!.accessToken;
}

async function moveClock(offsetMs: number): Promise<void> {
  clock.offsetMs = offsetMs;
  await renewToken();
}

beforeAll(async () => {
  sim = await startHarness(exchangeFixture(), clock);
  msal = new ConfidentialClientApplication({
    auth: { clientId: API_ID, clientSecret: 'api-s3cret', authority: `${sim.origin}/${TENANT_ID}`, knownAuthorities: [new URL(sim.origin).host] },
  });
  await renewToken();
});
afterEach(async () => {
  if (clock.offsetMs !== 0) await moveClock(0);
});
afterAll(() => sim.close());

type Answer = { status: number; headers: Headers; body: { value?: Record<string, unknown>[]; '@odata.nextLink'?: string; '@odata.context'?: string; error?: { code: string; message: string; details: { message: string }[] } } };

async function invoke(cmdlet: string, parameters: Record<string, unknown>, opts: { url?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const res = await fetch(opts.url ?? `${sim.origin}/adminapi/beta/${TENANT_ID}/InvokeCommand`, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', 'x-anchormailbox': ANCHOR, ...opts.headers },
    body: JSON.stringify({ CmdletInput: { CmdletName: cmdlet, Parameters: parameters } }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Answer['body'] };
}

function idOf(ref: string): string {
  const send = sim.ctx.tenant.mail.byRef.get(ref);
  if (!send) throw new Error(`no fixture send ${ref}`);
  return send.internetMessageId;
}

/** `details[0].message` is `<id>|<ExceptionClass>|<text>`. */
function detail(a: Answer): { cls: string; text: string } {
  const [, cls, ...text] = (a.body.error?.details[0]?.message ?? '').split('|');
  return { cls: cls ?? '', text: text.join('|') };
}

describe('OME status and revocation', () => {
  it('round trip: Gmail recipient is revocable → revoke → Revoked → the portal says so', async () => {
    const id = idOf('enc1');
    const portalBefore = await fetch(`${sim.origin}/ome/view/${encodeURIComponent(id)}?recipient=pat@gmail.com`);
    expect(portalBefore.status).toBe(200);
    expect(await portalBefore.text()).toContain('Confidential terms');

    const before = await invoke('Get-OMEMessageStatus', { MessageId: id });
    expect(before.status).toBe(200);
    expect(before.body.value).toEqual([{ Subject: 'Contract draft', IsRevocable: true, Revoked: false }]);
    expect(before.body['@odata.context']).toContain('$metadata#Collection(Exchange.GenericHashTable)');

    const revoke = await invoke('Set-OMEMessageRevocation', { MessageId: id, Revoke: true });
    expect(revoke.status).toBe(200);

    const after = await invoke('Get-OMEMessageStatus', { MessageId: id });
    expect(after.body.value).toEqual([{ Subject: 'Contract draft', IsRevocable: true, Revoked: true }]);

    const sim1 = (await (await fetch(`${sim.origin}/_sim/ome/${encodeURIComponent(id)}`)).json()) as Record<string, unknown>;
    expect(sim1).toMatchObject({ revoked: true, isRevocable: true, recipients: ['pat@gmail.com'] });

    const portal = await fetch(`${sim.origin}/ome/view/${encodeURIComponent(id)}?recipient=pat@gmail.com`);
    const html = await portal.text();
    expect(html).toContain('The message has been revoked by the sender');
    expect(html).not.toContain('Confidential terms');
  });

  it('a Microsoft 365 recipient (inline experience) makes the message not revocable, and revoking fails', async () => {
    for (const ref of ['enc2', 'enc3']) {
      const id = idOf(ref);
      const status = await invoke('Get-OMEMessageStatus', { MessageId: id });
      expect(status.body.value?.[0]).toMatchObject({ IsRevocable: false, Revoked: false });
      const revoke = await invoke('Set-OMEMessageRevocation', { MessageId: id, Revoke: true });
      expect(revoke.status).toBe(400);
      expect(detail(revoke).text).toContain("can't be revoked");
      expect((await invoke('Get-OMEMessageStatus', { MessageId: id })).body.value?.[0]).toMatchObject({ Revoked: false });
    }
  });

  it('an unknown or unencrypted message has no OME status', async () => {
    const unknown = await invoke('Get-OMEMessageStatus', { MessageId: '<nope@contoso.com>' });
    expect(unknown.status).toBe(404);
    expect(detail(unknown).cls).toMatch(/ManagementObjectNotFoundException$/);
    expect((await invoke('Set-OMEMessageRevocation', { MessageId: idOf('s1'), Revoke: true })).status).toBe(404);
  });
});

describe('message trace', () => {
  it('finds every delivery of the phish: one row per recipient, the group as Expanded', async () => {
    const res = await invoke('Get-MessageTraceV2', { SenderAddress: 'attacker@evil.example' });
    expect(res.status).toBe(200);
    const rows = res.body.value!;
    const byRecipient = Object.fromEntries(rows.map((r) => [r.RecipientAddress, r.Status]));
    expect(byRecipient).toEqual({ 'all@contoso.com': 'Expanded', 'adele@contoso.com': 'Delivered', 'megan@contoso.com': 'Delivered', 'alex@contoso.com': 'Delivered' });
    for (const r of rows) {
      expect(r).toMatchObject({ SenderAddress: 'attacker@evil.example', Subject: 'RE: Order', MessageId: idOf('phish') });
      expect(typeof r.MessageTraceId).toBe('string');
      expect(Number.isNaN(Date.parse(String(r.Received)))).toBe(false);
    }
    const byId = await invoke('Get-MessageTraceV2', { MessageId: idOf('phish').slice(1, -1), RecipientAddress: 'megan@contoso.com' });
    expect(byId.body.value).toHaveLength(1);
    const bySubject = await invoke('Get-MessageTraceV2', { Subject: 're: ord', SubjectFilterType: 'StartsWith' });
    expect(bySubject.body.value?.every((r) => r.Subject === 'RE: Order')).toBe(true);
    expect(bySubject.body.value).toHaveLength(4);
  });

  it('pages with @odata.nextLink (POST the same body to it)', async () => {
    const prefer = { prefer: 'odata.maxpagesize=3' };
    const first = await invoke('Get-MessageTraceV2', {}, { headers: prefer });
    expect(first.body.value).toHaveLength(3);
    const next = first.body['@odata.nextLink']!;
    expect(next).toMatch(/InvokeCommand\?%24skiptoken=/);
    const all = [...first.body.value!];
    let link: string | undefined = next;
    while (link) {
      const page = await invoke('Get-MessageTraceV2', {}, { url: link, headers: prefer });
      expect(page.status).toBe(200);
      all.push(...page.body.value!);
      link = page.body['@odata.nextLink'];
    }
    const whole = await invoke('Get-MessageTraceV2', {});
    expect(whole.body['@odata.nextLink']).toBeUndefined();
    expect(all.map((r) => `${String(r.MessageTraceId)}/${String(r.RecipientAddress)}`)).toEqual(whole.body.value!.map((r) => `${String(r.MessageTraceId)}/${String(r.RecipientAddress)}`));
    expect(whole.body.value!.length).toBeGreaterThan(6);
  });

  it("enforces Exchange's limits: 48 h default window, 10-day span, 90 days back, 5,000 rows", async () => {
    await moveClock(3 * 86_400_000);
    expect((await invoke('Get-MessageTraceV2', {})).body.value).toEqual([]);
    const found = await invoke('Get-MessageTraceV2', { StartDate: new Date(Date.now() - 86_400_000).toISOString(), EndDate: new Date(Date.now() + 3 * 86_400_000).toISOString() });
    expect(found.body.value!.length).toBeGreaterThan(0);
    await moveClock(0);
    const span = await invoke('Get-MessageTraceV2', { StartDate: new Date(Date.now() - 11 * 86_400_000).toISOString(), EndDate: new Date().toISOString() });
    expect(span.status).toBe(400);
    expect(detail(span).text).toContain('10 days');
    const old = await invoke('Get-MessageTraceV2', { StartDate: new Date(Date.now() - 95 * 86_400_000).toISOString(), EndDate: new Date(Date.now() - 91 * 86_400_000).toISOString() });
    expect(old.status).toBe(400);
    expect(detail(old).text).toContain('90 days');
    expect((await invoke('Get-MessageTraceV2', { ResultSize: 5001 })).status).toBe(400);
    expect((await invoke('Get-MessageTraceV2', { ResultSize: 2 })).body.value).toHaveLength(2);
  });
});

describe('InvokeCommand as Exchange answers it', () => {
  it('refuses unknown cmdlets and parameters with PowerShell errors', async () => {
    const cmd = await invoke('Get-Nothing', {});
    expect(cmd.status).toBe(400);
    expect(detail(cmd)).toEqual({ cls: 'System.Management.Automation.CommandNotFoundException', text: expect.stringContaining("The term 'Get-Nothing' is not recognized") });
    const param = await invoke('Get-OMEMessageStatus', { MessageId: '<x@y>', Foo: 1 });
    expect(detail(param)).toEqual({ cls: 'System.Management.Automation.ParameterBindingException', text: "A parameter cannot be found that matches parameter name 'Foo'." });
    const missing = await invoke('Set-OMEMessageRevocation', { MessageId: '<x@y>' });
    expect(detail(missing).text).toBe('Cannot process command because of one or more missing mandatory parameters: Revoke.');
    const badDate = await invoke('Get-MessageTraceV2', { StartDate: 'yesterday', EndDate: 'today' });
    expect(detail(badDate).text).toContain('System.DateTime');
  });

  it('requires the X-AnchorMailbox header', async () => {
    const res = await invoke('Get-MessageTraceV2', {}, { headers: { 'x-anchormailbox': '' } });
    expect(res.status).toBe(400);
    expect(res.body.error?.message).toContain('X-AnchorMailbox');
  });

  it('allows 100 trace queries per 5 minutes per tenant, then 429 with Retry-After', async () => {
    // Move past every earlier query to a fresh five-minute window, then spend it.
    await moveClock(4 * 86_400_000);
    let last: Answer | undefined;
    let ok = 0;
    for (let i = 0; i < 101; i++) {
      last = await invoke('Get-MessageTraceV2', { ResultSize: 1 });
      if (last.status === 200) ok++;
      else break;
    }
    expect(ok).toBe(100);
    expect(last!.status).toBe(429);
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last!.body.error?.code).toBe('TooManyRequests');
    // OME cmdlets are not held back by the trace budget.
    expect((await invoke('Get-OMEMessageStatus', { MessageId: idOf('enc2') })).status).toBe(200);
    await moveClock(clock.offsetMs + 5 * 60_000 + 1000);
    expect((await invoke('Get-MessageTraceV2', { ResultSize: 1 })).status).toBe(200);
  });
});
