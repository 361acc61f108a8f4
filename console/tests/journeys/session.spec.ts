import { expect } from '@playwright/test';

import { Api, expectAccessible, organisation, signIn, stack, test } from './support';

test('As an operator whose session expired, I sign in again and come back to the page I was on', async ({ page }) => {
  const org = organisation('session expires');
  const admin = await Api.as(`admin@${org}.test`, 'admin', org);
  const batch = await admin.batch(await admin.liveProcess(), { name: 'Kept in view' });
  await signIn(page, `approver@${org}.test`, 'approver', org, `/batches/${batch.id}`);
  await expect(page.getByRole('heading', { name: 'Kept in view', level: 1 })).toBeVisible();

  // The session ends: a token the API no longer accepts (well formed, not expired by its claims).
  await page.evaluate(() => {
    const key = 'dispatch.dev-token';
    const [prefix, payload] = (sessionStorage.getItem(key) ?? '').split('.');
    sessionStorage.setItem(key, `${prefix}.${payload}.revoked`);
  });
  await page.getByRole('link', { name: 'Batches' }).first().click(); // the next call is refused (401)
  await expect(page).toHaveURL(/\/sign-in\?return=%2Fbatches/);
  await expectAccessible(page, 'sign-in');

  await page.getByLabel('Email').fill(`approver@${org}.test`);
  await page.getByLabel('Organisation').fill(org);
  await page.getByLabel('Role').click();
  await page.getByRole('option', { name: 'approver' }).click();
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(`${stack().console}/batches`);
  await expect(page.getByRole('row', { name: /Kept in view/ })).toBeVisible();
});

test('An API refusal is a readable flash message with the API\'s own words, not a blank page', async ({ page }) => {
  const org = organisation('api errors');
  await signIn(page, `sender@${org}.test`, 'sender', org, '/batches/no-such-batch');
  await expect(page.getByText('no such batch')).toBeVisible();
  await expect(page.getByText('The batch could not be loaded.')).toBeVisible();
  await expectAccessible(page, 'batch detail (not found)');
});
