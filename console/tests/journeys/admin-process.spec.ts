import { expect } from '@playwright/test';

import { expectAccessible, organisation, screenshot, signIn, test } from './support';

test('As an admin, I create a process, write its templates with a live preview and publish it', async ({ page }) => {
  const org = organisation('admin publishes');
  await signIn(page, `admin@${org}.test`, 'admin', org, '/processes');
  await expect(page.getByText('Create a process to start sending batches.')).toBeVisible();
  await expectAccessible(page, 'processes (empty)');
  await page.getByRole('link', { name: 'Create process' }).first().click();

  await page.getByLabel('Name', { exact: true }).fill('Welcome pack');
  await page.getByLabel('Link base URL').fill('https://forms.example.com/welcome');
  await page.getByRole('button', { name: 'Add field' }).click();
  await page.getByLabel('Name of field 3').fill('plan');
  await page.getByLabel('Label of field 3').fill('Plan');
  await page.getByRole('checkbox', { name: 'Required' }).nth(2).check();
  await expectAccessible(page, 'create process');
  await page.getByRole('button', { name: 'Create process' }).click();

  await expect(page.getByRole('heading', { name: 'Welcome pack', level: 1 })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Publish', exact: true })).toBeDisabled(); // no template yet
  await page.getByRole('checkbox', { name: 'Send by email' }).check();
  await page.getByLabel('Email subject').fill('Welcome {{ first_name }} to {{ plan_name }}');
  await page.getByLabel('Email text').fill('Your {{ plan }} plan starts now: {{ link }}');
  await page.getByLabel('Email HTML').fill('<h1>Hello {{ first_name }}</h1><p>{{ plan }}</p>');
  await expect(page.getByText("email subject: 'plan_name' is undefined")).toBeVisible(); // inline, as the API words it
  await page.getByLabel('Email subject').fill('Welcome {{ first_name }} to your {{ plan }} plan');
  await expect(page.getByText('Welcome Example to your Example plan')).toBeVisible();
  await expect(page.locator('iframe[title="Email preview"]').contentFrame().getByRole('heading', { name: 'Hello Example' })).toBeVisible();
  await expectAccessible(page, 'process templates');
  await screenshot(page, 'process-templates');
  await page.getByRole('button', { name: 'Save templates' }).click();
  await expect(page.getByText('Templates saved.')).toBeVisible();

  await page.getByRole('button', { name: 'Publish', exact: true }).click();
  await page.getByRole('dialog', { name: 'Publish "Welcome pack"?' }).getByRole('button', { name: 'Publish' }).click();
  await expect(page.getByText('Process "Welcome pack" is live: senders can create batches for it.')).toBeVisible();
  await expect(page.getByRole('link', { name: 'New batch' }).last()).toBeVisible();
  await page.getByRole('link', { name: 'Processes' }).first().click();
  await expect(page.getByRole('row', { name: /Welcome pack/ })).toContainText('Live');
  await expectAccessible(page, 'processes (a live process)');
});
