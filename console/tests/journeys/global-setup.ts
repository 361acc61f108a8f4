/**
 * Starts the whole local stack (`dispatch up`) on free ports for the journeys, and stops it after
 * them. Its endpoints reach the tests as environment variables.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');

interface StackInfo {
  api: string;
  aws: string;
  bucket: string;
  console: string;
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const dispatch = resolve(ROOT, '.venv', 'bin', 'dispatch');
  if (!existsSync(dispatch)) {
    throw new Error(`${dispatch} is missing: run \`make install\` first`);
  }
  if (!existsSync(resolve(ROOT, 'console', 'dist', 'local-stack', 'index.html'))) {
    throw new Error('the local console is not built: run `npm run build` (or `make build`) first');
  }
  const child = spawn(dispatch, ['--api-port', '0', '--aws-port', '0', '--console-port', '0', 'up'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  const info = await new Promise<StackInfo>((done, fail) => {
    // A hang guard, not a speed check: under load average ~20 the stack once took over 120 s to start.
    const timer = setTimeout(() => fail(new Error('the local stack did not start within 300 s')), 300_000);
    child.once('exit', (code) => fail(new Error(`the local stack exited (${code}) before it started`)));
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      done(JSON.parse(line) as StackInfo);
    });
  });
  process.env['CONSOLE_URL'] = info.console;
  process.env['API_URL'] = info.api;
  process.env['AWS_URL'] = info.aws;
  process.env['BUCKET'] = info.bucket;
  return async () => {
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((done) => setTimeout(done, 15_000))]);
  };
}
