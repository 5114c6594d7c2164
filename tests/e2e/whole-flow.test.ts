/**
 * The whole product in a real browser: the local stack as `npm start` runs it, the harness page
 * around the real task pane, and Debian's headless Chromium. The flows run in order on one
 * stack (each in a fresh browser profile): an admin retracts the demo phish and undoes it; a
 * sender removes external access from an encrypted message; an auditor reads both in the audit
 * and cannot retract; the Teams tab finds the phish through the trace. axe-core checks each view
 * and a screenshot of each is written to tests/e2e/screenshots/.
 */
import type { Browser, Page } from 'playwright-core';
import type { Stack } from '../../src/dev/stack';
import { frameOf, launchChromium, openHarness, pane, screenshot, selectMessage, seriousViolations, signIn, simMailbox, startE2eStack, teamsTab } from './harness';

const PHISH_SUBJECT = 'RE: Order 4471 - delivery schedule';
const PHISH_FROM = 'orders@fabrikam-invoices.example';
const REVOKED_TEXT = 'The message has been revoked by the sender';

interface Target {
  mailbox: string;
  messageId: string;
  internetMessageId: string;
  folder: string;
  depth: number;
}

let stack: Stack;
let browser: Browser;
let adminLookup: { targets: Target[] } | undefined;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startE2eStack(), launchChromium()]);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function expectAccessible(page: Page, frameSelector: string): Promise<void> {
  expect(await seriousViolations(await frameOf(page, frameSelector))).toEqual([]);
}

/** Find copies at depth 2 in a frame showing the Retract view; returns the lookup the API answered. */
async function findCopiesAtDepth2(page: Page, frame: ReturnType<typeof pane>): Promise<{ targets: Target[] }> {
  const slider = frame.getByRole('slider');
  await slider.focus();
  await slider.press('ArrowRight'); // the default depth is 1
  await frame.getByText('Depth: 2').waitFor();
  const answered = page.waitForResponse((r) => r.url().endsWith('/api/lookups') && r.request().method() === 'POST');
  await frame.getByRole('button', { name: 'Find copies' }).click();
  const response = await answered;
  expect(response.status()).toBe(200);
  const lookup = (await response.json()) as { targets: Target[] };
  const mailboxes = new Set(lookup.targets.map((t) => t.mailbox)).size;
  await frame.getByRole('heading', { name: `${lookup.targets.length} copies in ${mailboxes} mailboxes` }).waitFor();
  return lookup;
}

it('an admin finds copies of the demo phish at depth 2, unticks one mailbox, soft-deletes exactly the rest, and undoes it', async () => {
  const { context, page } = await openHarness(browser, stack);
  await signIn(page, 'alex@contoso.com');
  await selectMessage(page, 'Inbox', PHISH_SUBJECT);
  // The harness's reading pane shows the message as delivered; the pane beside it, the same message.
  await page.getByRole('region', { name: 'Reading pane' }).getByText(/^Please note our new bank details/).waitFor();
  const frame = pane(page);
  await frame.getByText(PHISH_FROM).first().waitFor();

  const lookup = await findCopiesAtDepth2(page, frame);
  adminLookup = lookup;
  // Depth 2 reaches the forward of a forward (megan → diego → grady and finance).
  expect(Math.max(...lookup.targets.map((t) => t.depth))).toBe(2);
  expect(lookup.targets.every((t) => t.messageId && t.mailbox)).toBe(true);
  await screenshot(page, 'outlook-retract-preview');
  await expectAccessible(page, '#pane');

  // Untick every copy in one mailbox that holds a single copy.
  const perMailbox = new Map<string, Target[]>();
  for (const t of lookup.targets) perMailbox.set(t.mailbox, [...(perMailbox.get(t.mailbox) ?? []), t]);
  const [unticked] = [...perMailbox.entries()].find(([mailbox, ts]) => ts.length === 1 && mailbox !== 'alex@contoso.com') ?? [];
  if (!unticked) throw new Error('The demo phish should reach a mailbox with a single copy.');
  for (const box of await frame.getByRole('checkbox', { name: new RegExp(`^Include the copy in ${unticked.replace(/[.@]/g, '\\$&')},`) }).all()) await box.uncheck();
  const ticked = lookup.targets.filter((t) => t.mailbox !== unticked);
  await frame.getByText(`${ticked.length} of ${lookup.targets.length} selected`).waitFor();

  await frame.getByRole('button', { name: 'Retract', exact: true }).click();
  const dialog = frame.getByRole('alertdialog', { name: 'Retract these messages?' });
  await dialog.getByText(`Soft delete (recoverable): ${ticked.length} messages in ${perMailbox.size - 1} mailboxes.`).waitFor();
  await dialog.getByRole('button', { name: 'Retract now' }).click();
  await frame.getByText('Soft delete (recoverable): Completed').waitFor({ timeout: 60_000 });
  await dialog.waitFor({ state: 'hidden' });
  await screenshot(page, 'outlook-retract-done');

  // Exactly the previewed, ticked messages are in Recoverable Items; the unticked one is untouched.
  const before = new Map(lookup.targets.map((t) => [t.messageId, t.folder]));
  for (const [mailbox, targets] of perMailbox) {
    const rows = await simMailbox(stack, mailbox);
    for (const t of targets) {
      const row = rows.find((r) => r.id === t.messageId);
      expect({ mailbox, id: t.messageId, folder: row?.folder }).toEqual({ mailbox, id: t.messageId, folder: mailbox === unticked ? before.get(t.messageId) : 'recoverableitemsdeletions' });
    }
    // Nothing else of the mailbox was moved there.
    const deleted = rows.filter((r) => r.folder === 'recoverableitemsdeletions').map((r) => r.id).sort();
    expect(deleted).toEqual(mailbox === unticked ? [] : targets.map((t) => t.messageId).sort());
  }

  await frame.getByRole('button', { name: 'Undo', exact: true }).click();
  await frame.getByText('Undo: Completed').waitFor({ timeout: 60_000 });
  for (const [mailbox, targets] of perMailbox) {
    const rows = await simMailbox(stack, mailbox);
    for (const t of targets) expect({ id: t.messageId, folder: rows.find((r) => r.id === t.messageId)?.folder }).toEqual({ id: t.messageId, folder: t.folder });
  }
  await screenshot(page, 'outlook-undo-done');

  // The admin's other views, for accessibility and the record.
  const shown = { Search: frame.getByRole('form', { name: 'Message trace' }), Audit: frame.getByRole('form', { name: 'Audit' }), Setup: frame.getByText('Admin consent').first() };
  for (const view of ['Search', 'Audit', 'Setup'] as const) {
    await frame.getByRole('tab', { name: view }).click();
    await shown[view].waitFor();
    await page.waitForTimeout(500); // let the view's first request settle before the picture
    await screenshot(page, `outlook-admin-${view.toLowerCase()}`);
    await expectAccessible(page, '#pane');
  }
  await context.close();
});

it('a sender removes external access from an encrypted message, and the OME portal then says it was revoked', async () => {
  const { context, page } = await openHarness(browser, stack);
  await signIn(page, 'lidia@contoso.com');
  await selectMessage(page, 'Sent Items', 'Offer letter (encrypted)');
  const frame = pane(page);
  await frame.getByText('External recipients can still open this message. You can remove their access.').waitFor({ timeout: 30_000 });
  await screenshot(page, 'outlook-ome-revocable');
  await expectAccessible(page, '#pane');

  await frame.getByRole('button', { name: 'Remove external access' }).click();
  const confirm = frame.getByRole('alertdialog', { name: 'Remove external access?' });
  await confirm.getByRole('button', { name: 'Remove access' }).click();
  await frame.getByText('External access was removed: recipients now see that the message was revoked.').waitFor({ timeout: 30_000 });
  await confirm.waitFor({ state: 'hidden' });
  await screenshot(page, 'outlook-ome-revoked');

  const portalOpened = context.waitForEvent('page');
  await selectMessage(page, 'Sent Items', 'Offer letter (encrypted)'); // the harness rereads the OME status
  await page.getByRole('link', { name: 'Open the OME portal as pat.kim@gmail.com sees it' }).click();
  const portal = await portalOpened;
  await portal.getByText(REVOKED_TEXT).waitFor();
  await portal.screenshot({ path: `${__dirname}/screenshots/ome-portal-revoked.png` });
  await context.close();
});

it('an auditor sees both actions in the Audit view and cannot retract', async () => {
  const { context, page } = await openHarness(browser, stack);
  await signIn(page, 'isaiah@contoso.com');
  await selectMessage(page, 'Inbox', PHISH_SUBJECT);
  const frame = pane(page);
  const tabs = frame.getByRole('tablist', { name: 'Views' });
  await tabs.getByRole('tab', { name: 'Audit' }).click();
  const records = frame.locator('[aria-label="Audit records"]');
  await records.getByText(/· Retract · job · .*alex@contoso\.com/).first().waitFor({ timeout: 30_000 });
  await expect(records.getByText(/· Retract · undo · .*alex@contoso\.com/).count()).resolves.toBeGreaterThan(0);
  await expect(records.getByText(/· Revoke · ome-revoke · .*lidia@contoso\.com/).count()).resolves.toBeGreaterThan(0);
  await screenshot(page, 'outlook-auditor-audit');
  await expectAccessible(page, '#pane');

  // No Retract view, no way to start a lookup.
  await expect(tabs.getByRole('tab').count()).resolves.toBe(2);
  for (const name of ['Search', 'Audit']) await expect(tabs.getByRole('tab', { name, exact: true }).count()).resolves.toBe(1);
  for (const name of ['Retract', 'Setup']) await expect(frame.getByRole('tab', { name, exact: true }).count()).resolves.toBe(0);
  await expect(frame.getByRole('button', { name: 'Find copies' }).count()).resolves.toBe(0);
  await context.close();
});

it('the Teams tab searches the trace, opens the phish and shows the same preview; it follows the Teams theme', async () => {
  const { context, page } = await openHarness(browser, stack);
  await signIn(page, 'alex@contoso.com');
  await page.getByRole('button', { name: 'Teams tab' }).click();
  const tab = teamsTab(page);
  await tab.getByRole('tab', { name: 'Search', selected: true }).waitFor({ timeout: 30_000 });
  await tab.getByLabel('Sender').fill(PHISH_FROM);
  await tab.getByRole('button', { name: 'Search', exact: true }).click();
  const row = tab.getByRole('row').filter({ hasText: PHISH_SUBJECT }).filter({ hasText: 'alex@contoso.com' });
  await row.first().waitFor({ timeout: 30_000 });
  await screenshot(page, 'teams-search');
  await expectAccessible(page, '#tab');

  await row.first().getByRole('button', { name: `Open "${PHISH_SUBJECT}" in Retract` }).click();
  await tab.getByText(PHISH_FROM).first().waitFor();
  const lookup = await findCopiesAtDepth2(page, tab);
  expect(adminLookup).toBeDefined();
  const key = (ts: Target[]) => ts.map((t) => `${t.mailbox} ${t.messageId} ${t.depth}`).sort();
  expect(key(lookup.targets)).toEqual(key(adminLookup!.targets));
  await screenshot(page, 'teams-retract-preview');
  await expectAccessible(page, '#tab');

  const tabFrame = await frameOf(page, '#tab');
  const background = () => tabFrame.evaluate(() => getComputedStyle(document.querySelector('#root > * > *') ?? document.body).backgroundColor);
  const light = await background();
  await page.getByLabel('Theme').selectOption('dark');
  for (let i = 0; i < 50 && (await background()) === light; i++) await page.waitForTimeout(100);
  expect(await background()).not.toBe(light);
  await screenshot(page, 'teams-dark');
  await expectAccessible(page, '#tab');
  await context.close();
});
