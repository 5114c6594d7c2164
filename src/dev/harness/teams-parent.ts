/**
 * The Teams side of teams-js's window messages, for a tab framed by the harness: it answers
 * `initialize` and `getContext` as the Teams web client does, `executeDeepLink` (app.openLink) by
 * opening the link, and pushes `themeChange` when the harness's theme changes.
 *
 * Protocol, as read in @microsoft/teams-js 2.58 (internal/communication.js, messageObjects.js):
 * the tab posts requests `{ id, uuidAsString, func, args, apiVersionTag, … }` to its parent; the
 * parent answers with `{ id, uuidAsString, args }` (args is the list the tab's promise receives)
 * and sends events as `{ func, args }` with no id. The tab accepts its own origin as a parent
 * without consulting Microsoft's list of valid origins.
 */

export type TeamsTheme = 'default' | 'dark' | 'contrast';

export interface TeamsUser {
  objectId?: string;
  displayName: string;
  userPrincipalName: string;
}

interface TeamsRequest {
  id: number;
  uuidAsString?: string;
  func: string;
  args?: unknown[];
}

function isRequest(data: unknown): data is TeamsRequest {
  if (typeof data !== 'object' || data === null) return false;
  const d = data as Record<string, unknown>;
  return typeof d.id === 'number' && typeof d.func === 'string';
}

/** The runtime a Teams web client reports (apiVersion 4); no nested-app-auth bridge is offered, so MSAL in the tab uses its standard client. */
export const RUNTIME = {
  apiVersion: 4,
  hostVersionsInfo: { adaptiveCardSchemaVersion: { majorVersion: 1, minorVersion: 5 } },
  isLegacyTeams: false,
  supports: {
    app: {},
    appInstallDialog: {},
    pages: { appButton: {}, tabs: {}, config: {}, backStack: {}, fullTrust: {} },
    teams: { fullTrust: {} },
  },
};
export const CLIENT_SDK_VERSION = '2.58.0';

export interface TeamsParent {
  setTheme(theme: TeamsTheme): void;
  /** Every func the tab called, in order (shown in the harness, read by tests). */
  calls: string[];
  dispose(): void;
}

export function serveTeamsTab(options: {
  frame: HTMLIFrameElement;
  tenantId: string;
  user: () => TeamsUser | undefined;
  theme: () => TeamsTheme;
  onCall?: (func: string) => void;
}): TeamsParent {
  const origin = window.location.origin;
  const calls: string[] = [];
  const sessionId = crypto.randomUUID();

  const reply = (request: TeamsRequest, args: unknown[]): void => {
    options.frame.contentWindow?.postMessage({ id: request.id, uuidAsString: request.uuidAsString, args }, origin);
  };

  const context = (): Record<string, unknown> => {
    const user = options.user();
    return {
      locale: 'en-us',
      theme: options.theme(),
      entityId: 'retract',
      frameContext: 'content',
      hostClientType: 'web',
      hostName: 'Teams',
      appSessionId: sessionId,
      sessionId,
      tid: options.tenantId,
      ...(user
        ? { userObjectId: user.objectId, userDisplayName: user.displayName, userPrincipalName: user.userPrincipalName, loginHint: user.userPrincipalName }
        : {}),
    };
  };

  const onMessage = (event: MessageEvent): void => {
    if (event.source !== options.frame.contentWindow || event.origin !== origin || !isRequest(event.data)) return;
    const request = event.data;
    calls.push(request.func);
    options.onCall?.(request.func);
    switch (request.func) {
      case 'initialize':
        reply(request, ['content', 'web', JSON.stringify(RUNTIME), CLIENT_SDK_VERSION]);
        break;
      case 'getContext':
        reply(request, [context()]);
        break;
      case 'executeDeepLink': {
        const url = request.args?.[0];
        if (typeof url === 'string' && /^https:\/\//.test(url)) window.open(url, '_blank', 'noopener');
        reply(request, [true]);
        break;
      }
      default:
        // registerHandler, appInitialization.* and the like need no answer.
        break;
    }
  };
  window.addEventListener('message', onMessage);
  return {
    calls,
    setTheme(theme: TeamsTheme): void {
      options.frame.contentWindow?.postMessage({ func: 'themeChange', args: [theme] }, origin);
    },
    dispose(): void {
      window.removeEventListener('message', onMessage);
    },
  };
}
