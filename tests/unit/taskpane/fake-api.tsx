// The views' boundary in tests: a fake RetractApi (every call must be given an answer, or it
// fails loudly) and a fake Host, rendered inside the real FluentProvider and services context.
import { FluentProvider, webLightTheme } from '@fluentui/react-components';
import { render, within } from '@testing-library/react';
import type { ReactElement } from 'react';
import type { Job, Lookup } from '../../../src/contracts';
import { ApiError, type RetractApi } from '../../../src/taskpane/api-client';
import { ServicesProvider, type Services } from '../../../src/taskpane/context';
import type { Host, MessageState } from '../../../src/taskpane/hosts/host';

export type FakeApi = { [K in keyof RetractApi]: jest.Mock<ReturnType<RetractApi[K]>, Parameters<RetractApi[K]>> };

export function fakeApi(overrides: Partial<{ [K in keyof RetractApi]: RetractApi[K] }> = {}): FakeApi {
  const names: (keyof RetractApi)[] = ['me', 'lookup', 'startJob', 'job', 'jobs', 'undo', 'cancel', 'omeStatus', 'omeRevoke', 'trace', 'audit', 'auditVerify', 'setup', 'setDomains'];
  const api = {} as Record<string, jest.Mock>;
  for (const name of names) {
    const impl = overrides[name] as ((...args: unknown[]) => Promise<unknown>) | undefined;
    api[name] = jest.fn(impl ?? (() => Promise.reject(new Error(`unexpected call: ${name}`))));
  }
  return api as unknown as FakeApi;
}

export function fakeHost(state: MessageState = { kind: 'none', reason: 'no-item' }, kind: Host['kind'] = 'outlook') {
  const listeners = new Set<(s: MessageState) => void>();
  const opened: string[] = [];
  let current = state;
  const host: Host = {
    kind,
    capabilities: { nestedAppAuth: true, followsSelection: true, openMessage: kind !== 'teams' },
    user: () => ({ email: 'adele@contoso.com' }),
    theme: () => 'light',
    onThemeChange: () => () => undefined,
    message: () => current,
    onMessageChange: (l) => (listeners.add(l), () => listeners.delete(l)),
    openDialog: async (url) => {
      opened.push(url);
    },
  };
  return {
    host,
    opened,
    select(next: MessageState) {
      current = next;
      listeners.forEach((l) => l(next));
    },
  };
}

export function renderWith(ui: ReactElement, services: Partial<Services> & { api: FakeApi }) {
  const full: Services = { host: fakeHost().host, signIn: async () => undefined, pollMs: 20, ...services, api: services.api };
  return render(
    <FluentProvider theme={webLightTheme}>
      <ServicesProvider services={full}>{ui}</ServicesProvider>
    </FluentProvider>,
  );
}

export const problem = (status: number, detail: string) => new ApiError(detail, status, { type: 'about:blank', title: 'Error', status, detail });

/** A promise the test settles when it wants (to see loading states). */
export function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export const PHISH = '<phish-1@evil.example>';
export const FWD = '<fwd-1@contoso.com>';

export const lookupFixture: Lookup = {
  lookupId: 'lk1',
  internetMessageId: PHISH,
  depth: 1,
  targets: [
    { mailbox: 'adele@contoso.com', messageId: 'm-adele', internetMessageId: PHISH, folder: 'inbox', depth: 0, isRead: true, via: null },
    { mailbox: 'megan@contoso.com', messageId: 'm-megan', internetMessageId: PHISH, folder: 'inbox', depth: 0, isRead: false, via: null },
    { mailbox: 'adele@contoso.com', messageId: 'm-adele-fwd', internetMessageId: FWD, folder: 'sentitems', depth: 1, isRead: true, via: PHISH },
    { mailbox: 'lynne@contoso.com', messageId: 'm-lynne-fwd', internetMessageId: FWD, folder: 'inbox', depth: 1, isRead: false, via: PHISH },
  ],
  skipped: [
    { address: 'pat@gmail.com', reason: 'external' },
    { address: 'old@contoso-legacy.com', reason: 'domain-not-granted' },
  ],
  ambiguous: [{ mailbox: 'megan@contoso.com', messageId: 'm-megan-amb', internetMessageId: '<amb@contoso.com>', why: 'Another message in this mailbox has the same conversation index.' }],
  stats: { mailboxesSearched: 3, graphRequests: 4, ms: 120 },
};

export function jobFixture(over: Partial<Job> = {}): Job {
  return {
    jobId: 'job1',
    status: 'running',
    action: 'soft-delete',
    lookupId: 'lk1',
    counts: { targets: 3, done: 1, alreadyGone: 0, failed: 0 },
    results: [{ mailbox: 'adele@contoso.com', messageId: 'm-adele', outcome: 'done' }],
    ...over,
  };
}

/**
 * A button inside an open Fluent dialog. jsdom has no layout, so tabster cannot see the dialog as
 * visible, never activates its modalizer, and leaves aria-hidden on the whole surface a moment
 * after it opens; in a browser the surface is the one part not hidden (the e2e tests check it
 * with axe). So the query includes hidden elements, inside the dialog only.
 */
export function dialogButton(dialog: HTMLElement, name: string): HTMLElement {
  return within(dialog).getByRole('button', { name, hidden: true });
}
