import { z } from 'zod';
import { act, InvalidInputError, lookup, undo } from '../../../src/graph';
import { BASE, cannedGateway } from './canned-graph';

describe('paging', () => {
  it('follows @odata.nextLink to the end of a list', async () => {
    const { gateway, graph } = cannedGateway((c) => {
      const page = Number(/skip=(\d+)/.exec(c.url)?.[1] ?? 0);
      const body: Record<string, unknown> = { value: [{ id: `u${page}` }, { id: `u${page + 1}` }] };
      if (page < 4) body['@odata.nextLink'] = `${BASE}/users?$select=id&$skip=${page + 2}`;
      return { status: 200, body };
    });
    const res = await gateway.listAll({ method: 'GET', url: '/users?$select=id' }, z.object({ id: z.string() }), 'listing users');
    expect(res.ok && res.value.map((u) => u.id)).toEqual(['u0', 'u1', 'u2', 'u3', 'u4', 'u5']);
    expect(graph.http.map((h) => h.url)).toEqual(['/users?$select=id', '/users?$select=id&$skip=2', '/users?$select=id&$skip=4']);
  });

  it('refuses a next page on another host, so the token never leaves Graph', async () => {
    const { gateway, graph } = cannedGateway(() => ({ status: 200, body: { value: [], '@odata.nextLink': 'https://evil.example/v1.0/users?$skip=2' } }));
    await expect(gateway.listAll({ method: 'GET', url: '/users' }, z.object({ id: z.string() }), 'listing users')).rejects.toThrow(/another host/);
    expect(graph.http).toHaveLength(1);
  });
});

describe('bad input is refused before any request is sent', () => {
  const env = { managedDomains: ['contoso.com'] };
  const cases: Array<[string, { internetMessageId: string; depth: number }]> = [
    ['an empty internetMessageId', { internetMessageId: '', depth: 1 }],
    ['an internetMessageId without brackets', { internetMessageId: 'abc@contoso.com', depth: 1 }],
    ['an internetMessageId with a space', { internetMessageId: '<abc def@contoso.com>', depth: 1 }],
    ['an internetMessageId without @', { internetMessageId: '<abc>', depth: 1 }],
    ['depth 6', { internetMessageId: '<abc@contoso.com>', depth: 6 }],
    ['depth -1', { internetMessageId: '<abc@contoso.com>', depth: -1 }],
    ['depth 1.5', { internetMessageId: '<abc@contoso.com>', depth: 1.5 }],
  ];
  it.each(cases)('lookup refuses %s', async (_name, input) => {
    const { gateway, graph } = cannedGateway(() => ({ status: 200, body: { value: [] } }));
    await expect(lookup(gateway, input, env)).rejects.toBeInstanceOf(InvalidInputError);
    expect(graph.http).toHaveLength(0);
  });

  it('act refuses an unknown action, and an item with a malformed internetMessageId', async () => {
    const { gateway, graph } = cannedGateway(() => ({ status: 200, body: { value: [] } }));
    const item = { mailbox: 'adele@contoso.com', messageId: 'AAMk1', internetMessageId: '<abc@contoso.com>' };
    // @ts-expect-error: an action the type does not allow, as a caller outside TypeScript may send
    await expect(act(gateway, [item], 'shred')).rejects.toThrow(/not an action/);
    await expect(act(gateway, [{ ...item, internetMessageId: 'abc' }], 'soft-delete')).rejects.toBeInstanceOf(InvalidInputError);
    await expect(undo(gateway, [{ ...item, restoreTo: '' }])).rejects.toBeInstanceOf(InvalidInputError);
    expect(graph.http).toHaveLength(0);
  });

  it('quotes a single quote inside the internetMessageId in the $filter, so it cannot end the literal', async () => {
    const { gateway, graph } = cannedGateway(() => ({ status: 200, body: { value: [] } }));
    await gateway.findCopies(['u1'], "<a'b@contoso.com>");
    // Both searches (all folders, and Recoverable Items) carry the doubled quote.
    expect(graph.items).toHaveLength(2);
    for (const item of graph.items) expect(decodeURIComponent(item.url)).toContain("$filter=internetMessageId eq '<a''b@contoso.com>'");
  });
});
