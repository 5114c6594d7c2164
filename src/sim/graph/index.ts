/**
 * Microsoft Graph v1.0 as the simulated tenant serves it. Every call is authorized at the door
 * by the identity part (a bearer token this simulator issued, with one of the permissions the
 * call needs); faults and $batch are applied by the server around these handlers.
 */
import type { SimContext, SimPart } from '../context';
import type { SimRequest, SimResponse, SimRouter } from '../http';
import { graphError, GraphFault } from './common';
import { registerAppRoles } from './app-roles';
import { registerDirectory } from './directory';
import { registerMessages, type Handle } from './messages';

export const graphPart: SimPart = {
  register(router: SimRouter, ctx: SimContext) {
    const handle: Handle = (permissions, fn) => async (req: SimRequest): Promise<SimResponse> => {
      const check = ctx.identity.authorize(req, 'graph', permissions);
      if (!check.ok) return check.response;
      try {
        return await fn(req, check.claims);
      } catch (e) {
        if (e instanceof GraphFault) return graphError(ctx, req, e.status, e.code, e.message);
        throw e;
      }
    };
    registerMessages(router, ctx, handle);
    registerDirectory(router, ctx, handle);
    registerAppRoles(router, ctx, handle);
  },
};

export { graphError, GraphFault } from './common';
export { mailboxSegment, messageJson, wantsImmutable } from './messages';
