import { expect } from '@playwright/test';
import { readFileSync } from 'node:fs';

import { Api, expectAccessible, organisation, signIn, test } from './support';

test('As a sender, I export a sent batch as CSV and download it', async ({ page }) => {
  const org = organisation('sender exports');
  const admin = await Api.as(`admin@${org}.test`, 'admin', org);
  const approver = await Api.as(`approver@${org}.test`, 'approver', org);
  const batch = await admin.batch(await admin.liveProcess(), { name: 'May renewals' });
  await approver.call('POST', `/batches/${batch.id}/approve`);
  await admin.waitFor(batch.id, (current) => current.status === 'sent');

  await signIn(page, `sender@${org}.test`, 'sender', org, `/batches/${batch.id}`);
  await page.getByRole('button', { name: 'Batch actions' }).click();
  await page.getByRole('menuitem', { name: 'Export CSV' }).click();
  const dialog = page.getByRole('dialog', { name: 'Export "May renewals" (CSV)' });
  await expect(dialog.getByText(/Ready: 4 rows/)).toBeVisible({ timeout: 60_000 });
  await expectAccessible(page, 'export dialog');
  const download = page.waitForEvent('download');
  await dialog.getByRole('link', { name: 'Download CSV' }).click();
  const file = await (await download).path();
  const [header, ...rows] = readFileSync(file, 'utf8').trim().split(/\r?\n/);
  expect(header).toContain('first_name');
  expect(header).toContain('status,channel,sent_at,error,accessed_at');
  expect(rows).toHaveLength(4);
});
