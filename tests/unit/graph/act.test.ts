/**
 * The job's per-item rules on a canned Graph: re-read first and leave an item alone if it now
 * holds another message; already there is done; found nowhere is already-gone; a refused move
 * into Recoverable Items falls back to DELETE; the folder each item came from is recorded.
 */
import { act, undo } from '../../../src/graph';
import { cannedGateway, type CannedCall } from './canned-graph';

const IMID = '<p@evil.example>';
const FOLDERS: Record<string, string> = { inbox: 'F-INBOX', sentitems: 'F-SENT', recoverableitemsdeletions: 'F-RID', junkemail: 'F-JUNK' };
const messages: Record<string, { internetMessageId: string; parentFolderId: string } | undefined> = {
  m1: { internetMessageId: IMID, parentFolderId: 'F-INBOX' },
  m2: { internetMessageId: IMID, parentFolderId: 'F-RID' },
  m3: { internetMessageId: '<someone-else@contoso.com>', parentFolderId: 'F-INBOX' },
  m4: undefined,
  m5: { internetMessageId: IMID, parentFolderId: 'F-CUSTOM' },
};

function graph(refuseMove: boolean) {
  return cannedGateway((c: CannedCall) => {
    if (c.url.startsWith('/users?')) return { status: 200, body: { value: [{ id: 'U1', mail: 'adele@contoso.com', proxyAddresses: ['SMTP:adele@contoso.com'] }] } };
    const folder = /^\/users\/U1\/mailFolders\/(\w+)\?/.exec(c.url);
    if (folder) return FOLDERS[folder[1]!] ? { status: 200, body: { id: FOLDERS[folder[1]!] } } : { status: 404, body: { error: { code: 'ErrorFolderNotFound' } } };
    const get = /^\/users\/U1\/messages\/(\w+)\?/.exec(c.url);
    if (get && c.method === 'GET') {
      const m = messages[get[1]!];
      return m ? { status: 200, body: { id: get[1], ...m } } : { status: 404, body: { error: { code: 'ErrorItemNotFound', message: 'Not found.' } } };
    }
    const move = /^\/users\/U1\/messages\/(\w+)\/move$/.exec(c.url);
    if (move) {
      if (refuseMove) return { status: 400, body: { error: { code: 'ErrorMoveCopyFailed', message: 'The move could not be done.' } } };
      return { status: 201, body: { id: move[1], internetMessageId: IMID, parentFolderId: 'F-DEST' } };
    }
    if (c.method === 'DELETE') return { status: 204 };
    return { status: 500, body: { error: { code: 'Unexpected', message: c.url } } };
  });
}

const items = ['m1', 'm2', 'm3', 'm4', 'm5'].map((messageId) => ({ mailbox: 'adele@contoso.com', messageId, internetMessageId: IMID }));

it('soft-delete: moves each item still in the mailbox, counts one already in Recoverable Items as done without moving it, leaves a changed item alone', async () => {
  const { gateway, graph: g } = graph(false);
  const results = await act(gateway, items, 'soft-delete');
  expect(results.map((r) => [r.messageId, r.outcome, r.fromFolder ?? null])).toEqual([
    ['m1', 'done', 'F-INBOX'],
    ['m2', 'done', 'recoverableitemsdeletions'],
    ['m3', 'failed', null],
    ['m4', 'already-gone', null],
    ['m5', 'done', 'F-CUSTOM'],
  ]);
  expect(results[2]!.error).toBe(`The item in adele@contoso.com no longer holds the message ${IMID}, so it was left alone. Run a new lookup.`);
  const moves = g.items.filter((c) => c.url.endsWith('/move'));
  expect(moves.map((c) => [c.url, c.body])).toEqual([
    ['/users/U1/messages/m1/move', { destinationId: 'recoverableitemsdeletions' }],
    ['/users/U1/messages/m5/move', { destinationId: 'recoverableitemsdeletions' }],
  ]);
  // One folder read for the mailbox (the destination's id), sent with the re-reads rather than in a round of its own.
  const folderReads = g.items.filter((c) => c.url.includes('/mailFolders/'));
  expect(folderReads.map((c) => c.url)).toEqual(['/users/U1/mailFolders/recoverableitemsdeletions?$select=id']);
  const readBatch = g.http.find((h) => h.url === '/$batch' && JSON.stringify(h.body).includes('/mailFolders/'));
  expect((readBatch!.body as { requests: Array<{ url: string }> }).requests.map((r) => r.url)).toContain('/users/U1/messages/m5?$select=id,internetMessageId,parentFolderId,conversationId');
});

it('a work item run again by a new process (its first worker died after moving) moves nothing a second time', async () => {
  // The first process moved m1 into Recoverable Items and died before recording it.
  let m1Folder = 'F-INBOX';
  const answer = (c: CannedCall) => {
    if (c.url.startsWith('/users?')) return { status: 200, body: { value: [{ id: 'U1', mail: 'adele@contoso.com', proxyAddresses: ['SMTP:adele@contoso.com'] }] } };
    if (c.url.startsWith('/users/U1/mailFolders/recoverableitemsdeletions?')) return { status: 200, body: { id: 'F-RID' } };
    if (c.method === 'GET' && c.url.startsWith('/users/U1/messages/m1?')) return { status: 200, body: { id: 'm1', internetMessageId: IMID, parentFolderId: m1Folder } };
    if (c.url === '/users/U1/messages/m1/move') {
      m1Folder = 'F-RID';
      return { status: 201, body: { id: 'm1', internetMessageId: IMID, parentFolderId: 'F-RID' } };
    }
    return { status: 500, body: { error: { code: 'Unexpected', message: c.url } } };
  };
  const first = cannedGateway(answer);
  expect((await act(first.gateway, items.slice(0, 1), 'soft-delete'))[0]!.outcome).toBe('done');
  const second = cannedGateway(answer);
  const again = await act(second.gateway, items.slice(0, 1), 'soft-delete');
  expect(again).toEqual([{ mailbox: 'adele@contoso.com', messageId: 'm1', outcome: 'done', fromFolder: 'recoverableitemsdeletions' }]);
  expect(second.graph.items.filter((c) => c.url.endsWith('/move'))).toEqual([]);
  // The destination's id is read once per mailbox and process, not once per call.
  await act(second.gateway, items.slice(0, 1), 'soft-delete');
  expect(second.graph.items.filter((c) => c.url.includes('/mailFolders/'))).toHaveLength(1);
});

it('hard-delete reads no folder: a purged item is told by being gone', async () => {
  const { gateway, graph: g } = graph(false);
  await act(gateway, items.slice(0, 1), 'hard-delete');
  expect(g.items.filter((c) => c.url.includes('/mailFolders/'))).toEqual([]);
});

it('soft-delete falls back to DELETE (which also stays recoverable) where the move is refused', async () => {
  const { gateway, graph: g } = graph(true);
  const results = await act(gateway, items.slice(0, 1), 'soft-delete');
  expect(results).toEqual([{ mailbox: 'adele@contoso.com', messageId: 'm1', outcome: 'done', fromFolder: 'F-INBOX' }]);
  expect(g.items.filter((c) => c.method === 'DELETE').map((c) => c.url)).toEqual(['/users/U1/messages/m1']);
});

it('a refused move-to-junk is a failure with the reason, never a delete', async () => {
  const { gateway, graph: g } = graph(true);
  const [r] = await act(gateway, items.slice(0, 1), 'move-to-junk');
  expect(r!.outcome).toBe('failed');
  expect(r!.error).toMatch(/^Microsoft Graph answered 400 while moving the message \(ErrorMoveCopyFailed/);
  expect(g.items.filter((c) => c.method === 'DELETE')).toEqual([]);
});

it('undo moves each item back to the folder it came from, and one already there is done', async () => {
  const { gateway, graph: g } = graph(false);
  const results = await undo(gateway, [
    { ...items[1]!, restoreTo: 'inbox' },
    { ...items[0]!, restoreTo: 'inbox' },
    { ...items[4]!, restoreTo: 'F-CUSTOM' },
  ]);
  expect(results.map((r) => [r.messageId, r.outcome])).toEqual([
    ['m2', 'done'],
    ['m1', 'done'],
    ['m5', 'done'],
  ]);
  // m1 is already in the Inbox and m5 in its folder (named by id): no move for either.
  expect(g.items.filter((c) => c.url.endsWith('/move')).map((c) => [c.url, c.body])).toEqual([['/users/U1/messages/m2/move', { destinationId: 'inbox' }]]);
  expect(g.items.filter((c) => c.url.includes('/mailFolders/')).map((c) => c.url)).toEqual(['/users/U1/mailFolders/inbox?$select=id']);
});

describe('a change whose answer is lost on the way (no answer within the time limit)', () => {
  /** One mailbox, one item m1 in the Inbox; `made` says whether the lost move really happened. */
  function lossy(made: boolean) {
    let folder = 'F-INBOX';
    let moves = 0;
    const canned = cannedGateway(
      (c: CannedCall) => {
        if (c.url.startsWith('/users?')) return { status: 200, body: { value: [{ id: 'U1', mail: 'adele@contoso.com', proxyAddresses: ['SMTP:adele@contoso.com'] }] } };
        if (c.url.startsWith('/users/U1/mailFolders/recoverableitemsdeletions?')) return { status: 200, body: { id: 'F-RID' } };
        if (c.method === 'GET' && c.url.startsWith('/users/U1/messages/m1?')) {
          return folder === 'gone' ? { status: 404, body: { error: { code: 'ErrorItemNotFound' } } } : { status: 200, body: { id: 'm1', internetMessageId: IMID, parentFolderId: folder } };
        }
        if (c.url === '/users/U1/messages/m1/move') {
          moves++;
          if (moves === 1) {
            if (made) folder = 'F-RID';
            return { status: 201, body: { id: 'm1', internetMessageId: IMID, parentFolderId: 'F-RID' }, delayMs: 60_000 };
          }
          folder = 'F-RID';
          return { status: 201, body: { id: 'm1', internetMessageId: IMID, parentFolderId: 'F-RID' } };
        }
        if (c.url === '/users/U1/messages/m1/permanentDelete') {
          if (made) folder = 'gone';
          return { status: 204, delayMs: 60_000 };
        }
        return { status: 500, body: { error: { code: 'Unexpected', message: c.url } } };
      },
      { timeoutMs: 200 },
    );
    return { ...canned, moves: () => moves };
  }

  it('is not sent again when a re-read shows it was made', async () => {
    const { gateway, moves } = lossy(true);
    expect(await act(gateway, items.slice(0, 1), 'soft-delete')).toEqual([{ mailbox: 'adele@contoso.com', messageId: 'm1', outcome: 'done', fromFolder: 'F-INBOX' }]);
    expect(moves()).toBe(1);
  });

  it('on a first attempt, reads the destination folder only once an answer is lost, with the re-read', async () => {
    const calm = graph(false);
    await act(calm.gateway, items.slice(0, 1), 'soft-delete', { firstAttempt: true });
    expect(calm.graph.items.filter((c) => c.url.includes('/mailFolders/'))).toEqual([]);

    const { gateway, graph: g, moves } = lossy(true);
    expect(await act(gateway, items.slice(0, 1), 'soft-delete', { firstAttempt: true })).toEqual([{ mailbox: 'adele@contoso.com', messageId: 'm1', outcome: 'done', fromFolder: 'F-INBOX' }]);
    expect(moves()).toBe(1);
    const urls = g.items.map((c) => `${c.method} ${c.url.replace(/\?.*$/, '')}`);
    expect(urls.slice(urls.indexOf('POST /users/U1/messages/m1/move') + 1).sort()).toEqual(['GET /users/U1/mailFolders/recoverableitemsdeletions', 'GET /users/U1/messages/m1']);
  });

  it('is sent again, once, when a re-read shows it was not made', async () => {
    const { gateway, moves } = lossy(false);
    expect(await act(gateway, items.slice(0, 1), 'soft-delete')).toEqual([{ mailbox: 'adele@contoso.com', messageId: 'm1', outcome: 'done', fromFolder: 'F-INBOX' }]);
    expect(moves()).toBe(2);
  });

  it('a purge whose answer was lost is done when the item is gone', async () => {
    const { gateway, graph: g } = lossy(true);
    expect(await act(gateway, items.slice(0, 1), 'hard-delete')).toEqual([{ mailbox: 'adele@contoso.com', messageId: 'm1', outcome: 'done', fromFolder: 'F-INBOX' }]);
    expect(g.items.filter((c) => c.url.endsWith('/permanentDelete'))).toHaveLength(1);
  });
});

it('undo on a first attempt reads no folder up front (an item already back is moved onto its own folder, which changes nothing)', async () => {
  const { gateway, graph: g } = graph(false);
  const results = await undo(gateway, [{ ...items[0]!, restoreTo: 'inbox' }], { firstAttempt: true });
  expect(results.map((r) => r.outcome)).toEqual(['done']);
  expect(g.items.filter((c) => c.url.includes('/mailFolders/'))).toEqual([]);
  expect(g.items.filter((c) => c.url.endsWith('/move')).map((c) => c.body)).toEqual([{ destinationId: 'inbox' }]);
});
