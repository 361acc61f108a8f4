/**
 * Agents' work (PRODUCT §7, §11): an agent claims a New Lead while another agent's claim of a second
 * lead lands first; an admin moves a Lead Exception card to an agent; an admin sets business hours
 * and a batch sent after hours waits in Unassigned. One organisation for the three, set up once:
 * a Sales group (two available agents) whose process offers cards to all of them
 * (distribute_all), and a Night desk group whose only agent is unavailable (round robin, no
 * default agent: Lead Exception).
 */
import { expect } from '@playwright/test';

import { Api, type Batch, expectAccessible, organisation, screenshot, signIn, stack, test } from './support';

test.describe.configure({ mode: 'serial' });
const org = organisation('agents and queues');
const ADA = 'ada.agent@example.com'; // an agent's email is validated (a reserved domain such as .test is refused)
const BOB = 'bob.agent@example.com';
const ADMIN = `admin@${org}.test`;
let admin: Api;
let ids: { ada: string; sales: string; roundRobin: string };

interface Lead {
  id: string;
  values: Record<string, unknown>;
}

/** A batch of the example's four recipients, approved and sent (its cards assigned as they go). */
async function sent(processId: string, name: string): Promise<Batch> {
  const batch = await admin.batch(processId, { name });
  await admin.call('POST', `/batches/${batch.id}/approve`);
  return admin.waitFor(batch.id, (current) => current.status === 'sent', 150);
}

test.beforeAll(async () => {
  test.setTimeout(300_000); // two batches sent, side by side: a hang guard for a loaded machine
  admin = await Api.as(ADMIN, 'admin', org);
  const sales = await admin.call<{ id: string }>('POST', '/groups', { name: 'Sales' });
  const night = await admin.call<{ id: string }>('POST', '/groups', { name: 'Night desk' });
  const ada = await admin.call<{ id: string }>('POST', '/agents', { email: ADA, name: 'Ada Agent', groups: [sales.id] });
  await admin.call('POST', '/agents', { email: BOB, name: 'Bob Agent', groups: [sales.id] });
  await admin.call('POST', '/agents', { email: 'carl.agent@example.com', name: 'Carl Agent', groups: [night.id], available: false });
  const [claimable, exceptions, roundRobin] = await Promise.all([
    admin.liveProcess({ name: 'Leads for all', assignment: { type: 'distribute_all', group_id: sales.id } }),
    admin.liveProcess({ name: 'Night leads', assignment: { type: 'round_robin', group_id: night.id } }),
    admin.liveProcess({ name: 'Sales leads', assignment: { type: 'round_robin', group_id: sales.id } }),
  ]);
  await Promise.all([sent(claimable, 'Leads to claim'), sent(exceptions, 'Night list')]);
  ids = { ada: ada.id, sales: sales.id, roundRobin };
});

test('As an agent, I claim a New Lead; a lead another agent claimed first is not mine, and I am told so', async ({ page }) => {
  const bob = await Api.as(BOB, 'agent', org);
  const leads = await bob.call<{ items: Lead[] }>('GET', '/agents/me/available');
  const grace = leads.items.find((lead) => lead.values['first_name'] === 'Grace');
  if (!grace) throw new Error('Grace Hopper is not a New Lead');
  const lovelace = leads.items.find((lead) => lead.values['first_name'] === 'Ada');
  if (!lovelace) throw new Error('Ada Lovelace is not a New Lead');
  // Bob's claim lands just before mine reaches the API: the screen still shows the lead when I click.
  await page.route(/\/cards\/[^/]+\/claim$/, async (route) => {
    if (route.request().method() === 'POST' && route.request().url().includes(grace.id)) {
      await bob.call('POST', `/cards/${grace.id}/claim`);
    }
    await route.continue();
  });

  await signIn(page, ADA, 'agent', org, '/workspace');
  await expect(page.getByRole('heading', { name: 'My work', level: 1 })).toBeVisible();
  const newLeads = page.getByRole('grid', { name: 'New Leads' });
  await expect(newLeads.getByRole('row')).toHaveCount(5); // the header and four leads
  await expect(page.getByRole('link', { name: 'Batches' })).toHaveCount(0); // an agent works cards only
  await expectAccessible(page, 'agent workspace');

  await newLeads.getByRole('button', { name: 'Claim Grace Hopper' }).click();
  await expect(page.getByText('Grace Hopper: someone was quicker')).toBeVisible();
  await expect(page.getByText('Not yours: another agent has this card now.')).toBeVisible();
  await expect(newLeads.getByRole('row', { name: /Grace Hopper/ })).toHaveCount(0); // the lists refreshed

  await newLeads.getByRole('button', { name: 'Claim Ada Lovelace' }).click();
  await expect(page.getByText('Ada Lovelace is yours now: it is in My cards.')).toBeVisible();
  // The second agent's claim of the lead I took loses, with the reason.
  await expect(bob.call('POST', `/cards/${lovelace.id}/claim`)).rejects.toThrow(/409 .*another agent has this card now/);
  const myCards = page.getByRole('grid', { name: 'My cards' });
  await expect(myCards.getByRole('row', { name: /Ada Lovelace/ })).toContainText('new'); // the initial status

  await myCards.getByRole('button', { name: 'Record activity on Ada Lovelace' }).click();
  const dialog = page.getByRole('dialog', { name: 'Record activity on Ada Lovelace' });
  await dialog.getByLabel('Work status').fill('contacted');
  await dialog.getByLabel('Note').fill('Called, will renew next week');
  await expectAccessible(page, 'activity dialog');
  await dialog.getByRole('button', { name: 'Record' }).click();
  await expect(page.getByText('Activity recorded on row 2.')).toBeVisible();
  await expect(myCards.getByRole('row', { name: /Ada Lovelace/ })).toContainText('contacted');
  await screenshot(page, 'agent-workspace');

  const switchOn = page.getByRole('checkbox', { name: 'Available for new cards' });
  await switchOn.click();
  await expect(switchOn).not.toBeChecked();
  await expect(newLeads).toContainText('Switch yourself on to see and claim new leads.');
  await switchOn.click(); // back on for the journeys below
  await expect(newLeads.getByRole('row', { name: /Katherine Johnson/ })).toBeVisible();
  await expect(page.getByText('Could not load')).toHaveCount(0); // nothing asked for that the API refuses
});

test('As an admin, I move a Lead Exception card to an agent', async ({ page }) => {
  await signIn(page, ADMIN, 'admin', org, '/queues?queue=lead_exception');
  const queue = page.getByRole('grid', { name: 'Lead Exception queue' });
  await expect(queue.getByRole('row')).toHaveCount(5);
  await expect(queue.getByRole('row', { name: /Katherine Johnson/ })).toContainText('Lead Exception: no eligible or available agent');
  await expectAccessible(page, 'lead queues');

  await page.getByRole('searchbox', { name: 'Search the queue' }).fill('katherine');
  await expect(queue.getByRole('row')).toHaveCount(2);
  await queue.getByRole('row', { name: /Katherine Johnson/ }).getByRole('radio').check();
  await page.getByRole('button', { name: 'Assign to agent' }).click();
  const dialog = page.getByRole('dialog', { name: 'Assign Katherine Johnson to an agent' });
  await dialog.getByRole('button', { name: /Agent/ }).click();
  await page.getByRole('option', { name: /Ada Agent/ }).click();
  await expectAccessible(page, 'assign dialog');
  await dialog.getByRole('button', { name: 'Assign' }).click();

  await expect(page.getByText('Katherine Johnson assigned to Ada Agent.')).toBeVisible();
  await expect(queue).toContainText('No card of this queue matches the filter.');
  const ada = await Api.as(ADA, 'agent', org);
  const mine = await ada.call<{ items: Lead[] }>('GET', '/agents/me/cards');
  expect(mine.items.map((card) => card.values['first_name'])).toContain('Katherine');

  // Agents and groups: the agents with their availability, a group's rotation, the agent editor.
  await page.getByRole('link', { name: 'Agents and groups' }).click();
  await expect(page.getByRole('heading', { name: 'Agents', level: 1 })).toBeVisible();
  await expect(page.getByRole('row', { name: /Carl Agent/ })).toBeVisible();
  await page.getByRole('grid', { name: 'Groups' }).getByRole('radio', { name: 'Select Sales' }).check();
  const rotation = page.getByRole('heading', { name: 'Sales: rotation' });
  await expect(rotation).toBeVisible();
  await expectAccessible(page, 'agents and groups');
  await page.getByRole('button', { name: 'New agent' }).click();
  await expect(page.getByRole('dialog', { name: 'New agent' })).toBeVisible();
  await expectAccessible(page, 'agent editor');
});

test('As an admin, I set business hours and a batch sent after hours waits in Unassigned', async ({ page }) => {
  test.setTimeout(180_000); // a batch is sent: a hang guard for a loaded machine
  const clock = (await (await fetch(`${stack().api}/_local/clock`)).json()) as { now: string };
  const today = new Date(clock.now);
  const tomorrow = new Date(today.getTime() + 86_400_000);
  const day = (moment: Date) => moment.toISOString().slice(0, 10);

  await signIn(page, ADMIN, 'admin', org, '/organisation');
  await expect(page.getByRole('heading', { name: 'Organisation', level: 1 })).toBeVisible();
  const openNow = page.getByRole('status', { name: 'Open now?' });
  await expect(openNow).toHaveText('Open now'); // always open until hours are set
  await page.getByRole('button', { name: 'Remove Saturday interval 1' }).click();
  await page.getByRole('button', { name: 'Remove Sunday interval 1' }).click();
  await page.getByLabel('Monday interval 1 opens at').fill('25:00');
  await expect(page.getByText('25:00-24:00: use HH:MM, from 00:00 to 24:00.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Save settings' })).toBeDisabled();
  await page.getByLabel('Monday interval 1 opens at').fill('00:00');
  for (const holiday of [today, tomorrow]) {
    // Today and tomorrow (by the service's clock) are holidays: closed now whatever the hour.
    await page.getByPlaceholder('YYYY/MM/DD').fill(day(holiday).replaceAll('-', '/'));
    await page.getByRole('button', { name: 'Add holiday' }).click();
  }
  await expect(page.getByRole('button', { name: `Remove holiday ${day(tomorrow)}` })).toBeVisible();
  await expect(openNow).toContainText('Closed now · opens');
  await expectAccessible(page, 'organisation settings');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText('Organisation settings saved.')).toBeVisible();

  await sent(ids.roundRobin, 'After hours');
  await page.getByRole('link', { name: 'Lead queues' }).click();
  await page.getByRole('button', { name: 'Unassigned', exact: true }).click();
  const queue = page.getByRole('grid', { name: 'Unassigned queue' });
  await expect(queue.getByRole('row')).toHaveCount(5);
  await expect(queue.getByRole('row', { name: /Alan Turing/ })).toContainText('Waiting for business hours');
  await screenshot(page, 'unassigned-queue');
});
