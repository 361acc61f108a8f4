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

const NEXT_YEAR = new Date().getUTCFullYear() + 1;

test('@docs the schedules "Upcoming" list, for the README', async ({ page }) => {
  const org = organisation('acme schedules');
  const admin = await Api.as('admin@acme.example', 'admin', org);
  const process = await admin.liveProcess({ name: 'Policy renewals' });
  await admin.call('PUT', '/organisation', { sms_quiet_hours: null, timezone: 'Europe/London' });
  const distribution = { kind: 'distribution', process_id: process, source_prefix: 'renewals/' };
  await admin.call('POST', '/schedules', {
    name: 'Monday renewals (Paris office)',
    config: distribution,
    when: { mode: 'recurring', start_at: `${NEXT_YEAR}-01-04T06:00`, frequency: 'weekly', weekdays: ['MON'], timezone: 'Europe/Paris' },
  });
  await admin.call('POST', '/schedules', {
    name: 'Month-end statements (New York)',
    config: { ...distribution, source_prefix: 'statements/' },
    when: { mode: 'recurring', start_at: `${NEXT_YEAR}-01-31T18:30`, frequency: 'monthly', day_of_month: 'last', timezone: 'America/New_York' },
  });
  const paused = await admin.call<{ id: string }>('POST', '/schedules', {
    name: 'Weekday reminders',
    config: { ...distribution, source_prefix: 'reminders/' },
    when: { mode: 'recurring', start_at: `${NEXT_YEAR}-01-05T09:00`, frequency: 'cron', cron: '0 9 ? * MON-FRI *' },
  });
  await admin.call('POST', `/schedules/${paused.id}/pause`);
  await admin.call('POST', '/schedules', {
    name: 'Return idle leads',
    config: { kind: 'retrieval', idle_days: 14 },
    when: { mode: 'recurring', start_at: `${NEXT_YEAR}-01-04T07:00`, frequency: 'daily' },
  });
  await admin.call('POST', '/schedules', {
    name: 'Spring campaign launch',
    config: { ...distribution, source_prefix: 'spring/' },
    when: { mode: 'once', start_at: `${NEXT_YEAR}-03-20T10:00`, timezone: 'Asia/Tokyo' },
  });

  await signIn(page, 'admin@acme.example', 'admin', org, '/schedules');
  await expect(page.getByRole('row', { name: /Weekday reminders/ })).toContainText('Recurring, paused');
  await expect(page.getByRole('row', { name: /Monday renewals/ })).toContainText("the organisation's");
  await page.screenshot({ path: resolve(ROOT, 'docs', 'console-schedules.png') });
});

test('@docs the contacts filter, for the README', async ({ page }) => {
  const org = organisation('acme contacts');
  const sender = await Api.as('maria.lopez@acme.example', 'sender', org);
  const started = await sender.call<{ id: string; upload: { url: string; fields: Record<string, string> } }>('POST', '/contacts/imports', { file_name: 'contacts.csv' });
  const rows = [
    'external_id,first_name,last_name,email,phone,address_line1,postcode,city,tags,premium:number',
    'A-1001,Ada,Lovelace,ada@example.com,+14155550101,1 Main St,94105,San Francisco,renewal;vip,1200',
    'A-1002,Grace,Hopper,grace@example.com,,2 Navy Way,20001,Washington,renewal,800',
    'A-1003,Alan,Turing,alan@example.com,+14155550103,,,,renewal,450',
    'A-1004,Katherine,Johnson,katherine@example.com,+14155550104,4 Orbit Rd,23666,Hampton,renewal;vip,1500',
    'A-1005,Edsger,Dijkstra,,+14155550105,5 Path Ln,78712,Austin,renewal,300',
    'A-1006,Barbara,Liskov,barbara@example.com,,6 Sub St,02139,Cambridge,lapsed,900',
  ].join('\n');
  const form = new FormData();
  for (const [name, value] of Object.entries(started.upload.fields)) form.append(name, value);
  form.append('file', new Blob([rows]), 'contacts.csv');
  expect((await fetch(started.upload.url, { method: 'POST', body: form })).ok).toBe(true);
  await expect.poll(async () => (await sender.call<{ status: string }>('GET', `/contacts/imports/${started.id}`)).status, { timeout: 60_000 }).toBe('done');

  const builder = {
    join: 'and',
    conditions: [
      { kind: 'tags_any', field: 'city', op: 'eq', value: 'renewal', has: 'email', negate: false },
      { kind: 'has', field: 'city', op: 'eq', value: '', has: 'email', negate: false },
      { kind: 'field', field: 'attributes.premium', op: 'gte', value: '500', has: 'email', negate: false },
    ],
  };
  await signIn(page, 'maria.lopez@acme.example', 'sender', org, `/contacts?f=${encodeURIComponent(JSON.stringify(builder))}`);
  await expect(page.getByRole('status', { name: 'Matching contacts' })).toHaveText('3 contacts match');
  await page.screenshot({ path: resolve(ROOT, 'docs', 'console-contacts.png') });
});
