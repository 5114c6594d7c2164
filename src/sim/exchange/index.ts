/**
 * Exchange Online as the simulated tenant serves it: the admin API's `InvokeCommand`
 * (Get-OMEMessageStatus, Set-OMEMessageRevocation, Get-MessageTraceV2), the OME portal, and
 * `GET /_sim/ome/{internetMessageId}` → `{ revoked, isRevocable, recipients, experiences }`.
 */
import type { SimContext, SimPart } from '../context';
import type { SimRouter } from '../http';
import { json } from '../http';
import { ExchangeAdminApi } from './invoke';
import { omePortal } from './portal';

export const exchangePart: SimPart = {
  register(router: SimRouter, ctx: SimContext) {
    const api = new ExchangeAdminApi(ctx);
    router.post('/adminapi/beta/:tenant/InvokeCommand', (req) => api.handle(req));
    router.get('/ome/view/:id', (req) => omePortal(api.ome, req));
    router.get('/_sim/ome/:id', (req) => {
      const m = api.ome.find(req.params.id ?? '');
      if (!m) return json(404, { error: { code: 'NotFound', message: `No OME message of this tenant has the internetMessageId ${req.params.id ?? ''}.` } });
      return json(200, {
        revoked: m.revoked,
        isRevocable: m.isRevocable,
        recipients: m.recipients.map((r) => r.address),
        // Which experience each recipient gets: `link` (OME portal) or `inline` (Outlook).
        experiences: Object.fromEntries(m.recipients.map((r) => [r.address, r.experience])),
      });
    });
  },
};

export { REVOKED_TEXT } from './portal';
