import { expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

import { Api, type Batch, expectAccessible, organisation, ROOT, screenshot, signIn, test } from './support';

// One approved batch whose cards wait to be distributed by hand, for both journeys.
test.describe.configure({ mode: 'serial' });
const org = organisation('card distribution');
let batch: Batch;
let approver: Api;

test.beforeAll(async () => {
  const admin = await Api.as(`admin@${org}.test`, 'admin', org);
  approver = await Api.as(`approver@${org}.test`, 'approver', org);
  batch = await admin.batch(await admin.liveProcess(), { name: 'One by one', autoDistribute: false });
  await approver.call('POST', `/batches/${batch.id}/approve`);
  await admin.waitFor(batch.id, (current) => current.status === 'approved');
});

test('As a sender, I distribute one card after confirming the recipient address', async ({ page }) => {
  await signIn(page, `sender@${org}.test`, 'sender', org, `/batches/${batch.id}`);
  await page.getByRole('link', { name: 'Row 2' }).click();
  await expect(page.getByRole('heading', { name: 'Row 2', level: 1 })).toBeVisible();
  await expect(page.getByText('Not distributed yet.')).toBeVisible();
  await expectAccessible(page, 'card detail');
  await page.getByRole('button', { name: 'Distribute card' }).click();

  const dialog = page.getByRole('dialog', { name: 'Distribute the card' });
  const send = dialog.getByRole('button', { name: 'Send by email' });
  await expect(send).toBeDisabled(); // the address is not confirmed yet
  await dialog.getByLabel("Recipient's address").fill('ada@example.org');
  await expect(dialog.getByText('This is not the address shown above.')).toBeVisible();
  await expect(send).toBeDisabled();
  await dialog.getByLabel("Recipient's address").fill('ADA@example.com');
  await expectAccessible(page, 'distribute dialog');
  await send.click();

  await expect(page.getByText('Card sent by email to ada@example.com.')).toBeVisible();
  const distributions = page.getByRole('table', { name: 'Distributions' });
  await expect(distributions.getByRole('row', { name: new RegExp(`ada@example.com.*sender@${org}.test`) })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Resend card' })).toBeEnabled();
  await screenshot(page, 'card-detail');
});

test('As an approver, I resend an unconfirmed card only after the warning that it may be a second copy', async ({ page: senderPage }) => {
  const cards = await approver.call<{ items: { id: string; row: number }[] }>('GET', `/batches/${batch.id}/cards?limit=10`);
  const card = cards.items.find((item) => item.row === 3);
  if (!card) throw new Error('row 3 has no card');
  // A sender claimed the card and died after (perhaps) handing it to the provider; the sweep found it.
  const left = execFileSync(
    resolve(ROOT, '.venv', 'bin', 'python'),
    [resolve(import.meta.dirname, 'interrupted_send.py'), '--aws', process.env['AWS_URL'] ?? '', '--card', card.id],
    { cwd: ROOT, encoding: 'utf8' },
  );
  expect(left.trim().split('\n').at(-1)).toBe('unconfirmed'); // its last line (the sweep logs before it)

  // A sender may not resend it: only an approver decides to risk a second copy.
  await signIn(senderPage, `sender@${org}.test`, 'sender', org, `/cards/${card.id}`);
  await expect(senderPage.getByRole('heading', { name: 'Row 3', level: 1 })).toBeVisible();
  await expect(senderPage.getByRole('button', { name: 'Resend card' })).toBeDisabled();

  const page = await senderPage.context().newPage(); // a tab of its own: its own session
  await signIn(page, `approver@${org}.test`, 'approver', org, `/cards/${card.id}`);
  await expect(page.getByRole('heading', { name: 'Row 3', level: 1 })).toBeVisible();
  await expect(page.getByText('Unconfirmed', { exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Resend card' }).click();

  const dialog = page.getByRole('dialog', { name: 'Resend the card' });
  await expect(dialog).toContainText('This may send a second copy');
  await expect(dialog).toContainText('the recipient may already have it');
  const resend = dialog.getByRole('button', { name: 'Resend by email' });
  await dialog.getByLabel("Recipient's address").fill('grace@example.com');
  await expect(resend).toBeDisabled(); // the address is confirmed, the second copy not yet accepted
  await dialog.getByRole('checkbox', { name: 'I understand the recipient may receive this card twice.' }).check();
  await expect(resend).toBeEnabled();
  await expectAccessible(page, 'resend dialog (unconfirmed card)');
  await screenshot(page, 'card-detail-resend-unconfirmed');
  await resend.click();

  await expect(page.getByText('Card sent by email to grace@example.com.')).toBeVisible();
  await expect(page.getByText('Unconfirmed', { exact: true })).toHaveCount(0); // the card's status is Sent now
  const distributions = page.getByRole('table', { name: 'Distributions' });
  await expect(distributions.getByRole('row', { name: new RegExp(`grace@example.com.*approver@${org}.test`) })).toBeVisible();
  await page.close();
});
