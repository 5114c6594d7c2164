// Browser adapter: the pane outside Office and Teams — in the development harness (issue 8's
// /harness.html) or opened directly. The harness chooses the message.
//
// Protocol (the harness page is built against exactly this):
//
// 1. URL query of taskpane.html (every parameter optional; read once at start):
//      host=browser                       choose this adapter (see detect.ts)
//      internetMessageId=<…@…>            the message in front of the user; with it:
//      subject=…  from=addr  fromName=…  to=a@x,b@y  cc=…  date=ISO  conversationId=…  messageId=…
//      theme=light|dark|contrast          else the browser's prefers-color-scheme (and its changes)
//      loginHint=user@contoso.com  userName=…   who the harness signed in as (MSAL login hint)
//
// 2. window.postMessage from the parent page. Accepted only when event.source is window.parent
//    and event.origin is the pane's own origin or one of `allowedOrigins` (taskpane-config.json
//    `harnessOrigins`). Each message is a JSON object, validated; anything else is ignored:
//      { type: "retract:message", message: { internetMessageId, subject, from?: { address, name? },
//        to?: [{ address, name? }], cc?: [...], date?, conversationId?, messageId? } | null }
//                                         null means nothing is selected
//      { type: "retract:theme", theme: "light" | "dark" | "contrast" }
//      { type: "retract:user", user: { displayName?, email?, loginHint? } }
//    Once it listens, the pane posts { type: "retract:ready" } to window.parent (to each allowed
//    origin), so the harness knows when to send the selection.
import { z } from 'zod';
import { Listeners, type Host, type HostUser, type MailAddress, type MessageState, type ThemeName } from './host';

const addressSchema = z.object({ address: z.string().min(1), name: z.string().optional() });
const messageSchema = z.object({
  internetMessageId: z.string().min(3),
  subject: z.string().default(''),
  from: addressSchema.optional(),
  to: z.array(addressSchema).default([]),
  cc: z.array(addressSchema).default([]),
  date: z.string().optional(),
  conversationId: z.string().optional(),
  messageId: z.string().optional(),
});
const themeSchema = z.enum(['light', 'dark', 'contrast']);
const userSchema = z.object({
  displayName: z.string().optional(),
  email: z.string().optional(),
  loginHint: z.string().optional(),
});
export const harnessMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('retract:message'), message: messageSchema.nullable() }),
  z.object({ type: z.literal('retract:theme'), theme: themeSchema }),
  z.object({ type: z.literal('retract:user'), user: userSchema }),
]);
export type HarnessMessage = z.infer<typeof harnessMessageSchema>;

function clean<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== '')) as T;
}

function toState(message: z.infer<typeof messageSchema> | null): MessageState {
  if (!message) return { kind: 'none', reason: 'no-item' };
  const from: MailAddress | undefined = message.from ? clean(message.from) : undefined;
  return {
    kind: 'message',
    message: clean({
      internetMessageId: message.internetMessageId,
      subject: message.subject,
      from,
      to: message.to.map(clean),
      cc: message.cc.map(clean),
      date: message.date,
      conversationId: message.conversationId,
      messageId: message.messageId,
      itemType: 'message' as const,
    }),
  };
}

function list(value: string | null): { address: string }[] {
  return (value ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean)
    .map((address) => ({ address }));
}

/** The message, theme and user named in the URL query (part 1 of the protocol). */
export function readQuery(search: string): { state: MessageState; theme?: ThemeName; user: HostUser } {
  const q = new URLSearchParams(search);
  const id = q.get('internetMessageId');
  const parsed = id
    ? messageSchema.safeParse({
        internetMessageId: id,
        subject: q.get('subject') ?? '',
        from: q.get('from') ? clean({ address: q.get('from') ?? '', name: q.get('fromName') ?? undefined }) : undefined,
        to: list(q.get('to')),
        cc: list(q.get('cc')),
        date: q.get('date') ?? undefined,
        conversationId: q.get('conversationId') ?? undefined,
        messageId: q.get('messageId') ?? undefined,
      })
    : undefined;
  const theme = themeSchema.safeParse(q.get('theme'));
  const hint = q.get('loginHint') ?? undefined;
  return {
    state: parsed?.success ? toState(parsed.data) : { kind: 'none', reason: 'no-item' },
    ...(theme.success ? { theme: theme.data } : {}),
    user: clean({ displayName: q.get('userName') ?? undefined, email: hint, loginHint: hint }),
  };
}

export async function createBrowserHost(options: { allowedOrigins?: string[] } = {}): Promise<Host> {
  const fromQuery = readQuery(window.location.search);
  const messages = new Listeners<MessageState>();
  const themes = new Listeners<ThemeName>();
  let state = fromQuery.state;
  let user = fromQuery.user;
  const dark = typeof window.matchMedia === 'function' ? window.matchMedia('(prefers-color-scheme: dark)') : undefined;
  let pinnedTheme = fromQuery.theme;
  let theme: ThemeName = pinnedTheme ?? (dark?.matches ? 'dark' : 'light');
  dark?.addEventListener?.('change', (e) => {
    if (pinnedTheme) return; // the harness chose a theme; the system's does not override it
    theme = e.matches ? 'dark' : 'light';
    themes.emit(theme);
  });

  const origins = new Set([window.location.origin, ...(options.allowedOrigins ?? [])]);
  const framed = window.parent !== window;
  window.addEventListener('message', (event: MessageEvent) => {
    if (!framed || event.source !== window.parent || !origins.has(event.origin)) return;
    const parsed = harnessMessageSchema.safeParse(event.data);
    if (!parsed.success) return;
    const data = parsed.data;
    if (data.type === 'retract:message') {
      state = toState(data.message);
      messages.emit(state);
    } else if (data.type === 'retract:theme') {
      pinnedTheme = data.theme;
      theme = data.theme;
      themes.emit(theme);
    } else {
      user = clean(data.user);
    }
  });
  if (framed) for (const origin of origins) window.parent.postMessage({ type: 'retract:ready' }, origin);

  return {
    kind: 'browser',
    capabilities: { nestedAppAuth: false, followsSelection: framed, openMessage: true },
    user: () => user,
    theme: () => theme,
    onThemeChange: (listener) => themes.add(listener),
    message: () => state,
    onMessageChange: (listener) => messages.add(listener),
    async openDialog(url: string): Promise<void> {
      const opened = window.open(url, '_blank', 'noopener,noreferrer');
      // With noopener, browsers return null even on success; only a thrown error means blocked.
      void opened;
    },
  };
}
