// Lists the host's units past the standards' sizes (issue 19): source files over 400 lines and
// functions over 60 lines in host/*/src (tests excluded unless --tests). Prints only; exit 0.
// Usage: node scripts/unit-sizes.mjs [--tests] [--file-lines N] [--fn-lines N]
import ts from 'typescript';
import { readFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(name);
  if (i < 0) return def;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`unit-sizes: ${name} needs a positive integer`);
    process.exit(2);
  }
  return n;
};
const FILE_MAX = opt('--file-lines', 400);
const FN_MAX = opt('--fn-lines', 60);
const withTests = argv.includes('--tests');

const files = execSync("git ls-files 'host/*/src/**/*.ts'", { cwd: ROOT, encoding: 'utf8' })
  .trim().split('\n').filter((f) => f && (withTests || !f.endsWith('.test.ts')));
const longFiles = [];
const longFns = [];
for (const f of files) {
  const text = readFileSync(path.join(ROOT, f), 'utf8');
  const lines = text.split('\n').length;
  if (lines > FILE_MAX) longFiles.push([lines, f]);
  const sf = ts.createSourceFile(f, text, ts.ScriptTarget.Latest, true);
  const visit = (n) => {
    const fn = ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n) || ts.isArrowFunction(n) || ts.isFunctionExpression(n);
    if (fn && n.body) {
      const a = sf.getLineAndCharacterOfPosition(n.getStart()).line;
      const b = sf.getLineAndCharacterOfPosition(n.end).line;
      if (b - a + 1 > FN_MAX) longFns.push([b - a + 1, `${f}:${a + 1}`, n.name?.getText() ?? '(anonymous)']);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
}
console.log(`files over ${FILE_MAX} lines:`);
for (const r of longFiles.sort((x, y) => y[0] - x[0])) console.log(`  ${r.join('  ')}`);
console.log(`functions over ${FN_MAX} lines:`);
for (const r of longFns.sort((x, y) => y[0] - x[0])) console.log(`  ${r.join('  ')}`);
