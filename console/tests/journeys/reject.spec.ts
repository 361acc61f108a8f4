import { expect } from '@playwright/test';

import { Api, expectAccessible, organisation, screenshot, signIn, test } from './support';

test('As an approver, I reject a pending batch with a reason and it shows as "Admin Rejection"', async ({ page }) => {
  const org = organisation('approver rejects');
  const admin = await Api.as(`admin@${org}.test`, 'admin', org);
  const sender = await Api.as(`sender@${org}.test`, 'sender', org);
  const batch = await sender.batch(await admin.liveProcess(), { name: 'Wrong list' });

  await signIn(page, `approver@${org}.test`, 'approver', org, `/batches/${batch.id}`);
  await page.getByRole('button', { name: 'Reject', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Reject "Wrong list"?' });
  await expect(dialog).toContainText('Nothing will be sent: the 4 cards of this batch will be rejected.');
  await expect(dialog.getByRole('button', { name: 'Reject' })).toBeDisabled(); // a reason is required
  await dialog.getByLabel('Reason').fill('The March list is not signed off yet');
  await expectAccessible(page, 'reject dialog');
  await dialog.getByRole('button', { name: 'Reject' }).click();

  await expect(page.getByText('Rejected by an approver')).toBeVisible();
  await expect(page.getByText('The March list is not signed off yet').first()).toBeVisible();
  await expect(page.getByRole('status', { name: 'Batch status' })).toHaveText('Admin Rejection');
  await expectAccessible(page, 'batch detail (rejected)');
  await screenshot(page, 'batch-detail-rejected');

  await page.getByRole('link', { name: 'Batches' }).first().click();
  await expect(page.getByRole('row', { name: /Wrong list/ })).toContainText('Admin Rejection'); // in the default filter
});
