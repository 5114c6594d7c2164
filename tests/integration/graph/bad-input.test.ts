/**
 * Bad input never reaches Microsoft: the simulator's request log stays empty while the engine
 * refuses an empty or malformed internetMessageId, a depth outside 0–5 and an unknown action.
 */
import { act, InvalidInputError, lookup } from '../../../src/graph';
import { startScenario, type Scenario } from './scenario-harness';

// The machine is shared: give each step room beyond jest's 5 s default (the integration project's own timeout is not applied per project).
jest.setTimeout(60_000);

let s: Scenario;
beforeAll(async () => {
  s = await startScenario('plain-send');
});
afterAll(async () => {
  await s?.close();
});

it('refuses bad input before any request is sent', async () => {
  const env = { managedDomains: s.managedDomains };
  const bad = [
    { internetMessageId: '', depth: 1 },
    { internetMessageId: 'plain-1@contoso.com', depth: 1 },
    { internetMessageId: '<plain 1@contoso.com>', depth: 1 },
    { internetMessageId: '<plain-1@contoso.com>', depth: 6 },
    { internetMessageId: '<plain-1@contoso.com>', depth: -1 },
  ];
  for (const input of bad) await expect(lookup(s.graph, input, env)).rejects.toBeInstanceOf(InvalidInputError);
  const item = { mailbox: 'megan@contoso.com', messageId: 'AAMkAGI2', internetMessageId: '<plain-1@contoso.com>' };
  // @ts-expect-error: an action outside the four, as a caller outside TypeScript may send it
  await expect(act(s.graph, [item], 'archive')).rejects.toBeInstanceOf(InvalidInputError);
  await expect(act(s.graph, [{ ...item, internetMessageId: '' }], 'soft-delete')).rejects.toBeInstanceOf(InvalidInputError);
  const graphCalls = (await s.requests()).filter((r) => /^\/(v1\.0|adminapi)\//.test(r.path) || /\/oauth2\//.test(r.path));
  expect(graphCalls).toEqual([]);
});
