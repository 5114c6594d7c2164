/**
 * A minimal HTTPS host for the identity and Exchange parts alone, used until (and where) the
 * whole simulator is not needed: it routes with the simulator's own SimRouter and answers as
 * the simulator does. Tests of Graph-facing behaviour use the real server instead.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { ensureDevCerts } from '../../../src/dev/certs';
import { SimRouter, type SimRequest } from '../../../src/sim/http';
import { parseTenantFixture, type TenantFixture } from '../../../src/sim/fixture';
import { SimTenant } from '../../../src/sim/tenant';
import type { SimContext, SimPart } from '../../../src/sim/context';
import { createIdentity } from '../../../src/sim/identity';

export interface Harness {
  origin: string;
  ctx: SimContext;
  router: SimRouter;
  close(): Promise<void>;
}

export async function startHarness(fixture: TenantFixture, parts: SimPart[] = []): Promise<Harness> {
  const certs = ensureDevCerts();
  const router = new SimRouter();
  const tenant = new SimTenant(fixture);
  const base = { origin: '', tenantId: fixture.tenant.id, fixture, tenant, now: () => new Date() };
  const identity = createIdentity(base);
  const ctx: SimContext = Object.assign(base, { identity });
  const server = https.createServer({ cert: certs.cert, key: certs.key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', ctx.origin);
        const simReq: SimRequest = { method: req.method ?? 'GET', url, path: decodeURIComponent(url.pathname), rawPath: url.pathname, headers: req.headers, params: {}, body: Buffer.concat(chunks) };
        const handler = router.match(simReq);
        const out = handler ? await handler(simReq) : { status: 404, body: { error: { code: 'NotFound', message: 'No route.' } } };
        const body = typeof out.body === 'string' || Buffer.isBuffer(out.body) ? out.body : out.body === undefined ? '' : JSON.stringify(out.body);
        res.writeHead(out.status, { ...(typeof out.body === 'object' && !Buffer.isBuffer(out.body) ? { 'content-type': 'application/json' } : {}), ...(out.headers ?? {}) });
        res.end(body);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  ctx.origin = `https://localhost:${(server.address() as AddressInfo).port}`;
  identity.register(router, ctx);
  for (const p of parts) p.register(router, ctx);
  return {
    origin: ctx.origin,
    ctx,
    router,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export { parseTenantFixture };
