import { expect } from '@playwright/test';

import { Api, expectAccessible, organisation, screenshot, signIn, tabTo, test } from './support';

test('As an approver, I check the dry run, approve a pending batch with the keyboard and see "4/4 sent"', async ({ page }) => {
  const org = organisation('approver approves');
  const admin = await Api.as(`admin@${org}.test`, 'admin', org);
  const sender = await Api.as(`sender@${org}.test`, 'sender', org);
  const batch = await sender.batch(await admin.liveProcess(), { name: 'March renewals' });
  expect(batch.status).toBe('pending_approval');

  await signIn(page, `approver@${org}.test`, 'approver', org, `/batches/${batch.id}`);
  await expect(page.getByRole('heading', { name: 'March renewals', level: 1 })).toBeVisible();
  const dryRun = page.getByRole('heading', { name: 'Dry run' });
  await expect(dryRun).toBeVisible();
  await expect(page.getByText('3 emails and 1 SMS')).toBeVisible();
  const preview = page.locator('iframe[title="Email preview for row 2"]');
  await expect(preview).toHaveAttribute('sandbox', ''); // no scripts, forms or same-origin access
  await expect(preview.contentFrame().getByText('Hello Ada,')).toBeVisible();
  await expect(page.getByRole('grid', { name: 'Cards' }).getByRole('row')).toHaveCount(5);
  await expectAccessible(page, 'batch detail (pending)');
  await screenshot(page, 'batch-detail-pending');

  const approve = page.getByRole('button', { name: 'Approve', exact: true });
  await tabTo(page, approve);
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Approve "March renewals"?' });
  await expect(dialog).toContainText('4 cards will be sent now.');
  await expectAccessible(page, 'approve confirmation');
  await dialog.getByRole('button', { name: 'Approve' }).click();

  await expect(page.getByText('Batch "March renewals" approved.')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'March renewals', level: 1 })).toBeVisible();
  await expect(page.getByText('Policy renewal · 4/4 sent')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByRole('status', { name: 'Batch status' })).toHaveText('Sent');
  await expect(page.getByText(`Approved by approver@${org}.test`)).toBeVisible();
  await expectAccessible(page, 'batch detail (sent)');
  await screenshot(page, 'batch-detail-sent');
});

test('As a sender, I cannot approve: the action is shown disabled with the reason', async ({ page }) => {
  const org = organisation('sender cannot approve');
  const admin = await Api.as(`admin@${org}.test`, 'admin', org);
  const batch = await admin.batch(await admin.liveProcess());
  await signIn(page, `sender@${org}.test`, 'sender', org, `/batches/${batch.id}`);
  await expect(page.getByRole('button', { name: 'Approve', exact: true })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Reject', exact: true })).toBeDisabled();
  await page.getByRole('button', { name: 'Batch actions' }).click();
  await expect(page.getByRole('menuitem', { name: /Send remaining/ })).toHaveAttribute('aria-disabled', 'true');
});
