// The pane: who the user is (GET /api/me), which views their roles allow, and a TabList between
// them. Views load lazily so the first paint carries only this shell.
import { Button, Spinner, Tab, TabList, makeStyles, tokens } from '@fluentui/react-components';
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import type { Me } from '../contracts';
import { ApiError } from './api-client';
import { SignInRequiredError } from './auth/msal';
import { StatusBar } from './components/StatusBar';
import { errorText, rolesOf, useHostMessage, useServices } from './context';
import { strings } from './strings';
import type { RetractMessage } from './views/RetractView';

const RetractView = lazy(() => import(/* webpackChunkName: "view-retract" */ './views/RetractView'));
const OmeView = lazy(() => import(/* webpackChunkName: "view-ome" */ './views/OmeView'));
const SearchView = lazy(() => import(/* webpackChunkName: "view-search" */ './views/SearchView'));
const AuditView = lazy(() => import(/* webpackChunkName: "view-audit" */ './views/AuditView'));
const SetupView = lazy(() => import(/* webpackChunkName: "view-setup" */ './views/SetupView'));

export type ViewId = 'retract' | 'ome' | 'search' | 'audit' | 'setup';

/** The views a user may see, in the order of their host (message first where there is one). */
export function viewsFor(me: Me, hostHasMessage: boolean): ViewId[] {
  const { admin, auditor } = rolesOf(me);
  if (admin) return hostHasMessage ? ['retract', 'ome', 'search', 'audit', 'setup'] : ['search', 'retract', 'ome', 'audit', 'setup'];
  if (auditor) return ['search', 'audit'];
  // No role: the OME view of their own sent mail, and only where a message is open.
  return hostHasMessage ? ['ome'] : [];
}

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, padding: tokens.spacingHorizontalM, minHeight: '100vh', boxSizing: 'border-box', backgroundColor: tokens.colorNeutralBackground1, color: tokens.colorNeutralForeground1 },
  panel: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM },
  // Outlook's pane is 320–380 px: the tabs wrap onto a second line there rather than run off the
  // edge, so every view the user may open stays visible, readable and reachable (arrow keys move
  // between tabs in reading order whatever the line).
  tabs: { flexWrap: 'wrap', rowGap: tokens.spacingVerticalXXS },
});

/** True while the pane is as narrow as Outlook's task pane (its own window is the pane). */
const NARROW = '(max-width: 480px)';
function useNarrow(): boolean {
  const query = useMemo(() => (typeof window !== 'undefined' && typeof window.matchMedia === 'function' ? window.matchMedia(NARROW) : undefined), []);
  const [narrow, setNarrow] = useState(query?.matches ?? false);
  useEffect(() => {
    if (!query) return;
    const changed = () => setNarrow(query.matches);
    changed();
    query.addEventListener('change', changed);
    return () => query.removeEventListener('change', changed);
  }, [query]);
  return narrow;
}

type MeState = { status: 'loading' } | { status: 'signin'; error?: unknown } | { status: 'ready'; me: Me } | { status: 'error'; error: unknown };

export function App() {
  const s = useStyles();
  const { host, api, signIn } = useServices();
  const hostMessage = useHostMessage(host);
  const [me, setMe] = useState<MeState>({ status: 'loading' });
  const [tab, setTab] = useState<ViewId>();
  const [opened, setOpened] = useState<RetractMessage | null>(null);
  const [signingIn, setSigningIn] = useState(false);
  const narrow = useNarrow();

  const loadMe = useCallback(async () => {
    setMe({ status: 'loading' });
    try {
      setMe({ status: 'ready', me: await api.me() });
    } catch (error) {
      if (error instanceof SignInRequiredError || (error instanceof ApiError && error.status === 401)) setMe({ status: 'signin', error });
      else setMe({ status: 'error', error });
    }
  }, [api]);
  useEffect(() => void loadMe(), [loadMe]);

  // A new selection in the host replaces whatever Search had opened.
  useEffect(() => setOpened(null), [hostMessage]);

  if (me.status === 'loading') return <div className={s.root}><Spinner label={strings.loading} /></div>;
  if (me.status === 'signin' || me.status === 'error') {
    return (
      <div className={s.root}>
        {me.status === 'error' ? <StatusBar intent="error">{errorText(me.error)}</StatusBar> : null}
        {me.status === 'signin' && me.error instanceof ApiError ? <StatusBar intent="warning">{errorText(me.error)}</StatusBar> : null}
        <div>
          <Button
            appearance="primary"
            disabled={signingIn}
            onClick={async () => {
              setSigningIn(true);
              try {
                if (me.status === 'signin') await signIn();
                await loadMe();
              } catch (error) {
                setMe({ status: 'signin', error });
              } finally {
                setSigningIn(false);
              }
            }}
          >
            {signingIn ? strings.signingIn : me.status === 'signin' ? strings.signIn : strings.retry}
          </Button>
        </div>
        {me.status === 'signin' && me.error instanceof SignInRequiredError ? <StatusBar intent="info">{me.error.message}</StatusBar> : null}
      </div>
    );
  }

  const hostHasMessage = host.capabilities.openMessage;
  const views = viewsFor(me.me, hostHasMessage);
  if (views.length === 0) return <div className={s.root}><StatusBar intent="warning">{strings.forbidden}</StatusBar></div>;
  const current = tab && views.includes(tab) ? tab : views[0];
  const roles = rolesOf(me.me);
  const message = opened ?? (hostMessage.kind === 'message' ? hostMessage.message : null);
  const noMessageText = hostMessage.kind === 'none' ? strings.noMessage[hostMessage.reason] : undefined;

  return (
    <div className={s.root}>
      {views.length > 1 ? (
        <TabList className={s.tabs} size={narrow ? 'small' : 'medium'} selectedValue={current} onTabSelect={(_, d) => setTab(d.value as ViewId)} aria-label={strings.views.label}>
          {views.map((v) => (
            <Tab key={v} value={v}>
              {strings.views[v]}
            </Tab>
          ))}
        </TabList>
      ) : null}
      {!roles.admin && !roles.auditor ? <StatusBar intent="info">{strings.noRoleOutlook}</StatusBar> : null}
      <div className={s.panel} role="tabpanel" aria-label={strings.views[current ?? 'retract']}>
        <Suspense fallback={<Spinner size="small" label={strings.loading} />}>
          {current === 'retract' ? <RetractView key={message?.internetMessageId ?? 'none'} message={message} noMessageText={noMessageText} canType={roles.admin} /> : null}
          {current === 'ome' ? <OmeView key={message?.internetMessageId ?? 'none'} message={message} noMessageText={noMessageText} admin={roles.admin} /> : null}
          {current === 'search' ? (
            <SearchView
              {...(roles.admin
                ? {
                    onOpen: (m: RetractMessage) => {
                      setOpened(m);
                      setTab('retract');
                    },
                  }
                : {})}
            />
          ) : null}
          {current === 'audit' ? <AuditView /> : null}
          {current === 'setup' ? <SetupView /> : null}
        </Suspense>
      </div>
    </div>
  );
}
