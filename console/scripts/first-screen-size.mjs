// Prints the JavaScript the first screen (the batches list) downloads, from Vite's manifest: the
// entry chunk (the start-up), what it loads at once (the user interface, the batches screen and
// the build's sign-in: its dynamic imports), and all their static imports. Every other screen is
// a chunk of its own, loaded when first visited.
// Usage: node scripts/first-screen-size.mjs dist/aws
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = process.argv[2] ?? 'dist/aws';
const manifest = JSON.parse(readFileSync(join(dist, '.vite', 'manifest.json'), 'utf8'));

export function closure(keys) {
  const seen = new Set();
  const stack = [...keys];
  while (stack.length) {
    const key = stack.pop();
    if (seen.has(key)) continue;
    seen.add(key);
    stack.push(...(manifest[key]?.imports ?? []));
  }
  return [...seen];
}

const entry = Object.keys(manifest).find((key) => manifest[key].isEntry);
const keys = closure([entry, ...(manifest[entry].dynamicImports ?? [])]);
let raw = 0;
let gzip = 0;
for (const key of keys) {
  const body = readFileSync(join(dist, manifest[key].file));
  raw += body.length;
  gzip += gzipSync(body, { level: 9 }).length;
}
const all = Object.values(manifest).filter((chunk) => chunk.file.endsWith('.js')).length;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;
console.log(`console first screen (${dist}): ${keys.length} of ${all} JS chunks, ${kb(raw)} (${kb(gzip)} gzip)`);
