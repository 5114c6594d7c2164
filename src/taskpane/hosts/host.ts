// The one interface every view sees of the place the task pane runs in. Only the adapters beside
// this file (outlook.ts, teams.ts, browser.ts) touch `Office` or `@microsoft/teams-js`.

export type HostKind = 'outlook' | 'teams' | 'browser';

/** The three looks a host can ask for; each maps to one Fluent theme (theme.ts). */
export type ThemeName = 'light' | 'dark' | 'contrast';

export interface HostUser {
  displayName?: string;
  /** Primary SMTP address or UPN, used as MSAL's login hint. */
  email?: string;
  /** The host's login hint when it gives one (Teams), else the email. */
  loginHint?: string;
  tenantId?: string;
}

export interface MailAddress {
  name?: string;
  address: string;
}

/** The message in front of the user, as far as the host shows it. */
export interface OpenMessage {
  internetMessageId: string;
  conversationId?: string;
  /** Graph (REST) id of the item in the user's own mailbox, when the host can give it. */
  messageId?: string;
  subject: string;
  from?: MailAddress;
  to: MailAddress[];
  cc: MailAddress[];
  /** ISO 8601 time the item was received (or created, where the host gives no more). */
  date?: string;
  itemType: 'message';
}

/** Why there is no message to act on; each has a sentence in strings.ts. */
export type NoMessageReason =
  | 'no-item' // nothing selected (or a pinned pane between selections)
  | 'draft' // a message being written: it has no internetMessageId yet
  | 'meeting' // a meeting request, response or appointment
  | 'not-a-message' // any other item class
  | 'host-has-no-message' // Teams: the Search view is the entry
  | 'loading'; // the host has not answered yet

export type MessageState =
  | { kind: 'message'; message: OpenMessage }
  | { kind: 'none'; reason: NoMessageReason };

export interface HostCapabilities {
  /** Nested app authentication (Outlook: requirement set NestedAppAuth 1.1; Teams: always). */
  nestedAppAuth: boolean;
  /** The pane follows the selection (Outlook's ItemChanged, the harness's postMessage). */
  followsSelection: boolean;
  /** The host shows an open message at all (not in a Teams tab). */
  openMessage: boolean;
}

export type Unsubscribe = () => void;

export interface Host {
  readonly kind: HostKind;
  readonly capabilities: HostCapabilities;
  user(): HostUser | undefined;
  theme(): ThemeName;
  onThemeChange(listener: (theme: ThemeName) => void): Unsubscribe;
  message(): MessageState;
  onMessageChange(listener: (state: MessageState) => void): Unsubscribe;
  /** Open a URL outside the pane (consent page, portal); resolves once it was opened. */
  openDialog(url: string): Promise<void>;
}

/** A tiny listener set, so each adapter keeps the same subscribe/notify semantics. */
export class Listeners<T> {
  private readonly set = new Set<(value: T) => void>();
  add(listener: (value: T) => void): Unsubscribe {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }
  emit(value: T): void {
    for (const listener of [...this.set]) listener(value);
  }
}

/** Dark or light from a CSS hex colour (#rgb or #rrggbb) by its relative luminance. */
export function isDarkColour(hex: string | undefined): boolean {
  if (!hex) return false;
  const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex.trim());
  if (!m || !m[1]) return false;
  const h = m[1].length === 3 ? [...m[1]].map((c) => c + c).join('') : m[1];
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16) / 255) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5;
}
