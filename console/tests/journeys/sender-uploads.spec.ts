import { expect } from '@playwright/test';

import { Api, expectAccessible, organisation, PROCESS, RECIPIENTS, screenshot, signIn, test } from './support';

test('As a sender, I upload a recipients file with its progress and see the batch pending approval', async ({ page }) => {
  const org = organisation('sender uploads');
  const admin = await Api.as(`admin@${org}.test`, 'admin', org);
  await admin.liveProcess({ name: 'Policy renewal' });
  await admin.call('POST', '/processes', { ...PROCESS, name: 'Draft only' }); // a draft: not offered

  await signIn(page, `sender@${org}.test`, 'sender', org, '/batches');
  await expect(page.getByRole('heading', { name: /^Batches/ })).toBeVisible();
  await expectAccessible(page, 'batches (empty)');
  await page.getByRole('link', { name: 'New batch' }).first().click();
  await expect(page).toHaveURL(/\/batches\/new$/);

  await page.getByLabel('Process', { exact: true }).click();
  await expect(page.getByRole('option', { name: /Draft only/ })).toHaveCount(0);
  await page.getByRole('option', { name: /Policy renewal/ }).click();
  const example = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download the example file (CSV)' }).click();
  expect((await example).suggestedFilename()).toBe('Policy renewal-example.csv');
  await page.getByLabel('Batch name').fill('Renewals for March');
  await page.locator('input[type=file]').setInputFiles(RECIPIENTS);
  await expectAccessible(page, 'new batch');
  await screenshot(page, 'new-batch');
  await page.getByRole('button', { name: 'Upload and validate' }).click();

  await expect(page.getByRole('progressbar', { name: 'Upload progress' })).toHaveJSProperty('value', 100);
  await expect(page.getByText('The file was accepted')).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Pending Approval' })).toBeVisible();
  await expect(page.getByText('4 rows accepted, 3 rows rejected')).toBeVisible();
  const rowErrors = page.getByRole('table', { name: 'Row errors' });
  await expect(rowErrors.getByRole('row', { name: /invalid_email/ })).toBeVisible();
  await expectAccessible(page, 'validation outcome');
  await screenshot(page, 'validation-outcome');

  await page.getByRole('link', { name: 'Batches' }).first().click();
  const row = page.getByRole('row', { name: /Renewals for March/ });
  await expect(row).toContainText('Pending Approval');
  await expect(row).toContainText('0/4 sent');
  await expect(row).toContainText(`sender@${org}.test`);
  await expectAccessible(page, 'batches (a batch pending approval)');
  await screenshot(page, 'batches');
});
