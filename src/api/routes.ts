/**
 * Every route of CONTRACTS §6: path, methods, who may call it and its handler. Registered with
 * `app.http` in src/api/functions/http.ts and served by src/dev/api-host.ts.
 */
import type { RouteDef } from './http/route';
import { searchAudit, verifyAudit } from './handlers/audit';
import { cancelJob, createJob, getJob, listJobs, undoJob } from './handlers/jobs';
import { createLookup } from './handlers/lookups';
import { health, me, openApi } from './handlers/meta';
import { omeRevoke, omeStatus } from './handlers/ome';
import { putDomains } from './handlers/settings';
import { setup } from './handlers/setup';
import { trace } from './handlers/trace';

export const ROUTES: readonly RouteDef[] = [
  { name: 'health', methods: ['GET'], route: 'health', access: 'public', handle: health },
  { name: 'openapi', methods: ['GET'], route: 'openapi.json', access: 'public', handle: openApi },
  { name: 'me', methods: ['GET'], route: 'me', access: 'signed-in', handle: me },
  { name: 'lookups-create', methods: ['POST'], route: 'lookups', access: 'admin', handle: createLookup },
  { name: 'jobs-create', methods: ['POST'], route: 'jobs', access: 'admin', handle: createJob },
  { name: 'jobs-list', methods: ['GET'], route: 'jobs', access: 'reader', handle: listJobs },
  { name: 'jobs-get', methods: ['GET'], route: 'jobs/{jobId}', access: 'reader', handle: getJob },
  { name: 'jobs-undo', methods: ['POST'], route: 'jobs/{jobId}/undo', access: 'admin', handle: undoJob },
  { name: 'jobs-cancel', methods: ['POST'], route: 'jobs/{jobId}/cancel', access: 'admin', handle: cancelJob },
  { name: 'ome-status', methods: ['GET'], route: 'ome', access: 'sender', handle: omeStatus },
  { name: 'ome-revoke', methods: ['POST'], route: 'ome/revoke', access: 'sender', handle: omeRevoke },
  { name: 'trace', methods: ['GET'], route: 'trace', access: 'reader', handle: trace },
  { name: 'audit-search', methods: ['GET'], route: 'audit', access: 'reader', handle: searchAudit },
  { name: 'audit-verify', methods: ['GET'], route: 'audit/verify', access: 'reader', handle: verifyAudit },
  { name: 'setup', methods: ['GET'], route: 'setup', access: 'admin', handle: setup },
  { name: 'settings-domains', methods: ['PUT'], route: 'settings/domains', access: 'admin', handle: putDomains },
];

/** Matches a path under /api (e.g. `jobs/abc/undo`) to a route's template; returns its params. */
export function matchRoute(template: string, path: string): Record<string, string> | null {
  const t = template.split('/');
  const p = path.split('/');
  if (t.length !== p.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const seg = t[i]!;
    const m = /^\{(\w+)\}$/.exec(seg);
    if (m) {
      if (!p[i]) return null;
      try {
        params[m[1]!] = decodeURIComponent(p[i]!);
      } catch {
        return null;
      }
    } else if (seg !== p[i]) return null;
  }
  return params;
}
