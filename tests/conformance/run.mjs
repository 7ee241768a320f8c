// The TF.js conformance tier: TF.js 4.22's own op test files, run unmodified
// against tensorweb on cpu (in node) and on webgpu (in headless Chromium).
//
//   node tests/conformance/run.mjs [--backend cpu|webgpu]... [--files SUBSTRING[,SUBSTRING...]]
//        [--junit FILE] [--update-expected]
//
// With no --backend it runs both, every file (about 15 s on cpu and 100 s on
// webgpu over SwiftShader, so make test runs all of it). --files runs the
// files whose path contains SUBSTRING (any of the comma-separated ones). Prints each file's counts and each backend's totals, writes
// test-artifacts/conformance/<backend>.json, and exits non-zero when a spec
// fails that expected_failures.json does not name, or the pass rate falls
// below that file's threshold. --update-expected rewrites the list from this
// run (keeping the reasons already written for specs that still fail).

import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ROOT, bundleTestFiles, listTestFiles, staticSpecCount } from './bundle.mjs';
import { classifyFailure, classifyLoadError } from './classify.mjs';

const EXPECTED_PATH = join(ROOT, 'tests/conformance/expected_failures.json');
const OUT = join(ROOT, 'test-artifacts/conformance');
const NOT_LOADED = '(file not loaded)';

const TEST_ENVS = {
  cpu: { name: 'cpu', backendName: 'cpu', isDataSync: true, platform: 'node', floatPrecision: 32 },
  webgpu: { name: 'webgpu', backendName: 'webgpu', isDataSync: true, platform: 'browser', floatPrecision: 32 },
};

function parseArgs(argv) {
  const args = { backends: [], files: null, junit: null, updateExpected: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--backend') args.backends.push(argv[++i]);
    else if (flag === '--files') args.files = argv[++i];
    else if (flag === '--junit') args.junit = argv[++i];
    else if (flag === '--update-expected') args.updateExpected = true;
    else throw new Error(`unknown argument ${flag} (see the usage at the top of tests/conformance/run.mjs)`);
  }
  if (args.backends.length === 0) args.backends = ['cpu', 'webgpu'];
  for (const b of args.backends) if (!TEST_ENVS[b]) throw new Error(`--backend ${b}: expected cpu or webgpu`);
  if (args.updateExpected && args.files) throw new Error('--update-expected needs a run of every file (without --files)');
  return args;
}

// ---- running files -----------------------------------------------------------------
async function runInNode(bundles, testEnv) {
  const tw = await import(pathToFileURL(join(ROOT, 'js/dist/tensorweb.js')).href);
  const harness = await import(pathToFileURL(join(ROOT, 'tests/conformance/harness/run_file.mjs')).href);
  harness.setUpConformance(testEnv, tw);
  const onStray = (err) => harness.onStrayError(err);
  process.on('unhandledRejection', onStray);
  process.on('uncaughtException', onStray);
  try {
    const results = [];
    for (const { file, bundle } of bundles) {
      results.push({ file, ...(await harness.runTestFile(pathToFileURL(bundle).href)) });
      process.stdout.write('.');
    }
    process.stdout.write('\n');
    return { results, adapter: 'cpu (node)' };
  } finally {
    process.off('unhandledRejection', onStray);
    process.off('uncaughtException', onStray);
  }
}

async function runInChromium(bundles, testEnv) {
  const { BrowserSession } = await import('../browser/helper.mjs');
  const session = await BrowserSession.start({ pagePath: '/tests/conformance/page.html' });
  const openPage = async () => {
    const page = await session.newPage();
    const ready = await page.page.evaluate((env) => window.conformance.setUp(env), testEnv);
    if (!ready.ok) throw new Error(`the webgpu backend did not initialise in Chromium: ${ready.error}`);
    return { page, adapter: ready.adapter };
  };
  try {
    let { page, adapter } = await openPage();
    const results = [];
    for (const { file, bundle } of bundles) {
      const url = `/${relative(ROOT, bundle).split('\\').join('/')}`;
      try {
        results.push({ file, ...(await page.page.evaluate((u) => window.conformance.runTestFile(u), url)) });
      } catch (err) {
        // The page died (a crash or a lost device): charge the file, carry on in a fresh page.
        results.push({ file, loadError: `the page failed while running it: ${err.message.split('\n')[0]}` });
        await page.close().catch(() => {});
        ({ page } = await openPage());
      }
      process.stdout.write('.');
    }
    process.stdout.write('\n');
    return { results, adapter };
  } finally {
    await session.close();
  }
}

// ---- counting and checking ------------------------------------------------------------
function summarise(backend, fileResults, bundleErrors) {
  const files = [];
  for (const { file, bundleError } of bundleErrors) {
    files.push({ file, loaded: false, loadError: `could not bundle: ${bundleError}`, estimatedSpecs: staticSpecCount(file), specs: [] });
  }
  for (const r of fileResults) {
    if (r.loadError) {
      files.push({ file: r.file, loaded: false, loadError: r.loadError, estimatedSpecs: staticSpecCount(r.file), specs: [] });
      continue;
    }
    // TF.js repeats a few titles within a file; the second one's key gets ' #2', and so on.
    const seen = new Map();
    const specs = r.specs.map((s) => ({
      key: seen.set(s.key, (seen.get(s.key) ?? 0) + 1).get(s.key) > 1 ? `${s.key} #${seen.get(s.key)}` : s.key,
      name: s.name,
      status: s.status,
      ...(s.status === 'failed' ? { failure: s.failures.join('\n').slice(0, 2000), reason: classifyFailure(s) } : {}),
      ...(s.status === 'pending' ? { pendingReason: s.pendingReason } : {}),
    }));
    for (const stray of r.strayErrors ?? []) {
      specs.push({ key: '(error outside any spec)', name: stray, status: 'failed', failure: stray, reason: 'not done yet: an error outside any spec' });
    }
    files.push({ file: r.file, loaded: true, specs });
  }
  files.sort((a, b) => a.file.localeCompare(b.file));
  const totals = { filesLoaded: 0, filesNotLoaded: 0, passed: 0, failed: 0, pending: 0, estimatedFailedInUnloaded: 0 };
  for (const f of files) {
    if (!f.loaded) {
      totals.filesNotLoaded++;
      totals.failed += f.estimatedSpecs;
      totals.estimatedFailedInUnloaded += f.estimatedSpecs;
      f.reason = classifyLoadError(f.loadError);
      continue;
    }
    totals.filesLoaded++;
    for (const s of f.specs) totals[s.status]++;
  }
  totals.counted = totals.passed + totals.failed;
  totals.passRate = totals.counted ? (100 * totals.passed) / totals.counted : 0;
  return { backend, files, totals };
}

function failingKeys(summary) {
  const keys = new Map();
  for (const f of summary.files) {
    if (!f.loaded) keys.set(`${f.file} :: ${NOT_LOADED}`, { reason: f.reason, weight: f.estimatedSpecs });
    for (const s of f.specs) if (s.status === 'failed') keys.set(`${f.file} :: ${s.key}`, { reason: s.reason, weight: 1 });
  }
  return keys;
}

function passingKeys(summary) {
  return new Set(summary.files.flatMap((f) => f.specs.filter((s) => s.status === 'passed').map((s) => `${f.file} :: ${s.key}`)));
}

function readExpected() {
  if (!existsSync(EXPECTED_PATH)) return { thresholds: {}, failures: {} };
  return JSON.parse(readFileSync(EXPECTED_PATH, 'utf8'));
}

function check(summary, expected) {
  const kind = summary.backend;
  const problems = [];
  const listed = (key) => expected.failures[key]?.on?.includes(summary.backend);
  const failing = failingKeys(summary);
  const unexpected = [...failing].filter(([key]) => !listed(key));
  const passing = passingKeys(summary);
  const nowPassing = Object.keys(expected.failures).filter((key) => listed(key) && passing.has(key));
  const threshold = expected.thresholds?.[kind];
  if (unexpected.length) problems.push(`${unexpected.length} failing spec(s) not in tests/conformance/expected_failures.json`);
  if (threshold === undefined) problems.push(`no pass-rate threshold for '${kind}' in tests/conformance/expected_failures.json`);
  else if (summary.totals.passRate < threshold) problems.push(`pass rate ${summary.totals.passRate.toFixed(1)}% is below the threshold ${threshold}%`);
  return { problems, unexpected, nowPassing, threshold };
}

// ---- printing ----------------------------------------------------------------------
function printSummary(summary, verdict, seconds, adapter) {
  const { backend, files, totals } = summary;
  console.log(`\n--- conformance on ${backend} (${adapter}): per file`);
  for (const f of files) {
    if (!f.loaded) {
      console.log(`  ${f.file.padEnd(44)} NOT LOADED, ~${f.estimatedSpecs} specs counted failed: ${f.loadError.split('\n')[0].slice(0, 160)}`);
      continue;
    }
    const n = { passed: 0, failed: 0, pending: 0 };
    for (const s of f.specs) n[s.status]++;
    console.log(`  ${f.file.padEnd(44)} ${String(n.passed).padStart(4)} passed ${String(n.failed).padStart(4)} failed${n.pending ? ` ${n.pending} pending` : ''}`);
  }
  const pending = files.flatMap((f) => f.specs.filter((s) => s.status === 'pending').map((s) => `${f.file} :: ${s.key} (${s.pendingReason})`));
  if (pending.length) {
    console.log(`  pending specs (xit/pending/not focused, not counted in the rate):`);
    for (const p of pending) console.log(`    ${p}`);
  }
  const categories = new Map();
  for (const [, { reason, weight }] of failingKeys(summary)) categories.set(reason, (categories.get(reason) ?? 0) + weight);
  console.log(`--- conformance on ${backend}: largest failure categories (specs)`);
  for (const [reason, count] of [...categories].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    console.log(`  ${String(count).padStart(5)}  ${reason}`);
  }
  if (verdict.nowPassing.length) {
    console.log(`--- ${verdict.nowPassing.length} spec(s) on the expected-failure list now pass on ${backend}; take them off it (--update-expected):`);
    for (const key of verdict.nowPassing.slice(0, 50)) console.log(`    ${key}`);
  }
  if (verdict.unexpected.length) {
    console.log(`--- ${verdict.unexpected.length} unexpected failure(s) on ${backend}:`);
    for (const [key] of verdict.unexpected.slice(0, 50)) {
      const [file, specKey] = key.split(' :: ');
      const spec = summary.files.find((f) => f.file === file)?.specs.find((s) => s.key === specKey);
      console.log(`    ${key}\n        ${(spec?.failure ?? summary.files.find((f) => f.file === file)?.loadError ?? '').split('\n')[0].slice(0, 300)}`);
    }
  }
  console.log(`conformance ${backend}: files ${totals.filesLoaded} loaded, ${totals.filesNotLoaded} not loaded; `
    + `specs ${totals.passed} passed, ${totals.failed} failed (${totals.estimatedFailedInUnloaded} of them estimated in files not loaded), `
    + `${totals.pending} pending; ${totals.passRate.toFixed(1)}% of ${totals.counted} pass`
    + ` (threshold ${verdict.threshold ?? 'unset'}%) in ${seconds.toFixed(0)} s`
    + `${verdict.problems.length ? `  FAIL: ${verdict.problems.join('; ')}` : ''}`);
}

function xmlEscape(text) {
  return String(text).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c])
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}

/**
 * JUnit XML, one testcase per spec; a file not loaded gives as many failed
 * testcases as its estimated spec count, so the counts match the totals
 * printed. A failure on the expected list has type="expected".
 */
function writeJunit(path, summaries, expected) {
  const suites = summaries.map(({ backend, files }) => {
    const cases = files.flatMap((f) => {
      const specs = f.loaded ? f.specs : Array.from({ length: f.estimatedSpecs }, (_, i) => ({
        key: `${NOT_LOADED} ${i + 1} of ~${f.estimatedSpecs}`, listKey: NOT_LOADED, status: 'failed', failure: f.loadError, reason: f.reason,
      }));
      return specs.map((s) => {
        const known = expected.failures[`${f.file} :: ${s.listKey ?? s.key}`]?.on?.includes(backend);
        const body = s.status === 'failed'
          ? `<failure type="${known ? 'expected' : 'unexpected'}" message="${xmlEscape(s.reason)}">${xmlEscape(s.failure)}</failure>`
          : s.status === 'pending' ? `<skipped message="${xmlEscape(s.pendingReason)}"/>` : '';
        return `    <testcase classname="${xmlEscape(`${backend}.${f.file}`)}" name="${xmlEscape(s.key)}">${body}</testcase>`;
      });
    });
    const failures = cases.filter((c) => c.includes('<failure')).length;
    return `  <testsuite name="conformance-${backend}" tests="${cases.length}" failures="${failures}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  writeFileSync(path, `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n${suites.join('\n')}\n</testsuites>\n`);
}

function updateExpected(expected, summaries) {
  const failures = { ...expected.failures };
  for (const summary of summaries) {
    const failing = failingKeys(summary);
    const ranFiles = new Set(summary.files.map((f) => f.file));
    for (const [key, entry] of Object.entries(failures)) {
      if (!ranFiles.has(key.split(' :: ')[0]) || !entry.on.includes(summary.backend) || failing.has(key)) continue;
      entry.on = entry.on.filter((b) => b !== summary.backend);
      if (entry.on.length === 0) delete failures[key];
    }
    for (const [key, { reason }] of failing) {
      const entry = failures[key] ?? (failures[key] = { reason, on: [] });
      if (!entry.on.includes(summary.backend)) entry.on = [...entry.on, summary.backend].sort();
      // A reason someone wrote by hand (a deliberate difference) stays; generated ones follow the run.
      if (entry.reason.startsWith('not done yet')) entry.reason = reason;
    }
    expected.thresholds[summary.backend] = Math.floor(summary.totals.passRate);
  }
  const sorted = Object.fromEntries(Object.entries(failures).sort(([a], [b]) => a.localeCompare(b)));
  // One line per entry, so a change to the list reads as a short diff.
  const lines = Object.entries(sorted).map(([key, entry]) => `  ${JSON.stringify(key)}: ${JSON.stringify({ reason: entry.reason, on: entry.on })}`);
  writeFileSync(EXPECTED_PATH, `{\n "about": ${JSON.stringify(expected.about)},\n "thresholds": ${JSON.stringify(expected.thresholds)},\n`
    + ` "failures": {\n${lines.join(',\n')}\n }\n}\n`);
  console.log(`wrote ${relative(ROOT, EXPECTED_PATH)}: ${Object.keys(sorted).length} entries, thresholds ${JSON.stringify(expected.thresholds)}`);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const expected = readExpected();
  expected.thresholds ??= {};
  expected.failures ??= {};
  let files = listTestFiles();
  if (args.files) files = files.filter((f) => args.files.split(',').some((part) => f.includes(part)));
  mkdirSync(OUT, { recursive: true });
  const summaries = [];
  let ok = true;
  for (const backend of args.backends) {
    const start = Date.now();
    const target = backend === 'cpu' ? 'node' : 'browser';
    console.log(`\n=== conformance ${backend}: ${files.length} TF.js test files`);
    const built = await bundleTestFiles(files, { target, outDir: join(OUT, 'bundles', target) });
    const bundles = built.filter((b) => b.bundle);
    const run = backend === 'cpu' ? runInNode : runInChromium;
    const { results, adapter } = await run(bundles, TEST_ENVS[backend]);
    const summary = summarise(backend, results, built.filter((b) => b.bundleError));
    summary.adapter = adapter;
    const seconds = (Date.now() - start) / 1000;
    summary.seconds = seconds;
    const verdict = check(summary, expected);
    printSummary(summary, verdict, seconds, adapter);
    writeFileSync(join(OUT, `${backend}.json`), `${JSON.stringify({ ...summary, verdict: { problems: verdict.problems, nowPassing: verdict.nowPassing } }, null, 1)}\n`);
    summaries.push(summary);
    ok = ok && (args.updateExpected || verdict.problems.length === 0);
  }
  if (args.updateExpected) updateExpected(expected, summaries);
  if (args.junit) writeJunit(args.junit, summaries, expected);
  return ok ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then((code) => process.exit(code), (err) => {
    console.error(err.stack || err);
    process.exit(2);
  });
}
