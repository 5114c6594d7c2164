// The API client over a replaced fetch: bearer header, one retry after a fresh token on 401,
// problem+json into sentences, answers validated with the contracts' schemas.
import { ApiError, createApiClient } from '../../../src/taskpane/api-client';
import type { TokenSource } from '../../../src/taskpane/auth/msal';

type Call = { url: string; method: string; headers: Record<string, string>; body?: string };

function harness(answers: { status: number; body?: unknown; type?: string }[]) {
  const calls: Call[] = [];
  const tokenRequests: boolean[] = [];
  let n = 0;
  const tokens: TokenSource = {
    getToken: async (o) => {
      tokenRequests.push(o?.forceRefresh === true);
      return `token-${tokenRequests.length}`;
    },
    signIn: async () => undefined,
  };
  const fetchImpl = (async (url: string, init: RequestInit) => {
    calls.push({ url, method: String(init.method), headers: init.headers as Record<string, string>, ...(init.body ? { body: String(init.body) } : {}) });
    const a = answers[Math.min(n++, answers.length - 1)] ?? { status: 500 };
    return {
      ok: a.status < 400,
      status: a.status,
      text: async () => (a.body === undefined ? '' : JSON.stringify(a.body)),
    } as Response;
  }) as unknown as typeof fetch;
  const api = createApiClient({ apiBase: 'https://localhost:7071/api/', tokens, fetch: fetchImpl });
  return { api, calls, tokenRequests };
}

const me = { user: { oid: 'o', upn: 'adele@contoso.com' }, tenantId: 't', roles: ['Retract.Admin'] };

describe('API client', () => {
  it('sends Authorization: Bearer and validates the answer', async () => {
    const { api, calls } = harness([{ status: 200, body: me }]);
    await expect(api.me()).resolves.toEqual(me);
    expect(calls[0]).toMatchObject({ url: 'https://localhost:7071/api/me', method: 'GET', headers: { Authorization: 'Bearer token-1' } });
  });

  it('retries once with a fresh silent token after a 401, and only once', async () => {
    const ok = harness([{ status: 401, body: { title: 'Unauthorized', status: 401 } }, { status: 200, body: me }]);
    await expect(ok.api.me()).resolves.toEqual(me);
    expect(ok.tokenRequests).toEqual([false, true]);
    expect(ok.calls.map((c) => c.headers.Authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);

    const refused = harness([{ status: 401, body: { title: 'Unauthorized', status: 401, detail: 'The token has expired. Sign in again.' } }]);
    await expect(refused.api.me()).rejects.toMatchObject({ status: 401, message: 'The token has expired. Sign in again.' });
    expect(refused.calls).toHaveLength(2);
  });

  it('turns problem+json into a sentence with the fields it names, and a 403 into forbidden', async () => {
    const bad = harness([
      { status: 400, body: { type: 'about:blank', title: 'Bad request', status: 400, detail: 'The request is not valid.', errors: [{ field: 'depth', message: 'depth must be a whole number from 0 to 5.' }] } },
    ]);
    const error = await bad.api.lookup({ internetMessageId: '<a@b>', depth: 9 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toBe('The request is not valid. depth must be a whole number from 0 to 5.');
    expect(JSON.parse(bad.calls[0]?.body ?? '{}')).toEqual({ internetMessageId: '<a@b>', depth: 9 });
    expect(bad.calls[0]?.headers['Content-Type']).toBe('application/json');

    const forbidden = harness([{ status: 403, body: { title: 'Forbidden', status: 403 } }]);
    const f = (await forbidden.api.setup().catch((e: unknown) => e)) as ApiError;
    expect(f.forbidden).toBe(true);
  });

  it('refuses an answer that breaks the contract, and says the service could not be reached on a network failure', async () => {
    const odd = harness([{ status: 200, body: { user: {}, roles: 'admin' } }]);
    await expect(odd.api.me()).rejects.toThrow(/did not expect/);
    const api = createApiClient({
      apiBase: 'https://x/api',
      tokens: { getToken: async () => 't', signIn: async () => undefined },
      fetch: (async () => {
        throw new TypeError('Failed to fetch');
      }) as unknown as typeof fetch,
    });
    await expect(api.me()).rejects.toMatchObject({ status: 0, message: expect.stringMatching(/could not reach/) });
  });

  it('builds every route of §6 with its method, path and query', async () => {
    const { api, calls } = harness([{ status: 200, body: { jobId: 'j1' } }]);
    await api.startJob({ lookupId: 'l1', action: 'soft-delete', exclude: ['m1'] });
    await api.undo('j1');
    await api.cancel('j 1').catch(() => undefined);
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'POST https://localhost:7071/api/jobs',
      'POST https://localhost:7071/api/jobs/j1/undo',
      'POST https://localhost:7071/api/jobs/j%201/cancel',
    ]);
    const t = harness([{ status: 200, body: { rows: [] } }]);
    await t.api.trace({ sender: 'attacker@evil.example', since: '2026-11-01' });
    expect(t.calls[0]?.url).toBe('https://localhost:7071/api/trace?sender=attacker%40evil.example&since=2026-11-01');
    const o = harness([{ status: 200, body: { subject: 's', isRevocable: true, revoked: false } }]);
    await o.api.omeStatus('<a=b@c>');
    expect(o.calls[0]?.url).toBe('https://localhost:7071/api/ome?internetMessageId=%3Ca%3Db%40c%3E');
    const d = harness([{ status: 200, body: { domains: ['contoso.com'] } }]);
    await d.api.setDomains(['contoso.com']);
    expect(d.calls[0]).toMatchObject({ method: 'PUT', url: 'https://localhost:7071/api/settings/domains', body: '{"domains":["contoso.com"]}' });
  });
});
