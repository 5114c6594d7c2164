/**
 * The development harness (`/harness.html`): a frame that looks like a mail reader around the
 * real task pane, so the pane can be used and tested without Outlook or Teams.
 *
 * - Outlook mode: pick a demo user, sign in through the simulator's sign-in page with MSAL (the
 *   same configuration and localStorage cache as the pane, so the framed pane is signed in too),
 *   browse that user's folders and messages, and select one: the pane (taskpane.html with the
 *   browser host) receives it as src/taskpane/hosts/browser.ts describes.
 * - Teams mode: taskpane.html?host=teams in a frame whose parent (this page) answers teams-js as
 *   the Teams web client does (src/dev/harness/teams-parent.ts), theme switch included.
 * - On an encrypted message the user sent, a link opens the OME portal as its recipient sees it.
 *
 * Mailboxes are read through the simulator's `/_sim/mailboxes/{address}/messages` (proxied by
 * the dev server): acceptable for this demo and test page, which stands in for Outlook's own
 * mail view and is not part of the product.
 */
import harnessCss from './harness.css';
import { createStandardPublicClientApplication, type AccountInfo, type IPublicClientApplication } from '@azure/msal-browser';
import { loadConfig, type TaskpaneConfig } from '../../taskpane/auth/config';
import { msalConfiguration } from '../../taskpane/auth/msal';
import {
  HARNESS_CONFIG_PATH,
  HARNESS_MAILBOX_PATH,
  HARNESS_OME_PATH,
  harnessConfigSchema,
  messageBodySchema,
  simMessageSchema,
  simOmeSchema,
  type DemoUser,
  type HarnessConfig,
  type SimMessage,
} from './harness-config';
import { serveTeamsTab, type TeamsParent, type TeamsTheme } from './teams-parent';

type Theme = 'light' | 'dark' | 'contrast';
type Mode = 'outlook' | 'teams';

const FOLDER_NAMES: Record<string, string> = {
  inbox: 'Inbox',
  sentitems: 'Sent Items',
  deleteditems: 'Deleted Items',
  junkemail: 'Junk Email',
  drafts: 'Drafts',
  archive: 'Archive',
};
const FOLDER_ORDER = ['inbox', 'sentitems', 'drafts', 'deleteditems', 'junkemail', 'archive'];
// Outlook hides Recoverable Items from the folder list; so does the harness.
const HIDDEN_FOLDERS = /^recoverableitems/;

function el<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`The harness page has no #${id}.`);
  return found as T;
}

function make<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

async function getJson(path: string): Promise<unknown> {
  const response = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (!response.ok) throw new Error(`${path} answered ${response.status}.`);
  return response.json();
}

class Harness {
  private mode: Mode = window.location.hash === '#teams' ? 'teams' : 'outlook';
  private theme: Theme = 'light';
  private account: AccountInfo | undefined;
  private messages: SimMessage[] = [];
  private folder = 'inbox';
  private selected: SimMessage | undefined;
  private paneReady = false;
  private teams: TeamsParent | undefined;

  constructor(
    private readonly config: HarnessConfig,
    private readonly paneConfig: TaskpaneConfig,
    private readonly msal: IPublicClientApplication,
  ) {}

  private get pane(): HTMLIFrameElement {
    return el<HTMLIFrameElement>('pane');
  }

  private userOf(address: string): DemoUser | undefined {
    return this.config.users.find((u) => u.mail.toLowerCase() === address.toLowerCase());
  }

  private nameOf(address: string): string {
    return this.userOf(address)?.displayName ?? address;
  }

  /** `{ address, name }` with the name only when the tenant knows one, as Outlook shows it. */
  private addressOf(address: string): { address: string; name?: string } {
    const name = this.userOf(address)?.displayName;
    return name ? { address, name } : { address };
  }

  private labelOf(address: string): string {
    const name = this.userOf(address)?.displayName;
    return name ? `${name} <${address}>` : address;
  }

  async start(): Promise<void> {
    const picker = el<HTMLSelectElement>('user');
    for (const u of this.config.users) {
      const roles = u.roles.length ? ` — ${u.roles.join(', ')}` : '';
      picker.append(make('option', { value: u.mail, textContent: `${u.displayName}${roles}` }));
    }
    el('signin').addEventListener('click', () => void this.signIn(picker.value));
    el<HTMLSelectElement>('theme').addEventListener('change', (e) => this.setTheme((e.target as HTMLSelectElement).value as Theme));
    el('mode-outlook').addEventListener('click', () => this.setMode('outlook'));
    el('mode-teams').addEventListener('click', () => this.setMode('teams'));
    window.addEventListener('message', (event: MessageEvent) => {
      if (event.source !== this.pane.contentWindow || event.origin !== window.location.origin) return;
      if ((event.data as { type?: unknown } | null)?.type === 'retract:ready') {
        this.paneReady = true;
        this.sendToPane();
      }
    });

    await this.msal.initialize();
    this.account = this.msal.getActiveAccount() ?? this.msal.getAllAccounts()[0];
    if (this.account) picker.value = this.account.username;
    await this.afterSignIn();
    this.setMode(this.mode);
  }

  private async signIn(address: string): Promise<void> {
    const who = el('who');
    who.textContent = `Signing in as ${address}…`;
    try {
      // One account at a time, so the pane's silent sign-in finds exactly this user.
      await this.msal.clearCache();
      const result = await this.msal.loginPopup({ scopes: [this.paneConfig.apiScope], loginHint: address, prompt: 'login' });
      this.account = result.account;
      this.msal.setActiveAccount(result.account);
    } catch (error) {
      who.textContent = `Sign-in did not complete: ${error instanceof Error ? error.message : String(error)}. Select Sign in to try again.`;
      return;
    }
    await this.afterSignIn();
  }

  private async afterSignIn(): Promise<void> {
    const who = el('who');
    const address = this.account?.username;
    who.textContent = address ? `Signed in as ${this.nameOf(address)} (${address})` : 'Not signed in';
    this.selected = undefined;
    this.messages = [];
    this.renderReading();
    if (address) {
      try {
        const rows = simMessageSchema.array().parse(await getJson(`${HARNESS_MAILBOX_PATH}${encodeURIComponent(address)}/messages`));
        this.messages = rows.filter((m) => !HIDDEN_FOLDERS.test(m.folder));
      } catch (error) {
        who.textContent = `${who.textContent}. The mailbox could not be read: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    this.renderFolders();
    this.renderMessages();
    this.loadFrames();
  }

  private loadFrames(): void {
    const address = this.account?.username;
    const q = new URLSearchParams({ host: 'browser', theme: this.theme });
    if (address) {
      q.set('loginHint', address);
      q.set('userName', this.nameOf(address));
    }
    this.paneReady = false;
    this.pane.src = `/taskpane.html?${q.toString()}`;
    if (this.mode === 'teams') this.loadTeams();
  }

  private loadTeams(): void {
    const frame = el<HTMLIFrameElement>('tab');
    this.teams?.dispose();
    this.teams = serveTeamsTab({
      frame,
      tenantId: this.config.tenantId,
      theme: () => teamsTheme(this.theme),
      user: () => {
        const address = this.account?.username;
        if (!address) return undefined;
        const claims = this.account?.idTokenClaims as { oid?: string } | undefined;
        return { displayName: this.nameOf(address), userPrincipalName: address, ...(claims?.oid ? { objectId: claims.oid } : {}) };
      },
    });
    frame.src = '/taskpane.html?host=teams';
  }

  private setMode(mode: Mode): void {
    this.mode = mode;
    el('mode-outlook').setAttribute('aria-pressed', String(mode === 'outlook'));
    el('mode-teams').setAttribute('aria-pressed', String(mode === 'teams'));
    el('outlook').hidden = mode !== 'outlook';
    el('teams').hidden = mode !== 'teams';
    history.replaceState(null, '', mode === 'teams' ? '#teams' : '#outlook');
    if (mode === 'teams') this.loadTeams();
    else {
      this.teams?.dispose();
      this.teams = undefined;
      el<HTMLIFrameElement>('tab').src = 'about:blank';
    }
  }

  private setTheme(theme: Theme): void {
    this.theme = theme;
    document.body.classList.toggle('dark', theme === 'dark');
    document.body.classList.toggle('contrast', theme === 'contrast');
    this.pane.contentWindow?.postMessage({ type: 'retract:theme', theme }, window.location.origin);
    this.teams?.setTheme(teamsTheme(theme));
  }

  private renderFolders(): void {
    const list = el('folders');
    const present = new Set(this.messages.map((m) => m.folder));
    const folders = [...new Set([...FOLDER_ORDER.filter((f) => f === 'inbox' || f === 'sentitems' || present.has(f)), ...present])];
    list.replaceChildren(
      ...folders.map((f) => {
        const unread = this.messages.filter((m) => m.folder === f && !m.isRead).length;
        const button = make('button', { type: 'button', textContent: `${FOLDER_NAMES[f] ?? f}${unread ? ` (${unread})` : ''}` });
        button.setAttribute('aria-current', String(f === this.folder));
        button.addEventListener('click', () => {
          this.folder = f;
          this.renderFolders();
          this.renderMessages();
        });
        return make('li', {}, button);
      }),
    );
  }

  private renderMessages(): void {
    el('folder-name').textContent = FOLDER_NAMES[this.folder] ?? this.folder;
    const rows = this.messages.filter((m) => m.folder === this.folder);
    const list = el('messages');
    if (!rows.length) {
      list.replaceChildren(make('li', { className: 'muted', textContent: this.account ? 'Nothing in this folder.' : 'Sign in to see your mail.' }));
      return;
    }
    list.replaceChildren(
      ...rows.map((m) => {
        const who = this.folder === 'sentitems' ? `To: ${m.toRecipients.map((a) => this.nameOf(a)).join(', ')}` : this.nameOf(m.from);
        const button = make(
          'button',
          { type: 'button', className: m.isRead ? '' : 'unread' },
          make('span', { className: 'from', textContent: who }),
          make('span', { className: 'subject', textContent: m.subject || '(no subject)' }),
          make('time', { dateTime: m.receivedDateTime, textContent: new Date(m.receivedDateTime).toLocaleString() }),
        );
        button.setAttribute('aria-pressed', String(m.id === this.selected?.id));
        button.addEventListener('click', () => void this.select(m));
        return make('li', {}, button);
      }),
    );
  }

  private async select(message: SimMessage): Promise<void> {
    this.selected = message;
    message.isRead = true;
    this.renderMessages();
    this.renderReading();
    this.sendToPane();
    await this.renderOmeLinks(message);
  }

  private renderReading(): void {
    const m = this.selected;
    const reading = el('reading');
    if (!m) {
      reading.replaceChildren(make('p', { className: 'muted', textContent: 'Select a message to read it.' }));
      return;
    }
    const dl = make('dl');
    const row = (term: string, value: string): void => dl.append(make('dt', { textContent: term }), make('dd', { textContent: value }));
    row('From', this.labelOf(m.from));
    row('To', m.toRecipients.map((a) => this.labelOf(a)).join('; '));
    row('Date', new Date(m.receivedDateTime).toLocaleString());
    row('Message-ID', m.internetMessageId);
    reading.replaceChildren(make('h2', { textContent: m.subject || '(no subject)' }), dl, make('div', { id: 'ome-links' }), make('div', { id: 'body', className: 'body' }));
    void this.renderBody(m);
  }

  private async renderBody(message: SimMessage): Promise<void> {
    const address = this.account?.username;
    if (!address) return;
    const response = await fetch(`${HARNESS_MAILBOX_PATH}${encodeURIComponent(address)}/messages/${encodeURIComponent(message.id)}/body`, { cache: 'no-store' });
    const target = document.getElementById('body');
    if (!target || this.selected?.id !== message.id) return;
    if (!response.ok) {
      target.replaceChildren(make('p', { className: 'muted', textContent: 'The body of this message could not be read.' }));
      return;
    }
    const body = messageBodySchema.parse(await response.json());
    // Shown as text, never as markup: the harness must not run what a message carries.
    const text = body.contentType.toLowerCase() === 'html' ? (new DOMParser().parseFromString(body.content, 'text/html').body.textContent ?? '') : body.content;
    target.replaceChildren(make('p', { textContent: text }));
  }

  private async renderOmeLinks(message: SimMessage): Promise<void> {
    const response = await fetch(`${HARNESS_OME_PATH}${encodeURIComponent(message.internetMessageId)}`, { cache: 'no-store' });
    if (!response.ok || this.selected?.id !== message.id) return; // not an encrypted message
    const ome = simOmeSchema.parse(await response.json());
    const links = document.getElementById('ome-links');
    if (!links) return;
    const portal = ome.recipients.filter((r) => (ome.experiences?.[r] ?? 'link') === 'link');
    links.replaceChildren(
      make('p', { textContent: `Encrypted with Microsoft Purview Message Encryption${ome.revoked ? ' — revoked' : ''}.` }),
      ...portal.map((recipient) => {
        const href = `${this.config.simOrigin}/ome/view/${encodeURIComponent(message.internetMessageId)}?recipient=${encodeURIComponent(recipient)}`;
        return make('p', {}, make('a', { href, target: '_blank', rel: 'noopener', textContent: `Open the OME portal as ${recipient} sees it` }));
      }),
    );
  }

  /** Part 2 of the browser host's protocol: user, theme and the selected message. */
  private sendToPane(): void {
    const target = this.pane.contentWindow;
    if (!target || !this.paneReady) return;
    const origin = window.location.origin;
    const address = this.account?.username;
    if (address) target.postMessage({ type: 'retract:user', user: { displayName: this.nameOf(address), email: address, loginHint: address } }, origin);
    target.postMessage({ type: 'retract:theme', theme: this.theme }, origin);
    const m = this.selected;
    target.postMessage(
      {
        type: 'retract:message',
        message: m
          ? {
              internetMessageId: m.internetMessageId,
              subject: m.subject,
              from: this.addressOf(m.from),
              to: m.toRecipients.map((a) => this.addressOf(a)),
              cc: [],
              date: m.receivedDateTime,
              conversationId: m.conversationId,
              messageId: m.id,
            }
          : null,
      },
      origin,
    );
  }
}

function teamsTheme(theme: Theme): TeamsTheme {
  return theme === 'light' ? 'default' : theme;
}

async function main(): Promise<void> {
  document.head.append(make('style', { textContent: harnessCss }));
  try {
    const [config, paneConfig] = await Promise.all([getJson(HARNESS_CONFIG_PATH).then((c) => harnessConfigSchema.parse(c)), loadConfig()]);
    const msal = await createStandardPublicClientApplication(msalConfiguration(paneConfig, window.location.origin));
    await new Harness(config, paneConfig, msal).start();
  } catch (error) {
    el('who').textContent = `The harness could not start: ${error instanceof Error ? error.message : String(error)}`;
  }
}

void main();
