/**
 * The development sign-in never ships in the AWS build: no module of it, and none of its words,
 * in console/dist/aws — while the local build has them (so this check can fail).
 * Runs after `npm run build`, which builds both (make test does).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const DIST = resolve(import.meta.dirname, '..', '..', 'dist');
const MARKERS = ['dev_user', '/_local/token', 'dispatch.dev-token', 'Local stack only'];

function bundleText(build: string): string {
  const assets = join(DIST, build, 'assets');
  if (!existsSync(assets)) throw new Error(`${assets} is missing: run \`npm run build\` first`);
  return readdirSync(assets)
    .filter((name) => name.endsWith('.js'))
    .map((name) => readFileSync(join(assets, name), 'utf8'))
    .join('\n');
}

describe('the development sign-in', () => {
  it('is in the local build', () => {
    const local = bundleText('local-stack');
    for (const marker of MARKERS) expect(local).toContain(marker);
  });

  it('is not in the AWS build', () => {
    const aws = bundleText('aws');
    for (const marker of MARKERS) expect(aws).not.toContain(marker);
    expect(aws).toContain('signinRedirect'); // the Cognito sign-in is
  });
});

describe('the start-up chunk', () => {
  // It asks for config.json and the first screen's list while React and Cloudscape still load.
  const staticClosure = (build: string): string[] => {
    const manifestPath = join(DIST, build, '.vite', 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, { file: string; isEntry?: boolean; imports?: string[] }>;
    const entry = Object.keys(manifest).find((key) => manifest[key]?.isEntry);
    const seen = new Set<string>();
    const pending = entry ? [entry] : [];
    for (let key = pending.pop(); key !== undefined; key = pending.pop()) {
      if (seen.has(key)) continue;
      seen.add(key);
      pending.push(...(manifest[key]?.imports ?? []));
    }
    return [...seen].map((key) => readFileSync(join(DIST, build, manifest[key]?.file ?? ''), 'utf8'));
  };

  it.each(['aws', 'local-stack'])('holds no React in the %s build (React is in the chunk it loads)', (build) => {
    const startUp = staticClosure(build);
    expect(startUp.length).toBeGreaterThan(0);
    for (const text of startUp) expect(text).not.toContain('react.dev/errors'); // React's production error links
    expect(bundleText(build)).toContain('react.dev/errors');
  });
});
