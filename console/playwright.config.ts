/**
 * The browser journeys (tests/journeys): Debian's Chromium, headless, against a local stack that
 * the global setup starts on free ports. `BENCH=1` runs only the benchmark (tagged @bench),
 * `DOCS=1` only the README's screenshots (tagged @docs).
 */
import { defineConfig } from '@playwright/test';

const bench = Boolean(process.env['BENCH']);
const docs = Boolean(process.env['DOCS']);
/** What a run holds: the journeys, or on purpose only the benchmark (@bench) or the README's screenshots (@docs). */
const only = bench ? /@bench/ : docs ? /@docs/ : undefined;

export default defineConfig({
  testDir: 'tests/journeys',
  globalSetup: './tests/journeys/global-setup.ts',
  outputDir: 'test-results/output',
  timeout: bench ? 600_000 : 90_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: 1, // one local stack, two cores shared with it
  retries: 0,
  reporter: [['list']],
  grep: only,
  grepInvert: only ? undefined : /@bench|@docs/,
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    launchOptions: {
      executablePath: process.env['CHROMIUM'] ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    acceptDownloads: true,
  },
});
