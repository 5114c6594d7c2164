/**
 * What the parts of the simulated tenant share. The server (server.ts) builds one SimContext
 * per run and hands it to each part's `register(router, ctx)`:
 *
 *   graph/*      Microsoft Graph v1.0            (owner: the Graph side of the simulator)
 *   identity/*   Entra ID: OIDC, tokens, consent (owner: the identity side)
 *   exchange/*   Exchange admin API, OME portal  (owner: the identity side)
 *   control.ts   /_sim test endpoints, faults    (owner: the Graph side)
 *
 * src/sim imports nothing from the product: it stands in for Microsoft.
 */
import type { SimRequest, SimResponse, SimRouter } from './http';
import type { TenantFixture } from './fixture';
import type { SimTenant } from './tenant';

export type SimResource = 'graph' | 'exchange';

/** Claims of an access token the simulator issued, after verification. */
export interface SimAccessClaims {
  aud: string;
  iss: string;
  tid: string;
  oid: string;
  sub: string;
  ver: '1.0' | '2.0';
  /** The client app's id: `azp` in v2 tokens, `appid` in v1. */
  clientId: string;
  roles?: string[];
  scp?: string;
  [claim: string]: unknown;
}

export type SimAccessCheck =
  | { ok: true; claims: SimAccessClaims; appOnly: boolean }
  | { ok: false; response: SimResponse };

export interface SimIdentity {
  /**
   * Checks a Graph or Exchange request's bearer token: issued by this simulator for this
   * tenant, signature (current or previous key), `aud` of the resource, `exp`/`nbf`, and that
   * it carries at least one of `permissions` (application roles of an app-only token, or
   * scopes of a delegated one). Answers with the resource's own 401/403 body otherwise.
   */
  authorize(req: SimRequest, resource: SimResource, permissions: readonly string[]): SimAccessCheck;
}

export interface SimContext {
  /** e.g. `https://localhost:4010`: the one origin that serves Entra, Graph and Exchange. */
  origin: string;
  tenantId: string;
  fixture: TenantFixture;
  tenant: SimTenant;
  identity: SimIdentity;
  /** The simulator's clock (tests may move it). */
  now(): Date;
}

export interface SimPart {
  register(router: SimRouter, ctx: SimContext): void;
}
