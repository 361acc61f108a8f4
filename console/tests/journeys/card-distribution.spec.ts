import { expect, test } from '@playwright/test';

import { Api, expectAccessible, organisation, screenshot, signIn } from './support';

test('As a sender, I distribute one card after confirming the recipient address', async ({ page }) => {
  const org = organisation('sender distributes');
  const admin = await Api.as(`admin@${org}.test`, 'admin', org);
  const approver = await Api.as(`approver@${org}.test`, 'approver', org);
  const batch = await admin.batch(await admin.liveProcess(), { name: 'One by one', autoDistribute: false });
  await approver.call('POST', `/batches/${batch.id}/approve`);
  await admin.waitFor(batch.id, (current) => current.status === 'approved');

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
