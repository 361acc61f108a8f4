// Fails when the console's own TypeScript (src/, tests/) spells the type `any` anywhere: every value
// is typed from the contract or declared; `unknown` is for what is genuinely not known yet.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const roots = ['src', 'tests'];
const generated = new Set(['src/api/schema.d.ts']);
const found = [];

function walk(path) {
  for (const name of readdirSync(path)) {
    const full = join(path, name);
    if (statSync(full).isDirectory()) walk(full);
    else if (/\.(ts|tsx)$/.test(name) && !generated.has(relative('.', full))) check(full);
  }
}

function check(file) {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const visit = (node) => {
    if (node.kind === ts.SyntaxKind.AnyKeyword) {
      const { line, character } = source.getLineAndCharacterOfPosition(node.getStart());
      found.push(`${file}:${line + 1}:${character + 1}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}

roots.forEach(walk);
if (found.length) {
  console.error(`the type "any" is not used in the console:\n  ${found.join('\n  ')}`);
  process.exit(1);
}
