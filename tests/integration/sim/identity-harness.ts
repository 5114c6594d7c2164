/** Starts the whole simulated tenant (sim-graph's server) on a free port for the identity tests. */
import { ensureDevCerts } from '../../../src/dev/certs';
import type { TenantFixture } from '../../../src/sim/fixture';
import { startSimServer, type SimServer } from '../../../src/sim/server';

export type Harness = SimServer;

/** `clock.offsetMs` moves the simulator's clock (tokens expire, trace windows move). */
export async function startHarness(fixture: TenantFixture, clock: { offsetMs: number } = { offsetMs: 0 }): Promise<Harness> {
  const certs = ensureDevCerts();
  return startSimServer({ fixture, cert: certs.cert, key: certs.key, port: 0, now: () => new Date(Date.now() + clock.offsetMs) });
}
