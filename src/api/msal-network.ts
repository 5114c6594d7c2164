/**
 * MSAL's requests to Entra ID (authority metadata and tokens) with a time limit. MSAL's own
 * HTTP client has none for them, so a token endpoint that takes a request and never answers held
 * every Graph and Exchange call of the process for good (seen in the reliability suite once the
 * simulator could leave a request hanging). Given to both gateways' confidential clients.
 */
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

/** How long one request to Entra ID may take, unless the caller gives less. */
export const ENTRA_REQUEST_TIMEOUT_MS = 30_000;

/** Tries of one request to Entra ID that got no answer (both are safe to repeat: metadata, client credentials). */
export const ENTRA_REQUEST_TRIES = 4;

export function createTimedNetworkClient(timeoutMs: number = ENTRA_REQUEST_TIMEOUT_MS, tries: number = ENTRA_REQUEST_TRIES): INetworkModule {
  const send = async <T>(method: 'GET' | 'POST', url: string, options: NetworkRequestOptions = {}, asked?: number): Promise<NetworkResponse<T>> => {
    const limit = asked !== undefined && asked > 0 ? Math.min(asked, timeoutMs) : timeoutMs;
    let res: Response | undefined;
    let text = '';
    // A connection cut or a request left unanswered is tried again here, a few times and soon:
    // every Graph and Exchange call of the process waits on this token, so one lost request
    // must not fail them all.
    for (let attempt = 1; !res; attempt++) {
      try {
        const answer = await fetch(url, { method, headers: options.headers, body: method === 'POST' ? options.body : undefined, signal: AbortSignal.timeout(limit) });
        text = await answer.text();
        res = answer;
      } catch (err) {
        if (attempt < tries) {
          await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** (attempt - 1)));
          continue;
        }
        // The URL names only the authority; no header, body or token goes into the message.
        const what = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${limit} ms` : 'the connection failed';
        throw new Error(`Entra ID request to ${new URL(url).origin}${new URL(url).pathname}: ${what}, ${tries} times.`);
      }
    }
    const headers: Record<string, string> = {};
    res.headers.forEach((value, name) => {
      headers[name] = value;
    });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      // As MSAL's own client does: an error object MSAL can read, never the raw text.
      const side = res.status >= 500 ? 'server' : res.status >= 400 ? 'client' : 'unknown';
      body = { error: `${side}_error`, error_description: `Entra ID answered ${res.status} without JSON.` };
    }
    return { headers, body: body as T, status: res.status };
  };
  return {
    sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions, timeout?: number) => send<T>('GET', url, options, timeout),
    sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => send<T>('POST', url, options),
  };
}
