/**
 * One API route: its name, methods, path (Functions route syntax, under /api) and who may call
 * it, with the handler. The same definition is registered with `app.http` for Azure and served by
 * src/dev/api-host.ts locally, so both run the same handler functions.
 */
import type { HttpMethod, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { authorize, type Access } from '../auth/access';
import type { Principal } from '../auth/tokens';
import type { Services } from '../services';
import { InvalidInputError } from '../../graph/lookup-input';
import { GraphRequestError } from '../../graph/graph-errors';
import { ProblemError, problem } from './problem';
import { isTransientStorageError, storageErrorCode } from '../storage/retry';
import { forHost, withSecurityHeaders } from './security-headers';

export interface RouteContext {
  req: HttpRequest;
  services: Services;
  /** The verified caller (null on public routes). */
  principal: Principal | null;
  invocation: InvocationContext;
  routeName: string;
}

export interface RouteDef {
  name: string;
  methods: HttpMethod[];
  /** e.g. `jobs/{jobId}/undo` (served under /api). */
  route: string;
  access: Access;
  handle(ctx: RouteContext): Promise<HttpResponseInit>;
}

/**
 * Runs a route: authorization first, then the handler; every error becomes problem+json; every
 * answer gets the security headers (and CORS for an allowed origin).
 */
export async function runRoute(
  def: RouteDef,
  services: Services,
  req: HttpRequest,
  invocation: InvocationContext,
): Promise<HttpResponseInit> {
  const out = await answer(def, services, req, invocation);
  return forHost(withSecurityHeaders(out, { origin: req.headers.get('origin'), allowed: services.config.allowedOrigins }), hostOf(req.url));
}

/** The host name a request was sent to ('' if its URL cannot be read: then HSTS stays). */
function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

async function answer(def: RouteDef, services: Services, req: HttpRequest, invocation: InvocationContext): Promise<HttpResponseInit> {
  try {
    if (def.access !== 'public') await services.storage.ensure();
    const principal = await authorize(services, req, def.access, def.name);
    return await def.handle({ req, services, principal, invocation, routeName: def.name });
  } catch (err) {
    if (err instanceof ProblemError) return problem(err.status, err.detail, err.extra, err.headers);
    // The engine's own sentences: bad input it found, or Microsoft Graph refusing or failing.
    if (err instanceof InvalidInputError) return problem(400, err.message);
    if (err instanceof GraphRequestError) {
      if (err.status === 429 || err.status === 503) return problem(503, err.message, {}, { 'retry-after': '30' });
      return problem(502, err.message, { code: err.code });
    }
    // Storage unreachable or busy (failing over, restarting): a passing failure, worth a retry.
    if (isTransientStorageError(err)) {
      invocation.warn(`route ${def.name}: storage did not answer (${storageErrorCode(err)})`);
      return problem(503, "Retract's storage did not answer just now. Try again in a few seconds.", {}, { 'retry-after': '10' });
    }
    // Log the kind of failure only: error messages from SDKs may quote request content.
    invocation.error(`route ${def.name} failed: ${err instanceof Error ? err.name : 'unknown error'}`);
    return problem(500, 'Retract could not complete this request because of an internal error. Try again; if it keeps happening, tell your administrator the time it happened.');
  }
}

/** The principal of a route that requires one. */
export function caller(ctx: RouteContext): Principal {
  if (!ctx.principal) throw new ProblemError(401, 'Sign in: this request needs an access token.');
  return ctx.principal;
}

export function actorOf(p: Principal): { oid: string; upn?: string; app?: string } {
  return Object.fromEntries(Object.entries({ oid: p.oid, upn: p.upn, app: p.app }).filter(([, v]) => v !== undefined)) as {
    oid: string;
    upn?: string;
    app?: string;
  };
}
