/// <reference types="office-js" />
// Outlook adapter: the only module that touches Office.js. Every callback API is wrapped in a
// Promise here, once, so nothing throws inside an Office callback where no try/catch can see it.
import {
  isDarkColour,
  Listeners,
  type Host,
  type HostCapabilities,
  type HostUser,
  type MailAddress,
  type MessageState,
  type ThemeName,
  type Unsubscribe,
} from './host';

/** Microsoft's CDN copy of Office.js; an add-in must load it from there (store policy). */
export const OFFICE_JS_URL = 'https://appsforoffice.microsoft.com/lib/1/hosted/office.js';

/** Run an Office callback API as a Promise: resolve on Succeeded, reject with its error otherwise. */
export function officeAsync<T>(start: (callback: (result: Office.AsyncResult<T>) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    try {
      start((result) => {
        if (result.status === Office.AsyncResultStatus.Succeeded) resolve(result.value);
        else reject(new Error(result.error?.message || 'Outlook refused the request.'));
      });
    } catch (error) {
      reject(error instanceof Error ? error : new Error(String(error)));
    }
  });
}

/** Load Office.js once (only on the Outlook path, so other hosts never fetch it). */
function loadOfficeJs(url: string): Promise<void> {
  if (typeof Office !== 'undefined') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = url;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error('Office.js could not be loaded.'));
    document.head.appendChild(script);
  });
}

let ready: Promise<unknown> | undefined;
/** Office.onReady, called once per page whatever the number of callers. */
function officeReady(url: string): Promise<unknown> {
  ready ??= loadOfficeJs(url).then(() => Office.onReady());
  return ready;
}

/** For tests: forget the memoised onReady so a new mock can be installed. */
export function resetOutlookForTests(): void {
  ready = undefined;
}

function address(details: Office.EmailAddressDetails | undefined): MailAddress | undefined {
  if (!details || !details.emailAddress) return undefined;
  return details.displayName ? { name: details.displayName, address: details.emailAddress } : { address: details.emailAddress };
}

function addresses(list: Office.EmailAddressDetails[] | undefined): MailAddress[] {
  return Array.isArray(list) ? list.map(address).filter((a): a is MailAddress => a !== undefined) : [];
}

/** Read the selected item into the host's words; everything we cannot act on gets a reason. */
export function readItem(mailbox: Office.Mailbox): MessageState {
  // Office.js types the item as a union of read and compose shapes; read it as the read shape
  // and check every field, since compose items and appointments lack them.
  const item = mailbox.item as (Office.MessageRead & { itemClass?: string }) | null | undefined;
  if (!item) return { kind: 'none', reason: 'no-item' };
  const itemClass = typeof item.itemClass === 'string' ? item.itemClass : '';
  if (item.itemType === Office.MailboxEnums.ItemType.Appointment || /^IPM\.Schedule\.Meeting\./i.test(itemClass)) {
    return { kind: 'none', reason: 'meeting' };
  }
  // A compose item exposes subject as an object with getAsync and has no internetMessageId yet.
  if (typeof item.subject !== 'string' || typeof item.internetMessageId !== 'string' || item.internetMessageId === '') {
    return { kind: 'none', reason: 'draft' };
  }
  if (itemClass && !/^IPM\.Note/i.test(itemClass)) return { kind: 'none', reason: 'not-a-message' };
  let messageId: string | undefined;
  if (typeof item.itemId === 'string' && item.itemId) {
    try {
      messageId = mailbox.convertToRestId(item.itemId, Office.MailboxEnums.RestVersion.v2_0);
    } catch {
      messageId = undefined; // the REST id only helps; the internetMessageId is what we act on
    }
  }
  const created = item.dateTimeCreated instanceof Date ? item.dateTimeCreated : undefined;
  const from = address(item.from);
  return {
    kind: 'message',
    message: {
      internetMessageId: item.internetMessageId,
      ...(typeof item.conversationId === 'string' && item.conversationId ? { conversationId: item.conversationId } : {}),
      ...(messageId ? { messageId } : {}),
      subject: item.subject,
      ...(from ? { from } : {}),
      to: addresses(item.to),
      cc: addresses(item.cc),
      ...(created ? { date: created.toISOString() } : {}),
      itemType: 'message',
    },
  };
}

function officeThemeName(): ThemeName {
  const theme = Office.context.officeTheme as Office.OfficeTheme | undefined;
  return isDarkColour(theme?.bodyBackgroundColor) ? 'dark' : 'light';
}

function isSetSupported(name: string, version: string): boolean {
  try {
    return Office.context.requirements.isSetSupported(name, version);
  } catch {
    return false;
  }
}

export async function createOutlookHost(options: { officeJsUrl?: string } = {}): Promise<Host> {
  await officeReady(options.officeJsUrl ?? OFFICE_JS_URL);
  const mailbox = Office.context.mailbox;
  const messages = new Listeners<MessageState>();
  const themes = new Listeners<ThemeName>();
  let state = readItem(mailbox);
  let theme = officeThemeName();

  const capabilities: HostCapabilities = {
    nestedAppAuth: isSetSupported('NestedAppAuth', '1.1'),
    followsSelection: isSetSupported('Mailbox', '1.5'),
    openMessage: true,
  };

  if (capabilities.followsSelection) {
    // A pinned pane stays open while the user selects another message: follow it.
    await officeAsync<void>((cb) =>
      mailbox.addHandlerAsync(
        Office.EventType.ItemChanged,
        () => {
          state = readItem(mailbox);
          messages.emit(state);
        },
        cb,
      ),
    ).catch(() => {
      capabilities.followsSelection = false;
    });
  }
  // Theme change events exist only in some Outlook clients; without them the theme is read once.
  const themeEvent = (Office.EventType as unknown as Record<string, Office.EventType | undefined>).OfficeThemeChanged;
  if (themeEvent) {
    await officeAsync<void>((cb) =>
      mailbox.addHandlerAsync(
        themeEvent,
        () => {
          theme = officeThemeName();
          themes.emit(theme);
        },
        cb,
      ),
    ).catch(() => undefined);
  }

  const profile = mailbox.userProfile;
  const user: HostUser = {
    ...(profile?.displayName ? { displayName: profile.displayName } : {}),
    ...(profile?.emailAddress ? { email: profile.emailAddress, loginHint: profile.emailAddress } : {}),
  };

  return {
    kind: 'outlook',
    capabilities,
    user: () => user,
    theme: () => theme,
    onThemeChange: (listener): Unsubscribe => themes.add(listener),
    message: () => state,
    onMessageChange: (listener): Unsubscribe => messages.add(listener),
    async openDialog(url: string): Promise<void> {
      // A consent page lives on another domain: open it in the browser where Outlook allows it,
      // else in an Office dialog.
      if (isSetSupported('OpenBrowserWindowApi', '1.1')) {
        Office.context.ui.openBrowserWindow(url);
        return;
      }
      await officeAsync<Office.Dialog>((cb) => Office.context.ui.displayDialogAsync(url, { height: 60, width: 40 }, cb));
    },
  };
}
