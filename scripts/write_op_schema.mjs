// Writes the op registry's schema to converter/op_schema.json, the op set the
// converter reads: tw.describeOps() of the built bundle (every field it gives
// but `backends`, which says what this bundle's backends registered, not what
// the op is) and the dtypes a `dtype` attribute may name. Keys are sorted and
// the file is rewritten only when it changes, so a build leaves it alone
// unless an op's contract moved. scripts/build.mjs runs it after bundling.
//
// Usage: node scripts/write_op_schema.mjs [--check] [FILE]
//   --check  writes nothing; exits 1 naming the ops whose entry in FILE is not
//            the bundle's (tests/js/ops/op_schema.test.mjs runs it)
//   FILE     default converter/op_schema.json
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const SCHEMA_FILE = join(root, 'converter', 'op_schema.json');
const BUNDLE = join(root, 'js', 'dist', 'tensorweb.js');
const NOT_SCHEMA = new Set(['backends']);
const COMMENT = 'Generated from the runtime registry (tw.describeOps()) by scripts/write_op_schema.mjs, ' +
  'run by `npm run build`; do not edit. Commit it with the op change that moved it.';

/** `value` with every object's keys sorted (arrays keep their order: inputs and oneOf are ordered). */
function sortedKeys(value) {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortedKeys(value[key])]));
}

/** The schema as the bundle at `bundlePath` describes it. */
export async function opSchema(bundlePath = BUNDLE) {
  const tw = await import(pathToFileURL(bundlePath).href);
  const ops = Object.fromEntries(Object.entries(tw.describeOps()).map(([name, description]) =>
    [name, Object.fromEntries(Object.entries(description).filter(([field]) => !NOT_SCHEMA.has(field)))]));
  return { $comment: COMMENT, dtypes: [...tw.ATTR_DTYPES], ops };
}

export function schemaText(schema) {
  return `${JSON.stringify(sortedKeys(schema), null, 2)}\n`;
}

/** What differs between a committed schema and a fresh one, in words; [] when nothing does. */
export function differences(committedText, fresh) {
  let committed;
  try {
    committed = JSON.parse(committedText);
  } catch (e) {
    return [`it is not JSON (${e.message})`];
  }
  const found = [];
  const text = (v) => JSON.stringify(sortedKeys(v));
  if (text(committed.dtypes) !== text(fresh.dtypes)) found.push('dtypes differ');
  const old = committed.ops ?? {};
  const names = [...new Set([...Object.keys(old), ...Object.keys(fresh.ops)])].sort();
  const added = names.filter((n) => !(n in old));
  const removed = names.filter((n) => !(n in fresh.ops));
  const changed = names.filter((n) => n in old && n in fresh.ops && text(old[n]) !== text(fresh.ops[n]));
  if (added.length) found.push(`ops missing from it: ${added.join(', ')}`);
  if (removed.length) found.push(`ops the registry no longer has: ${removed.join(', ')}`);
  if (changed.length) found.push(`ops whose entry differs: ${changed.join(', ')}`);
  if (!found.length && committedText !== schemaText(fresh)) found.push('its formatting differs');
  return found;
}

/** Writes the schema to `file` if it differs; returns whether it wrote. */
export async function writeOpSchema(file = SCHEMA_FILE, bundlePath = BUNDLE) {
  const text = schemaText(await opSchema(bundlePath));
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return false;
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
  return true;
}

async function main(args) {
  const check = args.includes('--check');
  const file = args.find((a) => a !== '--check') ?? SCHEMA_FILE;
  const shown = relative(process.cwd(), file) || file;
  if (!check) {
    console.log(await writeOpSchema(file) ? `wrote ${shown}` : `${shown} is up to date`);
    return 0;
  }
  const committed = existsSync(file) ? readFileSync(file, 'utf8') : null;
  const found = committed === null ? ['it does not exist'] : differences(committed, await opSchema());
  if (!found.length) return 0;
  console.error(`${shown} is stale against ${relative(root, BUNDLE)}: ${found.join('; ')}. ` +
    'Run `npm run build` (it rewrites the file) and commit it.');
  return 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2));
}
