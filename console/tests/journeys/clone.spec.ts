import { expect } from '@playwright/test';

import { Api, expectAccessible, organisation, screenshot, signIn, test } from './support';

test('As a sender, I clone a rejected batch for the recipients not reached and the clone waits for approval', async ({ page }) => {
  const org = organisation('sender clones');
  const admin = await Api.as(`admin@${org}.test`, 'admin', org);
  const approver = await Api.as(`approver@${org}.test`, 'approver', org);
  const batch = await admin.batch(await admin.liveProcess(), { name: 'April renewals' });
  await approver.call('POST', `/batches/${batch.id}/reject`, { reason: 'the wrong month' });

  await signIn(page, `sender@${org}.test`, 'sender', org, `/batches/${batch.id}`);
  await page.getByRole('button', { name: 'Batch actions' }).click();
  await page.getByRole('menuitem', { name: 'Clone' }).click();
  const dialog = page.getByRole('dialog', { name: 'Clone "April renewals"' });
  await dialog.getByRole('radio', { name: /Recipients not reached/ }).check();
  await expectAccessible(page, 'clone dialog');
  await dialog.getByRole('button', { name: 'Clone' }).click();

  await expect(page.getByRole('heading', { name: 'April renewals (copy)', level: 1 })).toBeVisible();
  await expect(page).not.toHaveURL(new RegExp(batch.id));
  await expect(page.getByRole('status', { name: 'Batch status' })).toHaveText('Pending Approval', { timeout: 60_000 });
  await expect(page.getByText('Policy renewal · 0/4 sent')).toBeVisible();
  await screenshot(page, 'batch-detail-clone');
});
