/**
 * An admin schedules a weekly distribution in Tokyo time (not the organisation's UTC), previews it
 * before saving (its next fire times, and the file and rows a run would take now), then the local
 * stack's clock passes the first fire and the run shows in the entry's recent runs; paused, then
 * cancelled and saved as a template, from which a new schedule starts.
 */
import { expect } from '@playwright/test';

import { Api, dropFile, expectAccessible, localClock, organisation, screenshot, signIn, test } from './support';

const ZONE = 'Asia/Tokyo'; // no daylight-saving time: the wall clock the test computes cannot shift

/** The wall-clock date (YYYY/MM/DD), time (HH:MM) and weekday (MON…) of an instant in a timezone. */
function wallClock(moment: Date, timeZone: string): { date: string; time: string; weekday: string } {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', weekday: 'short', hourCycle: 'h23' })
      .formatToParts(moment)
      .map((part) => [part.type, part.value]),
  );
  return { date: `${parts['year']}/${parts['month']}/${parts['day']}`, time: `${parts['hour']}:${parts['minute']}`, weekday: String(parts['weekday']).toUpperCase() };
}

test('As an admin, I schedule a weekly distribution in another timezone, preview it, and see it run', async ({ page }) => {
  const org = organisation('weekly schedule');
  const admin = await Api.as(`admin@${org}.test`, 'admin', org);
  await admin.liveProcess({ name: 'Renewals', approval_required: false });
  await dropFile(`sources/${org}/weekly/list.csv`, 'first_name,email\nAda,ada@example.com\nBo,bo@example.com\n');
  // The first fire: a few minutes ahead of the stack's clock (other journeys may have moved it).
  const now = await localClock.now();
  const start = new Date(Math.ceil((now.getTime() + 10 * 60_000) / 60_000) * 60_000);
  const wall = wallClock(start, ZONE);

  await signIn(page, `admin@${org}.test`, 'admin', org, '/schedules');
  await expect(page.getByText('Nothing upcoming')).toBeVisible();
  await expectAccessible(page, 'schedules (empty)');
  await page.getByRole('link', { name: 'New schedule' }).first().click();

  await page.getByLabel('Name', { exact: true }).fill('Weekly renewals');
  await page.getByRole('button', { name: /^Process/ }).click();
  await page.getByRole('option', { name: 'Renewals' }).click();
  await page.getByLabel('File prefix').fill('weekly/');
  await page.getByRole('radio', { name: 'Recurring' }).check();
  await page.getByLabel('First date').fill(wall.date);
  await page.getByLabel('Time (24-hour)').fill(wall.time);
  await page.getByRole('checkbox', { name: wall.weekday }).check();
  await page.getByLabel('Timezone').fill(ZONE);
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Preview' }).click();

  const fires = page.getByRole('list', { name: 'Next fire times' }).getByRole('listitem');
  await expect(fires).toHaveCount(5);
  await expect(fires.first()).toContainText(`${wall.time} GMT+9`); // Tokyo's wall clock…
  await expect(fires.first()).toContainText("UTC (the organisation's)"); // …and the organisation's
  await expect(page.getByText(`sources/${org}/weekly/list.csv`)).toBeVisible();
  await expect(page.getByText('2 accepted, 0 rejected')).toBeVisible();
  await expectAccessible(page, 'schedule editor with its preview');
  await page.getByRole('button', { name: 'Save schedule' }).click();

  await expect(page.getByRole('heading', { name: 'Weekly renewals', level: 1 })).toBeVisible();
  await expect(page.getByRole('status', { name: 'Schedule status' })).toHaveText('Recurring');
  await expect(page.getByText('No runs yet')).toBeVisible();

  // The stack's clock passes the first fire: the scheduler runs it (and waits for the run).
  expect(await localClock.advance((start.getTime() - (await localClock.now()).getTime()) / 1000 + 60)).toBe(1);
  const runs = page.getByRole('table', { name: 'Recent runs' });
  await expect(runs.getByRole('row')).toHaveCount(2); // the header and the run (the page refreshes itself)
  await expect(runs).toContainText('Ran: batch started');
  await expect(runs).toContainText(`from sources/${org}/weekly/list.csv`);
  await expectAccessible(page, 'schedule detail with a run');
  await screenshot(page, 'schedule-detail');

  await page.getByRole('link', { name: 'Schedules' }).first().click();
  await expect(page.getByRole('row', { name: /Weekly renewals/ })).toContainText(/Recurring|Processing/);
  await expectAccessible(page, 'schedules (upcoming)');

  // Paused, then cancelled and saved as a template: it leaves Upcoming; a new schedule starts from it.
  await page.getByRole('link', { name: 'Weekly renewals' }).click();
  const status = page.getByRole('status', { name: 'Schedule status' });
  await page.getByRole('button', { name: 'Pause' }).click();
  await page.getByRole('dialog', { name: 'Pause "Weekly renewals"?' }).getByRole('button', { name: 'Pause' }).click();
  await expect(status).toHaveText('Recurring, paused');
  await page.getByRole('button', { name: 'Cancel schedule' }).click();
  const cancel = page.getByRole('dialog', { name: 'Cancel "Weekly renewals"?' });
  await cancel.getByRole('checkbox', { name: /Save as template/ }).check();
  await cancel.getByLabel('Template name').fill('Weekly renewals (Tokyo)');
  await expectAccessible(page, 'cancel a schedule');
  await cancel.getByRole('button', { name: 'Cancel schedule' }).click();
  await expect(status).toHaveText('Cancelled');
  await page.getByRole('link', { name: 'Schedules' }).first().click();
  await expect(page.getByText('Nothing upcoming')).toBeVisible();
  await page.getByRole('tab', { name: 'Templates' }).click();
  await page.getByRole('link', { name: 'New schedule from Weekly renewals (Tokyo)' }).click();
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue('Weekly renewals (Tokyo)');
  await expect(page.getByLabel('File prefix')).toHaveValue('weekly/');
  await expect(page.getByRole('checkbox', { name: wall.weekday })).toBeChecked();
  await expectAccessible(page, 'new schedule from a template');
});
