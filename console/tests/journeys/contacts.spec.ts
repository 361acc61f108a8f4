/**
 * A sender imports contacts (a rejected row is reported), filters them into a working list with
 * the live count, opens one contact, makes the filter a batch communication with a due date,
 * generates it and downloads its letters as a PDF.
 */
import { expect } from '@playwright/test';

import { Api, expectAccessible, organisation, screenshot, signIn, test } from './support';

const PROCESS_TEMPLATES = {
  approval_required: true,
  template_sets: {
    spring: {
      email: { subject: 'Spring notice for {{ first_name }}', text: 'Due {{ due_date }}: {{ link }}' },
      letter: { title: 'Spring notice', body: '<p>Dear {{ first_name }}, your renewal is due <b>{{ due_date }}</b>.</p>' },
    },
  },
};

function contactsFile(org: string): Buffer {
  return Buffer.from(
    'external_id,first_name,email,address_line1,postcode,city,tags\n' +
      `C1,Ada,ada-${org}@example.com,1 Main St,11111,Springfield,spring\n` +
      `C2,Bob,,2 Side St,22222,Shelbyville,spring\n` +
      `C3,Cy,cy-${org}@example.com,,,,spring\n` +
      `C4,Di,di-${org}@example.com,4 High St,44444,Ogdenville,autumn\n` +
      `,Nobody,nobody-${org}@example.com,,,,spring\n`,
  );
}

test('As a sender, I filter contacts into a communication with a due date, generate it and download its letters', async ({ page }) => {
  const org = organisation('contacts letters');
  const admin = await Api.as(`admin@${org}.test`, 'admin', org);
  await admin.liveProcess({ name: 'Spring notices', ...PROCESS_TEMPLATES });
  const sender = `sender@${org}.test`;

  await signIn(page, sender, 'sender', org, '/contacts');
  await expect(page.getByText('Import a CSV or Excel file of contacts to start.')).toBeVisible();
  await page.getByRole('link', { name: 'Import contacts' }).first().click();
  await page.locator('input[type="file"]').setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: contactsFile(org) });
  await page.getByRole('button', { name: 'Upload and import' }).click();
  await expect(page.getByRole('status', { name: 'Import status' })).toHaveText('Imported');
  await expect(page.getByText('Rejected rows')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Row errors (CSV)' })).toBeVisible();
  await expectAccessible(page, 'contacts import');
  await page.getByRole('link', { name: 'Back to contacts' }).click();

  // The working list: tagged spring (3), and with a postal address (2) — the count follows.
  const count = page.getByRole('status', { name: 'Matching contacts' });
  await expect(count).toHaveText('4 contacts match');
  await page.getByRole('button', { name: 'Add condition' }).click();
  await page.getByLabel('Condition 1: tags').fill('spring');
  await expect(count).toHaveText('3 contacts match');
  await page.getByRole('button', { name: 'Add condition' }).click();
  await page.getByRole('button', { name: /^Condition 2: kind/ }).click();
  await page.getByRole('option', { name: 'Has' }).click();
  await page.getByRole('button', { name: /^Condition 2: channel/ }).click();
  await page.getByRole('option', { name: 'a postal address' }).click();
  await expect(count).toHaveText('2 contacts match');
  await expect(page.getByRole('link', { name: 'Bob' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Cy' })).toHaveCount(0); // no postal address
  await expectAccessible(page, 'contacts filter');
  await screenshot(page, 'contacts-filter');

  await page.getByRole('link', { name: 'Ada' }).click();
  await expect(page.getByRole('heading', { name: 'Ada', level: 1 })).toBeVisible();
  await expect(page.getByText('Nothing sent yet')).toBeVisible();
  await expectAccessible(page, 'contact detail');
  await page.goBack();
  await expect(count).toHaveText('2 contacts match'); // the filter is in the address

  await page.getByRole('button', { name: 'Add to batch communication' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add to batch communication' });
  await dialog.getByLabel('Name', { exact: true }).fill('Spring notice');
  await dialog.getByRole('button', { name: /^Process/ }).click();
  await page.getByRole('option', { name: 'Spring notices' }).click();
  await dialog.getByRole('button', { name: /^Template set/ }).click();
  await page.getByRole('option', { name: 'spring', exact: true }).click();
  await dialog.getByRole('textbox', { name: 'Due date' }).fill('2027/06/30');
  await dialog.getByRole('checkbox', { name: 'Email' }).check();
  await dialog.getByRole('checkbox', { name: 'Letter' }).check();
  await expectAccessible(page, 'add to batch communication');
  await dialog.getByRole('button', { name: 'Create communication' }).click();

  const status = page.getByRole('status', { name: 'Communication status' });
  await expect(page.getByRole('heading', { name: 'Spring notice', level: 1 })).toBeVisible();
  await expect(status).toHaveText('Open');
  await expect(page.getByText('2027-06-30')).toBeVisible();
  await page.getByRole('button', { name: 'Generate' }).click();
  await page.getByRole('dialog', { name: 'Generate "Spring notice"?' }).getByRole('button', { name: 'Generate' }).click();
  await expect(status).toHaveText('Generated', { timeout: 60_000 });
  await expectAccessible(page, 'communication (generated)');

  await page.getByRole('button', { name: 'Prepare letters' }).click();
  await expect(page.getByRole('status', { name: 'Letters bundle' })).toHaveText('Ready', { timeout: 60_000 });
  const download = page.getByRole('link', { name: 'Download the letters (PDF)' });
  const href = await download.getAttribute('href');
  expect(href).toBeTruthy();
  const pdf = await page.request.get(href ?? '');
  expect(pdf.ok()).toBe(true);
  expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
  await expect(page.getByText('2 (2 pages)')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Mark printed' })).toBeDisabled(); // not approved yet
  await expectAccessible(page, 'communication letters');
});
