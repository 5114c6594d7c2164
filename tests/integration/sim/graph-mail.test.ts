/**
 * Graph v1.0 mail endpoints of the simulated tenant, driven by the real
 * @microsoft/microsoft-graph-client over HTTPS with tokens from the simulator's token endpoint.
 */
import type { Client, GraphError } from '@microsoft/microsoft-graph-client';
import { copyOf, startGraphHarness, type GraphHarness } from './graph-harness';

let h: GraphHarness;
let client: Client;
let immutable: Client;

beforeAll(async () => {
  h = await startGraphHarness();
  client = h.client();
  immutable = h.client({ immutable: true });
});
afterAll(async () => {
  await h.close();
});

const q = (s: string) => s.replace(/'/g, "''");

async function graphError(p: Promise<unknown>): Promise<GraphError> {
  try {
    await p;
  } catch (e) {
    return e as GraphError;
  }
  throw new Error('the call succeeded');
}

interface Msg {
  id: string;
  subject: string;
  internetMessageId: string;
  conversationId: string;
  conversationIndex: string;
  parentFolderId: string;
  internetMessageHeaders?: { name: string; value: string }[];
  singleValueExtendedProperties?: { id: string; value: string }[];
  bccRecipients: { emailAddress: { address: string } }[];
  toRecipients: { emailAddress: { address: string } }[];
  from: { emailAddress: { address: string } };
}

describe('finding messages', () => {
  it('finds every copy of the phish by internetMessageId, one per mailbox, groups expanded once', async () => {
    const phish = await copyOf(h, 'megan@contoso.com', 'phish');
    const mailboxes = ['alex', 'isaiah', 'lidia', 'adele', 'patti', 'lee', 'megan', 'diego', 'grady', 'henrietta', 'irvin', 'johanna', 'joni'];
    for (const u of mailboxes) {
      const res = (await client.api(`/users/${u}@contoso.com/messages`).filter(`internetMessageId eq '${q(phish.internetMessageId)}'`).select('id,internetMessageId,conversationId').get()) as { value: Msg[] };
      expect(res.value).toHaveLength(1);
      expect(res.value[0]!.internetMessageId).toBe(phish.internetMessageId);
      expect(res.value[0]!.conversationId).toBe(phish.conversationId);
    }
    // Megan is in Sales and Finance (both under All Staff): still one copy.
    const all = await h.raw('GET', '/_sim/mailboxes/megan@contoso.com/messages', { token: null });
    expect((all.json as { ref: string }[]).filter((m) => m.ref === 'phish')).toHaveLength(1);
  });

  it('gives received copies Thread-Index, In-Reply-To and References headers, and the Sent Items copy none', async () => {
    const order = await copyOf(h, 'adele@contoso.com', 'order', 'sentitems');
    const reply = await copyOf(h, 'adele@contoso.com', 'order-reply');
    const phish = await copyOf(h, 'adele@contoso.com', 'phish');
    const got = (await client.api(`/users/adele@contoso.com/messages/${phish.id}`).select('internetMessageHeaders,conversationIndex,conversationId').get()) as Msg;
    const headers = new Map(got.internetMessageHeaders!.map((x) => [x.name, x.value]));
    expect(headers.get('In-Reply-To')).toBe(reply.internetMessageId);
    expect(headers.get('References')).toBe(`${order.internetMessageId} ${reply.internetMessageId}`);
    expect(headers.get('Message-ID')).toBe(phish.internetMessageId);
    // The phish continues the order thread: 22-byte header + one block per reply.
    const index = Buffer.from(headers.get('Thread-Index')!, 'base64');
    expect(index.length).toBe(22 + 5 * 2);
    expect(got.conversationId).toBe(order.conversationId);

    const sent = (await client.api(`/users/adele@contoso.com/messages/${order.id}`).select('internetMessageHeaders,conversationIndex').get()) as Msg;
    expect(sent.internetMessageHeaders).toBeUndefined();
    expect(Buffer.from(sent.conversationIndex, 'base64').length).toBe(22);
  });

  it('exposes In-Reply-To and References of a Sent Items reply only as extended properties', async () => {
    const re = await copyOf(h, 'grady@contoso.com', 're1', 'sentitems');
    const fwd2 = await copyOf(h, 'grady@contoso.com', 'fwd2');
    const got = (await client
      .api(`/users/grady@contoso.com/messages/${re.id}`)
      .expand("singleValueExtendedProperties($filter=id eq 'String 0x1042' or id eq 'String 0x1039')")
      .select('id,subject,internetMessageHeaders')
      .get()) as Msg;
    expect(got.internetMessageHeaders).toBeUndefined();
    const props = new Map(got.singleValueExtendedProperties!.map((p) => [p.id, p.value]));
    expect(props.get('String 0x1042')).toBe(fwd2.internetMessageId);
    expect(props.get('String 0x1039')!.split(' ').slice(-1)[0]).toBe(fwd2.internetMessageId);
    expect(props.size).toBe(2);
  });

  it('gives a forward no In-Reply-To but continues the thread', async () => {
    const fwd = await copyOf(h, 'diego@contoso.com', 'fwd1');
    const phish = await copyOf(h, 'diego@contoso.com', 'phish');
    const got = (await client.api(`/users/diego@contoso.com/messages/${fwd.id}`).select('internetMessageHeaders,conversationIndex').get()) as Msg;
    const names = got.internetMessageHeaders!.map((x) => x.name);
    expect(names).not.toContain('In-Reply-To');
    expect(names).toContain('Thread-Index');
    const phishMsg = (await client.api(`/users/diego@contoso.com/messages/${phish.id}`).select('conversationIndex').get()) as Msg;
    const parent = Buffer.from(phishMsg.conversationIndex, 'base64');
    const child = Buffer.from(got.conversationIndex, 'base64');
    expect(child.length).toBe(parent.length + 5);
    expect(child.subarray(0, parent.length).equals(parent)).toBe(true);
  });

  it('keeps the Bcc on the sender copy only, and gives external and no-mailbox addresses nothing', async () => {
    const note = await copyOf(h, 'patti@contoso.com', 'partners-note', 'sentitems');
    const sent = (await client.api(`/users/patti@contoso.com/messages/${note.id}`).get()) as Msg;
    expect(sent.toRecipients.map((r) => r.emailAddress.address)).toEqual(['partners@contoso-partners.com', 'nora@contoso.com']);
    const nora = await h.raw('GET', '/_sim/mailboxes/nora@contoso.com/messages', { token: null });
    expect(nora.json).toEqual([]);
    const bianca = await copyOf(h, 'bianca@contoso-partners.com', 'partners-note');
    const received = (await client.api(`/users/bianca@contoso-partners.com/messages/${bianca.id}`).get()) as Msg;
    expect(received.bccRecipients).toEqual([]);
  });

  it('filters on conversationId and date ranges combined with and, ordered by date when the filter leads with it', async () => {
    const order = await copyOf(h, 'adele@contoso.com', 'order', 'sentitems');
    const res = (await client
      .api('/users/adele@contoso.com/messages')
      .filter(`receivedDateTime ge 2000-01-01T00:00:00Z and conversationId eq '${q(order.conversationId)}'`)
      .orderby('receivedDateTime desc')
      .select('subject,receivedDateTime,conversationId')
      .get()) as { value: (Msg & { receivedDateTime: string })[] };
    expect(res.value.length).toBeGreaterThanOrEqual(4);
    for (const m of res.value) expect(m.conversationId).toBe(order.conversationId);
    const times = res.value.map((m) => Date.parse(m.receivedDateTime));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const none = (await client.api('/users/adele@contoso.com/messages').filter(`sentDateTime lt 2000-01-01T00:00:00Z and conversationId eq '${q(order.conversationId)}'`).get()) as { value: Msg[] };
    expect(none.value).toEqual([]);
  });

  it('refuses $orderby on a property the filter does not lead with: InefficientFilter', async () => {
    const e = await graphError(client.api('/users/adele@contoso.com/messages').filter("subject eq 'x'").orderby('receivedDateTime desc').get());
    expect(e.statusCode).toBe(400);
    expect(e.code).toBe('InefficientFilter');
  });

  it('answers a malformed literal with 400, never a wider match', async () => {
    const phish = await copyOf(h, 'adele@contoso.com', 'phish');
    const unescaped = `internetMessageId eq '${phish.internetMessageId.slice(0, 5)}' or '1' eq '1'`;
    const r1 = await h.raw('GET', `/v1.0/users/adele@contoso.com/messages?$filter=${encodeURIComponent("internetMessageId eq '<it's@x>'")}`);
    expect(r1.status).toBe(400);
    expect((r1.json as { error: { code: string } }).error.code).toBe('BadRequest');
    const r2 = await h.raw('GET', `/v1.0/users/adele@contoso.com/messages?$filter=${encodeURIComponent(unescaped)}`);
    expect(r2.status).toBe(400);
    const r3 = await h.raw('GET', `/v1.0/users/adele@contoso.com/messages?$filter=${encodeURIComponent("internetMessageId eq '<never")}`);
    expect(r3.status).toBe(400);
    // A doubled quote is a quote: the literal matches exactly that id and nothing else.
    const sent = await h.raw('POST', '/_sim/mail', { token: null, body: { op: 'send', ref: 'quoted', as: 'lee@contoso.com', to: ['adele@contoso.com'], internetMessageId: "<it's=\"odd\"@contoso.com>", subject: 'quoted' } });
    expect(sent.status).toBe(200);
    const found = (await client.api('/users/adele@contoso.com/messages').filter(`internetMessageId eq '${q("<it's=\"odd\"@contoso.com>")}'`).get()) as { value: Msg[] };
    expect(found.value.map((m) => m.subject)).toEqual(['quoted']);
  });

  it('refuses $filter on internetMessageHeaders and unknown $select properties', async () => {
    const e = await graphError(client.api('/users/adele@contoso.com/messages').filter("internetMessageHeaders eq 'x'").get());
    expect(e.statusCode).toBe(400);
    const e2 = await graphError(client.api('/users/adele@contoso.com/messages').select('nosuchproperty').get());
    expect(e2.statusCode).toBe(400);
  });

  it('pages with @odata.nextLink (default 10, $top up to 1000), following the whole link', async () => {
    const ops = Array.from({ length: 23 }, (_, i) => ({ op: 'send', ref: `page-${i}`, as: 'lynne@contoso.com', to: ['miriam@contoso.com'], subject: `page ${i}` }));
    expect((await h.raw('POST', '/_sim/mail', { token: null, body: ops })).status).toBe(200);
    const first = (await client.api('/users/miriam@contoso.com/mailFolders/inbox/messages').select('subject').get()) as { value: Msg[]; '@odata.nextLink'?: string };
    expect(first.value).toHaveLength(10);
    const seen = first.value.map((m) => m.subject);
    let link = first['@odata.nextLink'];
    while (link) {
      const page = (await client.api(link).get()) as { value: Msg[]; '@odata.nextLink'?: string };
      seen.push(...page.value.map((m) => m.subject));
      link = page['@odata.nextLink'];
    }
    expect(new Set(seen).size).toBe(23);
    const big = (await client.api('/users/miriam@contoso.com/messages').top(1000).get()) as { value: Msg[]; '@odata.nextLink'?: string };
    expect(big.value.length).toBe(23);
    expect(big['@odata.nextLink']).toBeUndefined();
    const e = await graphError(client.api('/users/miriam@contoso.com/messages').top(1001).get());
    expect(e.statusCode).toBe(400);
  });
});

describe('changing messages', () => {
  it('moves a message: the id changes without Prefer IdType, the old id is ErrorItemNotFound', async () => {
    const c = await copyOf(h, 'henrietta@contoso.com', 'phish');
    const list = (await client.api('/users/henrietta@contoso.com/messages').filter(`internetMessageId eq '${q(c.internetMessageId)}'`).select('id').get()) as { value: Msg[] };
    const restId = list.value[0]!.id;
    expect(restId).not.toBe(c.id);
    const moved = (await client.api(`/users/henrietta@contoso.com/messages/${restId}/move`).post({ destinationId: 'junkemail' })) as Msg;
    expect(moved.id).not.toBe(restId);
    const e = await graphError(client.api(`/users/henrietta@contoso.com/messages/${restId}`).get());
    expect(e.statusCode).toBe(404);
    expect(e.code).toBe('ErrorItemNotFound');
    const folder = (await client.api('/users/henrietta@contoso.com/mailFolders/junkemail').get()) as { id: string; displayName: string; totalItemCount: number };
    expect(moved.parentFolderId).toBe(folder.id);
    expect(folder.displayName).toBe('Junk Email');
    // The immutable id still finds it.
    const again = (await immutable.api(`/users/henrietta@contoso.com/messages/${c.id}`).get()) as Msg;
    expect(again.id).toBe(c.id);
  });

  it('keeps immutable ids across moves with Prefer: IdType="ImmutableId" (DestinationId accepted too)', async () => {
    const c = await copyOf(h, 'irvin@contoso.com', 'phish');
    const moved = (await immutable.api(`/users/irvin@contoso.com/messages/${c.id}/move`).post({ DestinationId: 'deleteditems' })) as Msg;
    expect(moved.id).toBe(c.id);
    const back = (await immutable.api(`/users/irvin@contoso.com/messages/${c.id}/move`).post({ destinationId: 'inbox' })) as Msg;
    expect(back.id).toBe(c.id);
    const after = await copyOf(h, 'irvin@contoso.com', 'phish');
    expect(after.folder).toBe('inbox');
  });

  it('soft-deletes to Recoverable Items (still movable back), and permanentDelete makes it gone', async () => {
    const c = await copyOf(h, 'johanna@contoso.com', 'phish');
    await immutable.api(`/users/johanna@contoso.com/messages/${c.id}`).delete();
    expect((await copyOf(h, 'johanna@contoso.com', 'phish')).folder).toBe('recoverableitemsdeletions');
    const listed = (await immutable.api('/users/johanna@contoso.com/messages').filter(`internetMessageId eq '${q(c.internetMessageId)}'`).get()) as { value: Msg[] };
    expect(listed.value).toEqual([]);
    const inDeletions = (await immutable.api('/users/johanna@contoso.com/mailFolders/recoverableitemsdeletions/messages').get()) as { value: Msg[] };
    expect(inDeletions.value.map((m) => m.id)).toContain(c.id);
    await immutable.api(`/users/johanna@contoso.com/messages/${c.id}/move`).post({ destinationId: 'inbox' });
    await immutable.api(`/users/johanna@contoso.com/messages/${c.id}/permanentDelete`).post({});
    expect((await copyOf(h, 'johanna@contoso.com', 'phish')).folder).toBe('recoverableitemspurges');
    const e = await graphError(immutable.api(`/users/johanna@contoso.com/messages/${c.id}`).get());
    expect(e.code).toBe('ErrorItemNotFound');
    const e2 = await graphError(immutable.api(`/users/johanna@contoso.com/messages/${c.id}`).delete());
    expect(e2.statusCode).toBe(404);
  });

  it('answers ErrorInvalidIdMalformed for an id that cannot be one, and ErrorItemNotFound for another mailbox\'s id', async () => {
    const e = await graphError(client.api('/users/adele@contoso.com/messages/not-an-id').get());
    expect(e.statusCode).toBe(400);
    expect(e.code).toBe('ErrorInvalidIdMalformed');
    const megans = await copyOf(h, 'megan@contoso.com', 'phish');
    const e2 = await graphError(client.api(`/users/adele@contoso.com/messages/${megans.id}`).get());
    expect(e2.statusCode).toBe(404);
    expect(e2.code).toBe('ErrorItemNotFound');
  });

  it('answers MailboxNotEnabledForRESTAPI for an unreachable mailbox (which still received mail) and for no mailbox', async () => {
    const otto = await h.raw('GET', '/_sim/mailboxes/otto@contoso.com/messages', { token: null });
    expect((otto.json as { ref: string }[]).some((m) => m.ref === 'phish')).toBe(true);
    const e = await graphError(client.api('/users/otto@contoso.com/messages').get());
    expect(e.statusCode).toBe(404);
    expect(e.code).toBe('MailboxNotEnabledForRESTAPI');
    const e2 = await graphError(client.api('/users/nora@contoso.com/messages').get());
    expect(e2.code).toBe('MailboxNotEnabledForRESTAPI');
    const e3 = await graphError(client.api('/users/nobody@contoso.com/messages').get());
    expect(e3.statusCode).toBe(404);
  });
});

describe('sending', () => {
  it('sendMail delivers a copy to each internal recipient and one to Sent Items', async () => {
    await client.api('/users/pradeep@contoso.com/sendMail').post({
      message: { subject: 'sendMail test', body: { contentType: 'Text', content: 'hi' }, toRecipients: [{ emailAddress: { address: 'sales@contoso.com' } }], bccRecipients: [{ emailAddress: { address: 'debra@contoso.com' } }, { emailAddress: { address: 'x@gmail.com' } }] },
    });
    const sent = (await client.api('/users/pradeep@contoso.com/mailFolders/sentitems/messages').filter("subject eq 'sendMail test'").get()) as { value: Msg[] };
    expect(sent.value).toHaveLength(1);
    expect(sent.value[0]!.bccRecipients.map((r) => r.emailAddress.address)).toEqual(['debra@contoso.com', 'x@gmail.com']);
    const imid = sent.value[0]!.internetMessageId;
    for (const u of ['megan', 'diego', 'grady', 'henrietta', 'irvin', 'debra']) {
      const got = (await client.api(`/users/${u}@contoso.com/messages`).filter(`internetMessageId eq '${q(imid)}'`).get()) as { value: Msg[] };
      expect(got.value).toHaveLength(1);
      expect(got.value[0]!.bccRecipients).toEqual([]);
    }
  });

  it('reply goes to the sender, replyAll to the sender and the others, forward to whom it names', async () => {
    const c = await copyOf(h, 'lee@contoso.com', 'welcome');
    await immutable.api(`/users/lee@contoso.com/messages/${c.id}/reply`).post({ comment: 'thanks' });
    const inAlex = (await client.api('/users/alex@contoso.com/messages').filter("subject eq 'RE: Welcome to the new quarter'").select('id,internetMessageHeaders,from').get()) as { value: Msg[] };
    expect(inAlex.value).toHaveLength(1);
    const hdr = new Map(inAlex.value[0]!.internetMessageHeaders!.map((x) => [x.name, x.value]));
    expect(hdr.get('In-Reply-To')).toBe(c.internetMessageId);
    expect(inAlex.value[0]!.from.emailAddress.address).toBe('lee@contoso.com');

    await immutable.api(`/users/lee@contoso.com/messages/${c.id}/forward`).post({ comment: 'fyi', toRecipients: [{ emailAddress: { address: 'emily@contoso.com', name: 'Emily' } }] });
    const inEmily = (await client.api('/users/emily@contoso.com/messages').filter("subject eq 'FW: Welcome to the new quarter'").select('id,internetMessageHeaders').get()) as { value: Msg[] };
    expect(inEmily.value).toHaveLength(1);
    expect(inEmily.value[0]!.internetMessageHeaders!.some((x) => x.name === 'In-Reply-To')).toBe(false);

    const r = await copyOf(h, 'megan@contoso.com', 'order');
    await immutable.api(`/users/megan@contoso.com/messages/${r.id}/replyAll`).post({ comment: 'me too' });
    const sent = (await client.api('/users/megan@contoso.com/mailFolders/sentitems/messages').filter("subject eq 'RE: Order 4471 - delivery schedule'").get()) as { value: Msg[] };
    expect(sent.value).toHaveLength(1);
    expect(sent.value[0]!.toRecipients.map((x) => x.emailAddress.address)).toEqual(['adele@contoso.com', 'orders@fabrikam.example']);
  });

  it('marks a message read with PATCH, which the folder counts see', async () => {
    const c = await copyOf(h, 'patti@contoso.com', 'welcome', 'inbox');
    const before = (await client.api('/users/patti@contoso.com/mailFolders/inbox').get()) as { unreadItemCount: number };
    const patched = (await immutable.api(`/users/patti@contoso.com/messages/${c.id}`).patch({ isRead: true })) as Msg & { isRead: boolean };
    expect(patched.isRead).toBe(true);
    const after = (await client.api('/users/patti@contoso.com/mailFolders/inbox').get()) as { unreadItemCount: number };
    expect(after.unreadItemCount).toBe(before.unreadItemCount - 1);
  });

  it('lists mail folders and gets one by well-known name', async () => {
    const folders = (await client.api('/users/adele@contoso.com/mailFolders').get()) as { value: { displayName: string }[] };
    expect(folders.value.map((f) => f.displayName)).toEqual(expect.arrayContaining(['Inbox', 'Sent Items', 'Deleted Items', 'Junk Email']));
    const rec = (await client.api('/users/adele@contoso.com/mailFolders/recoverableitemsdeletions').get()) as { displayName: string };
    expect(rec.displayName).toBe('Deletions');
  });
});
