/** POST /api/lookups: the preview of what a job would act on, kept 24 hours under its lookupId. */
import { randomUUID } from 'node:crypto';
import type { HttpResponseInit } from '@azure/functions';
import { lookup as runLookup } from '../../graph/lookup';
import { lookupRequestSchema, type Lookup } from '../../contracts';
import { readJsonBody } from '../http/body';
import { json, ProblemError } from '../http/problem';
import { actorOf, caller, type RouteContext } from '../http/route';
import { LOOKUP_TTL_MS } from '../storage/lookups';
import type { Services } from '../services';

/** The managed domains: the admin's setting, or else every verified domain of the tenant. */
export async function managedDomainsOf(services: Services, tenantId: string, signal?: AbortSignal): Promise<string[]> {
  const set = await services.settings.getDomains(tenantId);
  if (set) return set;
  const domains = await services.graph().listDomains({ signal });
  return domains.filter((d) => d.isVerified).map((d) => d.id.toLowerCase());
}

/** How long a lookup waits for a throttled message trace before going on without it. */
const TRACE_WAIT_IN_LOOKUP_MS = 2_000;

export async function createLookup(ctx: RouteContext): Promise<HttpResponseInit> {
  const p = caller(ctx);
  const body = await readJsonBody(ctx.req, lookupRequestSchema);
  const { services } = ctx;
  const exchange = services.exchange();
  // The engine sits out a Graph outage for up to 5 minutes per call, which suits a job's worker;
  // a person is waiting here, and Azure ends an HTTP request after 230 s without a word.
  const limitMs = services.config.lookupTimeoutMs;
  const signal = AbortSignal.timeout(limitMs);
  let result: Awaited<ReturnType<typeof runLookup>>;
  try {
    const managedDomains = await managedDomainsOf(services, p.tenantId, signal);
    result = await runLookup(services.graph(), body, {
      managedDomains,
      signal,
      // The trace only adds recipients; a lookup never waits out a throttled trace (minutes) for them.
      trace: { recipientsOf: (internetMessageId: string) => exchange.traceRecipients(internetMessageId, { maxRetryWaitMs: TRACE_WAIT_IN_LOOKUP_MS }) },
    });
  } catch (err) {
    if (!signal.aborted) throw err;
    ctx.invocation.warn(`lookup stopped at its time limit (${limitMs} ms)`);
    throw new ProblemError(
      503,
      `The lookup did not finish within ${Math.round(limitMs / 1000)} seconds: Microsoft Graph is answering slowly or not at all just now. Nothing was changed and no preview was kept. Try again in a few minutes.`,
      {},
      { 'retry-after': '60' },
    );
  }
  const now = new Date();
  const doc: Lookup = {
    lookupId: randomUUID(),
    internetMessageId: body.internetMessageId,
    depth: body.depth,
    targets: result.targets,
    skipped: result.skipped,
    ambiguous: result.ambiguous,
    stats: result.stats,
    includeSenderCopy: body.includeSenderCopy,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + LOOKUP_TTL_MS).toISOString(),
  };
  await services.lookups.save(p.tenantId, doc);
  await services.audit.append(p.tenantId, {
    section: 'Retract',
    event: 'lookup',
    actor: actorOf(p),
    internetMessageId: body.internetMessageId,
    lookupId: doc.lookupId,
    options: {
      depth: body.depth,
      includeSenderCopy: body.includeSenderCopy,
      targets: doc.targets.length,
      skipped: doc.skipped.length,
      ambiguous: doc.ambiguous.length,
    },
    outcome: 'ok',
  });
  return json(200, doc);
}
