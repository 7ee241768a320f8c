// Runs node's test runner on every *.test.mjs below the given folder.
// Usage: node scripts/run-node-tests.mjs DIR [--junit FILE]
// Listing files ourselves keeps the behaviour the same across Node versions.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const [dir, ...rest] = process.argv.slice(2);
const junitAt = rest.indexOf('--junit');
const junitFile = junitAt >= 0 ? rest[junitAt + 1] : null;

function findTests(folder) {
  return readdirSync(folder).sort().flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return findTests(path);
    return name.endsWith('.test.mjs') ? [path] : [];
  });
}

const files = findTests(dir);
if (files.length === 0) {
  console.error(`no *.test.mjs files under ${dir}`);
  process.exit(1);
}
const reporters = ['--test-reporter=spec', '--test-reporter-destination=stdout'];
if (junitFile) reporters.push('--test-reporter=junit', `--test-reporter-destination=${junitFile}`);
const result = spawnSync(process.execPath, ['--test', ...reporters, ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
