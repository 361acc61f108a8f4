/**
 * The README's two screenshots (docs/console-batches.png, docs/console-batch-detail.png), taken
 * from a small realistic organisation. Run on purpose only: `DOCS=1 npx playwright test` (tagged
 * @docs; the normal suite and the benchmark leave it out).
 */
import { expect } from '@playwright/test';
import { resolve } from 'node:path';

import { Api, organisation, ROOT, signIn, test } from './support';

test('@docs the batches screen and a batch pending approval, for the README', async ({ page }) => {
  const org = organisation('acme');
  const admin = await Api.as('admin@acme.example', 'admin', org);
  const sender = await Api.as('maria.lopez@acme.example', 'sender', org);
  const approver = await Api.as('sam.okafor@acme.example', 'approver', org);
  const process = await admin.liveProcess();
  const sent = await sender.batch(process, { name: 'February renewals' });
  await approver.call('POST', `/batches/${sent.id}/approve`);
  const rejected = await sender.batch(process, { name: 'Renewals (old list)' });
  await approver.call('POST', `/batches/${rejected.id}/reject`, { reason: 'This list is out of date' });
  await admin.waitFor(sent.id, (batch) => batch.status === 'sent');
  await sender.batch(process, { name: 'March renewals, north' });
  const pending = await sender.batch(process, { name: 'March renewals, south' });

  await signIn(page, 'sam.okafor@acme.example', 'approver', org, '/batches?status=approved,pending_approval,rejected,sent');
  await expect(page.getByRole('row', { name: /February renewals/ })).toContainText('4/4 sent');
  await page.screenshot({ path: resolve(ROOT, 'docs', 'console-batches.png') });

  await page.getByRole('link', { name: 'March renewals, south' }).click();
  await expect(page).toHaveURL(new RegExp(`/batches/${pending.id}$`));
  await expect(page.locator('iframe[title="Email preview for row 2"]').contentFrame().getByText('Hello Ada,')).toBeVisible();
  await page.setViewportSize({ width: 1400, height: 1400 });
  await page.screenshot({ path: resolve(ROOT, 'docs', 'console-batch-detail.png') });
});
