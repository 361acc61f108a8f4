/**
 * What the journeys share: one browser context, the running stack's endpoints, signing in (the
 * development sign-in link), setting up data through the public API with a user's own token, the
 * accessibility check (axe-core: no serious or critical violations) and the screenshots kept as
 * test artifacts.
 */
import AxeBuilder from '@axe-core/playwright';
import { test as base, expect, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..', '..');
export const SCREENS = resolve(import.meta.dirname, '..', '..', 'test-results', 'screens');
export const RECIPIENTS = resolve(ROOT, 'examples', 'recipients.csv');
export const PROCESS = JSON.parse(readFileSync(resolve(ROOT, 'examples', 'process.json'), 'utf8')) as Record<string, unknown>;

export type Role = 'sender' | 'approver' | 'admin' | 'agent';

/**
 * Every journey's page is a new tab of one browser context per worker: each tab has its own
 * sessionStorage, so its own signed-in user, while the console's files (immutable, content-hashed)
 * are downloaded and compiled once rather than once per journey. A second user in a journey is
 * another tab (`page.context().newPage()`).
 */
export const test = base.extend<object, { shared: BrowserContext }>({
  shared: [
    async ({ browser }, use) => {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, acceptDownloads: true });
      await use(context);
      await context.close();
    },
    { scope: 'worker' },
  ],
  page: async ({ shared }, use) => {
    const page = await shared.newPage();
    await use(page);
    await page.close();
  },
});

export function stack(): { console: string; api: string } {
  const consoleUrl = process.env['CONSOLE_URL'];
  const api = process.env['API_URL'];
  if (!consoleUrl || !api) throw new Error('no local stack: the global setup did not run');
  return { console: consoleUrl, api };
}

/** An organisation of the test's own, so that journeys sharing the stack never see each other's data. */
export function organisation(title: string): string {
  return `org-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 30)}-${Date.now().toString(36)}`;
}

/** Opens a console page signed in as this user (`?dev_user=&dev_role=&dev_org=`). */
export async function signIn(page: Page, user: string, role: Role, org: string, path = '/batches'): Promise<void> {
  const query = new URLSearchParams({ dev_user: user, dev_role: role, dev_org: org });
  const separator = path.includes('?') ? '&' : '?';
  await page.goto(`${stack().console}${path}${separator}${query.toString()}`);
  await expect(page.getByRole('button', { name: user })).toBeVisible();
}

export async function token(user: string, role: Role, org: string): Promise<string> {
  const response = await fetch(`${stack().console}/_local/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user, role, org }),
  });
  return ((await response.json()) as { token: string }).token;
}

/** The public API with one user's token (set-up steps a journey is not about). */
export class Api {
  constructor(private readonly bearer: string) {}

  static async as(user: string, role: Role, org: string): Promise<Api> {
    return new Api(await token(user, role, org));
  }

  async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${stack().api}${path}`, {
      method,
      headers: { Authorization: `Bearer ${this.bearer}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /**
   * A published process (the example's, with `overrides`). The organisation's SMS quiet hours are
   * turned off first: the journeys run on the real clock and the example file texts a US number, so
   * during that recipient's night the card would wait and a journey's "4/4 sent" would depend on the
   * hour it runs at. Each journey's organisation is new, so its other settings stay the defaults.
   */
  async liveProcess(overrides: Record<string, unknown> = {}): Promise<string> {
    await this.call('PUT', '/organisation', { sms_quiet_hours: null });
    const process = await this.call<{ id: string }>('POST', '/processes', { ...PROCESS, ...overrides });
    await this.call('POST', `/processes/${process.id}/publish`);
    return process.id;
  }

  /** A batch from a file uploaded with its pre-signed POST, once it has left validation. */
  async batch(processId: string, options: { name?: string; autoDistribute?: boolean; file?: string } = {}): Promise<Batch> {
    const created = await this.call<Batch & { upload: { url: string; fields: Record<string, string> } }>('POST', '/batches', {
      process_id: processId,
      file_name: 'recipients.csv',
      name: options.name,
      auto_distribute: options.autoDistribute ?? true,
    });
    const form = new FormData();
    for (const [name, value] of Object.entries(created.upload.fields)) form.append(name, value);
    form.append('file', new Blob([readFileSync(options.file ?? RECIPIENTS)]), 'recipients.csv');
    const uploaded = await fetch(created.upload.url, { method: 'POST', body: form });
    if (!uploaded.ok) throw new Error(`upload: ${uploaded.status}`);
    return this.waitFor(created.id, (batch) => !['uploading', 'validating', 'generating'].includes(batch.status));
  }

  async waitFor(batchId: string, done: (batch: Batch) => boolean, seconds = 60): Promise<Batch> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
      const batch = await this.call<Batch>('GET', `/batches/${batchId}`);
      if (done(batch)) return batch;
      if (Date.now() > deadline) throw new Error(`batch ${batchId} is still ${batch.status}`);
      await new Promise((wait) => setTimeout(wait, 250));
    }
  }
}

/** The local stack's clock (`/_local/clock`): a schedule fires when the clock passes its time. */
export const localClock = {
  async now(): Promise<Date> {
    const response = await fetch(`${stack().api}/_local/clock`);
    return new Date(((await response.json()) as { now: string }).now);
  },
  /** Moves the clock forward, fires what falls due and waits for those runs; how many fired. */
  async advance(seconds: number): Promise<number> {
    const response = await fetch(`${stack().api}/_local/clock`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ advance_seconds: Math.ceil(seconds) }),
    });
    if (!response.ok) throw new Error(`advancing the local clock: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { fired: number }).fired;
  },
};

/** A file dropped in the local stack's bucket (as a distribution's source, `sources/<org>/…`). */
export async function dropFile(key: string, body: string): Promise<void> {
  const aws = process.env['AWS_URL'];
  const bucket = process.env['BUCKET'];
  if (!aws || !bucket) throw new Error('no local stack: the global setup did not run');
  const response = await fetch(`${aws}/${bucket}/${key}`, { method: 'PUT', body });
  if (!response.ok) throw new Error(`PUT ${key}: ${response.status} ${await response.text()}`);
}

export interface Batch {
  id: string;
  name: string;
  status: string;
  sent_label: string;
  counters: { cards: number; sent: number; by_status: Record<string, number> };
}

/**
 * No serious or critical accessibility violation on the page as it is now, once its transitions
 * have ended: axe measures colour contrast on what is painted, and a flash message fading in is
 * half transparent until then (a check that depended on how fast the machine was). The email
 * previews are left out: they show an admin's own email HTML in a sandboxed frame that runs no
 * script (axe cannot run in it), and the frame itself is checked (it has a title).
 */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter((animation) => animation.effect?.getComputedTiming().endTime !== Infinity)
        .map((animation) => animation.finished.catch(() => undefined)),
    ),
  );
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .exclude('iframe.email-preview')
    .analyze();
  const grave = results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
  const summary = grave.map((violation) => `${violation.id} (${violation.impact}): ${violation.help} — ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
  expect(summary, `accessibility of ${screen}`).toEqual([]);
}

/** A screenshot of the screen, kept with the test results (not committed). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: resolve(SCREENS, `${name}.png`), fullPage: true });
}

/** Presses Tab until `target` has the focus: the control is reachable by keyboard. */
export async function tabTo(page: Page, target: Locator, presses = 80): Promise<void> {
  for (let press = 0; press < presses; press += 1) {
    if (await target.evaluate((element) => element === document.activeElement || element.contains(document.activeElement))) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${target.toString()} was not reached with ${presses} presses of Tab`);
}
