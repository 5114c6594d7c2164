import { createExchangeGateway, ExchangeCommandError } from '../../../src/exchange';

interface Seen {
  url: string;
  headers: Record<string, string>;
  body: { CmdletInput: { CmdletName: string; Parameters: Record<string, unknown> } };
}

// A canned Exchange admin API: the boundary is `fetch`, nothing else is replaced.
function canned(answer: (seen: Seen, n: number) => { status: number; body: unknown; headers?: Record<string, string> }) {
  const seen: Seen[] = [];
  const fetchImpl = (async (url: string | URL | Request, init?: RequestInit) => {
    const s: Seen = {
      url: String(url),
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body: JSON.parse(String(init?.body)),
    };
    seen.push(s);
    const a = answer(s, seen.length);
    return new Response(JSON.stringify(a.body), { status: a.status, headers: { 'content-type': 'application/json', ...a.headers } });
  }) as typeof fetch;
  const gateway = createExchangeGateway({
    exchangeBase: 'https://outlook.test',
    authorityHost: 'https://login.test',
    tenantId: '11111111-2222-3333-4444-555555555555',
    clientId: 'c',
    clientSecret: 's',
    getToken: async () => 'exo-token',
    fetch: fetchImpl,
  });
  return { gateway, seen };
}

describe('the Exchange admin API gateway', () => {
  it('calls InvokeCommand with the app token and the system mailbox anchor, and follows every page with the same body', async () => {
    const { gateway, seen } = canned((s, n) =>
      n === 1
        ? { status: 200, body: { value: [{ A: 1 }], '@odata.nextLink': 'https://outlook.test/adminapi/beta/t/InvokeCommand?%24skiptoken=1.x' } }
        : { status: 200, body: { value: [{ A: 2 }] } },
    );
    const rows = await gateway.invokeCommand('Get-MessageTraceV2', { SenderAddress: 'a@contoso.com' });
    expect(rows).toEqual([{ A: 1 }, { A: 2 }]);
    expect(seen[0]!.url).toBe('https://outlook.test/adminapi/beta/11111111-2222-3333-4444-555555555555/InvokeCommand');
    expect(seen[0]!.headers['authorization']).toBe('Bearer exo-token');
    expect(seen[0]!.headers['x-anchormailbox']).toBe('APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@11111111-2222-3333-4444-555555555555');
    expect(seen[1]!.url).toContain('skiptoken=1.x');
    expect(seen[1]!.body).toEqual(seen[0]!.body);
  });

  it('waits out a 429 with Retry-After and then succeeds', async () => {
    const { gateway, seen } = canned((_s, n) =>
      n === 1
        ? { status: 429, headers: { 'Retry-After': '1' }, body: { error: { code: 'TooManyRequests', message: 'slow', details: [{ message: 'X|Throttle|slow' }] } } }
        : { status: 200, body: { value: [{ Subject: 'Hi', IsRevocable: true, Revoked: false }] } },
    );
    const started = Date.now();
    await expect(gateway.omeStatus('<enc1@contoso.com>')).resolves.toEqual({ subject: 'Hi', isRevocable: true, revoked: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(seen).toHaveLength(2);
    expect(seen[1]!.body.CmdletInput).toEqual({ CmdletName: 'Get-OMEMessageStatus', Parameters: { MessageId: '<enc1@contoso.com>' } });
  });

  it("turns Exchange's error body into a readable sentence", async () => {
    const { gateway } = canned(() => ({
      status: 400,
      body: { error: { code: 'BadRequest', message: 'x', details: [{ message: 'AB12|Microsoft.Exchange.Management.OMEService.OMEMessageNotRevocableException|The message can\'t be revoked: a recipient reads it inline.' }] } },
    }));
    const err = await gateway.omeRevoke('<enc1@contoso.com>').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeCommandError);
    expect((err as ExchangeCommandError).message).toBe("Exchange Online refused Set-OMEMessageRevocation: The message can't be revoked: a recipient reads it inline.");
    expect((err as ExchangeCommandError).exceptionClass).toBe('Microsoft.Exchange.Management.OMEService.OMEMessageNotRevocableException');
  });

  it('searches the trace back through 10-day windows to 90 days, stopping once the message is found', async () => {
    const { gateway: none, seen: noneSeen } = canned(() => ({ status: 200, body: { value: [] } }));
    await expect(none.traceRecipients('<gone@contoso.com>')).resolves.toEqual({ recipients: [] });
    expect(noneSeen).toHaveLength(9);
    const DAY = 86_400_000;
    for (const s of noneSeen) {
      const p = s.body.CmdletInput.Parameters;
      const span = Date.parse(String(p.EndDate)) - Date.parse(String(p.StartDate));
      expect(span).toBeLessThanOrEqual(10 * DAY);
      expect(Date.now() - Date.parse(String(p.StartDate))).toBeLessThan(90 * DAY);
    }

    // Found in the third window (20–30 days back): rows well inside it end the search there, each
    // query counting against the tenant's trace limit; rows near its older edge read one more window.
    const row = (r: string, daysAgo: number) => ({ MessageId: '<p@evil.example>', Received: new Date(Date.now() - daysAgo * DAY).toISOString(), SenderAddress: 'x@evil.example', RecipientAddress: r, Status: 'Delivered' });
    const inThird = (daysAgo: number) =>
      canned((_s, n) => (n === 3 ? { status: 200, body: { value: [row('all@contoso.com', daysAgo), row('adele@contoso.com', daysAgo), row('ADELE@contoso.com', daysAgo)] } } : { status: 200, body: { value: [] } }));
    const inside = inThird(25);
    await expect(inside.gateway.traceRecipients('<p@evil.example>')).resolves.toEqual({ sender: 'x@evil.example', recipients: ['all@contoso.com', 'adele@contoso.com'] });
    expect(inside.seen).toHaveLength(3);
    const nearEdge = inThird(29.5);
    await expect(nearEdge.gateway.traceRecipients('<p@evil.example>')).resolves.toEqual({ sender: 'x@evil.example', recipients: ['all@contoso.com', 'adele@contoso.com'] });
    expect(nearEdge.seen).toHaveLength(4);
  });

  it('fails at once, with the wait Exchange asked for, when a throttled trace asks longer than the caller will wait', async () => {
    const throttled = { status: 429, headers: { 'Retry-After': '287' }, body: { error: { code: 'TooManyRequests', message: 'x', details: [{ message: 'X|Microsoft.Exchange.Management.FfoReporting.ThrottlingException|Get-MessageTraceV2 is limited to 100 queries per 5 minutes for a tenant. Try again in 287 seconds.' }] } } };
    const { gateway, seen } = canned(() => throttled);
    const started = Date.now();
    const err = await gateway.traceRecipients('<p@evil.example>', { maxRetryWaitMs: 2_000 }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(seen).toHaveLength(1);
    expect(err).toBeInstanceOf(ExchangeCommandError);
    expect((err as ExchangeCommandError).status).toBe(429);
    expect((err as ExchangeCommandError).retryAfterMs).toBe(287_000);
    expect((err as ExchangeCommandError).message).toMatch(/100 queries per 5 minutes/);
    // Without a per-call limit the gateway's own (30 s) applies: still not slept through.
    const err2 = await gateway.messageTrace({ senderAddress: 'x@evil.example' }).catch((e: unknown) => e);
    expect((err2 as ExchangeCommandError).retryAfterMs).toBe(287_000);
    expect(seen).toHaveLength(2);
  });

  it('refuses a malformed internetMessageId before sending anything', async () => {
    const { gateway, seen } = canned(() => ({ status: 200, body: { value: [] } }));
    await expect(gateway.omeStatus('abc')).rejects.toThrow(/start with </);
    expect(seen).toHaveLength(0);
  });
});
