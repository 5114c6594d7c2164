/**
 * Exchange's failures as problem+json with a sentence a person understands. The exchange
 * gateway already turns Exchange's error bodies into sentences; here they get an HTTP status.
 */
import { ExchangeCommandError } from '../../exchange';
import { ProblemError } from '../http/problem';

export function exchangeProblem(err: unknown, what: string): ProblemError {
  if (err instanceof ProblemError) return err;
  const status = err && typeof err === 'object' && 'status' in err && typeof err.status === 'number' ? err.status : undefined;
  const message = err instanceof Error && err.message ? err.message : undefined;
  if (status === 404) return new ProblemError(404, message ?? `Exchange Online found no such message while ${what}. Check the internetMessageId.`);
  if (status === 400) return new ProblemError(400, message ?? `Exchange Online refused the request while ${what}.`);
  if (status === 429 || status === 503 || status === 504) {
    // Exchange's own Retry-After when it gave one (message trace is limited per tenant, for minutes).
    const asked = err instanceof ExchangeCommandError && err.retryAfterMs !== undefined ? Math.max(1, Math.ceil(err.retryAfterMs / 1000)) : 60;
    const when = asked >= 120 ? `in ${Math.ceil(asked / 60)} minutes` : asked > 60 ? 'in two minutes' : 'in a minute';
    const busy = status === 429 ? 'is throttling Retract' : 'is unavailable';
    return new ProblemError(503, `Exchange Online ${busy} while ${what}. Try again ${when}.`, {}, { 'retry-after': String(asked) });
  }
  if (status === 401 || status === 403) {
    return new ProblemError(502, message ?? `Exchange Online refused Retract's app while ${what}: check its admin consent and the Exchange.ManageAsApp permission (GET /api/setup).`);
  }
  return new ProblemError(502, message ?? `Exchange Online did not answer as expected while ${what}. Try again in a minute.`);
}
