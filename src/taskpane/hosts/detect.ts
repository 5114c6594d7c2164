// Which host the page runs in, decided before any host code loads, so that the Outlook path never
// downloads teams-js and the Teams path never loads Office.js.
import type { Host, HostKind } from './host';

/**
 * The manifests name the host in the page URL (`taskpane.html?host=outlook` for the add-in,
 * `?host=teams` for the tab); Outlook clients also add `_host_Info=Outlook$…`. Anything else is
 * the browser (the harness, or the page opened directly).
 */
export function detectHost(location: { search: string; hash?: string }): HostKind {
  const q = new URLSearchParams(location.search);
  const named = q.get('host');
  if (named === 'outlook' || named === 'teams' || named === 'browser') return named;
  if (/^outlook/i.test(q.get('_host_Info') ?? '')) return 'outlook';
  return 'browser';
}

export interface HostOptions {
  /** Extra origins allowed to frame the pane (the development harness). */
  allowedOrigins?: string[];
  officeJsUrl?: string;
}

/** Load only the detected host's adapter (each is its own chunk) and start it. */
export async function loadHost(kind: HostKind, options: HostOptions = {}): Promise<Host> {
  switch (kind) {
    case 'outlook': {
      const { createOutlookHost } = await import(/* webpackChunkName: "host-outlook" */ './outlook');
      return createOutlookHost(options.officeJsUrl ? { officeJsUrl: options.officeJsUrl } : {});
    }
    case 'teams': {
      const { createTeamsHost } = await import(/* webpackChunkName: "host-teams" */ './teams');
      return createTeamsHost({ validOrigins: options.allowedOrigins ?? [] });
    }
    default: {
      const { createBrowserHost } = await import(/* webpackChunkName: "host-browser" */ './browser');
      return createBrowserHost({ allowedOrigins: options.allowedOrigins ?? [] });
    }
  }
}
