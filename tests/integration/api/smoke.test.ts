import { startStack, type Stack } from './stack';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 60000);
afterAll(async () => {
  await stack?.close();
});

it('answers health without a token and me with one', async () => {
  const h = await stack.call('GET', 'health');
  expect(h.status).toBe(200);
  const admin = await stack.appToken('retract-cli');
  const me = await stack.call('GET', 'me', { token: admin });
  expect(me.status).toBe(200);
  expect(me.body.roles).toEqual(['Retract.Admin']);
  const user = await stack.userToken('alex@contoso.com');
  const me2 = await stack.call('GET', 'me', { token: user });
  expect(me2.status).toBe(200);
  expect(me2.body.user.upn).toBe('alex@contoso.com');
  const lk = await stack.call('POST', 'lookups', { token: admin, body: { internetMessageId: '<nothing@contoso.com>' } });
  expect(lk.status).toBe(200);
  const a = await stack.call('GET', 'audit', { token: admin });
  expect(a.status).toBe(200);
  const v = await stack.call('GET', 'audit/verify', { token: admin });
  expect(v.body.ok).toBe(true);
});
