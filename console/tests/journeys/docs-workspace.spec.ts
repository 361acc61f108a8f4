/**
 * The README's screenshot of the agent workspace (docs/console-agent-workspace.png), from a small
 * realistic organisation: an agent with assigned cards (one worked), New Leads to claim and ring-all
 * offers to accept. Run on purpose only: `DOCS=1 npx playwright test` (tagged @docs).
 */
import { expect } from '@playwright/test';
import { resolve } from 'node:path';

import { Api, organisation, ROOT, signIn, test } from './support';

test('@docs the agent workspace, for the README', async ({ page }) => {
  const org = organisation('acme agents');
  const admin = await Api.as('admin@acme.example', 'admin', org);
  const sales = await admin.call<{ id: string }>('POST', '/groups', { name: 'Renewals desk' });
  await admin.call('POST', '/agents', { email: 'maria.lopez@example.com', name: 'Maria Lopez', groups: [sales.id], work_phone: '+14155550142' });
  const send = async (assignment: Record<string, unknown>, name: string) => {
    const processId = await admin.liveProcess({ name, assignment: { group_id: sales.id, ...assignment } });
    const batch = await admin.batch(processId, { name });
    await admin.call('POST', `/batches/${batch.id}/approve`);
    await admin.waitFor(batch.id, (current) => current.status === 'sent');
  };
  await send({ type: 'round_robin', initial_status: 'to call' }, 'March renewals');
  await send({ type: 'distribute_all' }, 'Web enquiries');
  await send({ type: 'ring_all', ring_timeout_seconds: 900 }, 'Urgent callbacks');
  const maria = await Api.as('maria.lopez@example.com', 'agent', org);
  const mine = await maria.call<{ items: { id: string }[] }>('GET', '/agents/me/cards');
  const first = mine.items[0];
  if (first) await maria.call('POST', `/cards/${first.id}/activity`, { type: 'call', status: 'callback', note: 'Asked to call back on Friday' });

  await signIn(page, 'maria.lopez@example.com', 'agent', org, '/workspace');
  await expect(page.getByRole('grid', { name: 'Offers' }).getByRole('row')).toHaveCount(5);
  await expect(page.getByRole('grid', { name: 'New Leads' }).getByRole('row')).toHaveCount(5);
  await expect(page.getByRole('grid', { name: 'My cards' }).getByRole('row', { name: /callback/ })).toBeVisible();
  await page.setViewportSize({ width: 1400, height: 1250 });
  await page.screenshot({ path: resolve(ROOT, 'docs', 'console-agent-workspace.png'), fullPage: true });
});
