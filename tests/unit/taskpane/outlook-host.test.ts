/// <reference types="office-js" />
// The Outlook adapter driven by office-addin-mock: what the pane reads from the open item, how a
// pinned pane follows ItemChanged, and the explanation for items it cannot act on.
import { OfficeMockObject } from 'office-addin-mock';

// office-addin-mock needs only the OfficeApp names from office-addin-manifest, whose import chain
// loads an ES-module-only package that jest (CommonJS) cannot require.
jest.mock('office-addin-manifest', () => ({
  OfficeApp: { Excel: 'excel', OneNote: 'onenote', Outlook: 'outlook', PowerPoint: 'powerpoint', Project: 'project', Word: 'word' },
}));
import { createOutlookHost, resetOutlookForTests } from '../../../src/taskpane/hosts/outlook';

type Handler = () => void;

const phish = {
  itemType: 'message',
  itemClass: 'IPM.Note',
  itemId: 'AAMkAD/ews+id=',
  internetMessageId: '<phish-1@evil.example>',
  conversationId: 'AAQkAD-conv',
  subject: 'RE: Order',
  from: { displayName: 'Attacker', emailAddress: 'attacker@evil.example' },
  to: [{ displayName: 'All staff', emailAddress: 'all@contoso.com' }],
  cc: [{ displayName: 'Megan', emailAddress: 'megan@contoso.com' }],
  dateTimeCreated: new Date('2026-11-20T09:30:00Z'),
};

function installOffice(options: { item: object | null; sets?: string[]; background?: string }) {
  const handlers: Record<string, Handler> = {};
  const restIds: string[] = [];
  const sets = new Set(options.sets ?? ['Mailbox 1.5', 'NestedAppAuth 1.1']);
  const mock = new OfficeMockObject({
    onReady: () => Promise.resolve({ host: 'Outlook', platform: 'OfficeOnline' }),
    AsyncResultStatus: { Succeeded: 'succeeded', Failed: 'failed' },
    EventType: { ItemChanged: 'olkItemSelectedChanged' },
    MailboxEnums: { ItemType: { Message: 'message', Appointment: 'appointment' }, RestVersion: { v2_0: 'v2.0' } },
    context: {
      officeTheme: { bodyBackgroundColor: options.background ?? '#ffffff' },
      requirements: { isSetSupported: (name: string, version: string) => sets.has(`${name} ${version}`) },
      ui: { openBrowserWindow: () => undefined },
      mailbox: {
        item: {},
        userProfile: { displayName: 'Adele Vance', emailAddress: 'adele@contoso.com' },
        convertToRestId: (id: string) => {
          restIds.push(id);
          return id.replace(/\//g, '-').replace(/\+/g, '_');
        },
        addHandlerAsync: (type: string, handler: Handler, callback: (r: { status: string }) => void) => {
          handlers[type] = handler;
          callback({ status: 'succeeded' });
        },
      },
    },
    // office-addin-mock's Outlook mode: values are readable without load()/sync().
  }, 'outlook' as never);
  // Items are plain objects (office-addin-mock would wrap them); null means nothing selected.
  (mock as unknown as { context: { mailbox: { setValue(n: string, v: unknown): void } } }).context.mailbox.setValue('item', options.item);
  (globalThis as unknown as { Office: unknown }).Office = mock;
  const mailbox = (mock as unknown as { context: { mailbox: { setValue(n: string, v: unknown): void } } }).context.mailbox;
  return { handlers, restIds, select: (item: object | null) => mailbox.setValue('item', item) };
}

afterEach(() => {
  resetOutlookForTests();
  delete (globalThis as unknown as { Office?: unknown }).Office;
});

describe('Outlook host', () => {
  it('reads the open message: internetMessageId, conversation, subject, from, to, cc, date and REST id', async () => {
    const office = installOffice({ item: phish });
    const host = await createOutlookHost();
    expect(host.kind).toBe('outlook');
    expect(host.message()).toEqual({
      kind: 'message',
      message: {
        internetMessageId: '<phish-1@evil.example>',
        conversationId: 'AAQkAD-conv',
        messageId: 'AAMkAD-ews_id=',
        subject: 'RE: Order',
        from: { name: 'Attacker', address: 'attacker@evil.example' },
        to: [{ name: 'All staff', address: 'all@contoso.com' }],
        cc: [{ name: 'Megan', address: 'megan@contoso.com' }],
        date: '2026-11-20T09:30:00.000Z',
        itemType: 'message',
      },
    });
    expect(office.restIds).toEqual(['AAMkAD/ews+id=']);
    expect(host.user()).toEqual({ displayName: 'Adele Vance', email: 'adele@contoso.com', loginHint: 'adele@contoso.com' });
    expect(host.capabilities).toEqual({ nestedAppAuth: true, followsSelection: true, openMessage: true });
    expect(host.theme()).toBe('light');
  });

  it('a pinned pane follows ItemChanged to the newly selected message, and to no selection', async () => {
    const office = installOffice({ item: phish });
    const host = await createOutlookHost();
    const seen: string[] = [];
    host.onMessageChange((s) => seen.push(s.kind === 'message' ? s.message.subject : s.reason));
    office.select({ ...phish, internetMessageId: '<other@contoso.com>', subject: 'Lunch', itemId: 'B' });
    office.handlers.olkItemSelectedChanged?.();
    expect(host.message()).toMatchObject({ kind: 'message', message: { internetMessageId: '<other@contoso.com>', subject: 'Lunch' } });
    office.select(null);
    office.handlers.olkItemSelectedChanged?.();
    expect(seen).toEqual(['Lunch', 'no-item']);
  });

  it('explains drafts, meeting requests, appointments and an empty selection instead of acting', async () => {
    const cases: [object | null, string][] = [
      [null, 'no-item'],
      [{ itemType: 'message', itemClass: 'IPM.Note', subject: { getAsync: () => undefined } }, 'draft'],
      [{ ...phish, itemClass: 'IPM.Schedule.Meeting.Request' }, 'meeting'],
      [{ ...phish, itemType: 'appointment', itemClass: 'IPM.Appointment' }, 'meeting'],
      [{ ...phish, itemClass: 'IPM.Post' }, 'not-a-message'],
    ];
    for (const [item, reason] of cases) {
      installOffice({ item });
      resetOutlookForTests();
      const host = await createOutlookHost();
      expect(host.message()).toEqual({ kind: 'none', reason });
    }
  });

  it('without NestedAppAuth 1.1 or Mailbox 1.5 it says so, and a dark Office theme is dark', async () => {
    const office = installOffice({ item: phish, sets: [], background: '#1f1f1f' });
    const host = await createOutlookHost();
    expect(host.capabilities.nestedAppAuth).toBe(false);
    expect(host.capabilities.followsSelection).toBe(false);
    expect(office.handlers.olkItemSelectedChanged).toBeUndefined();
    expect(host.theme()).toBe('dark');
  });
});
