// Bundles TF.js's op test files with esbuild, redirecting their imports:
//   '../index' (and '..')             -> tensorweb's bundle, js/dist/tensorweb.js
//   TF.js op modules ('./ops', './gather_nd', './tensor1d', ...), which are
//   its public API under another path  -> tensorweb's bundle too
//   '../jasmine_util', '../test_util' -> this harness (tests/conformance/harness/)
//   any other TF.js file              -> TF.js's own dist file, when it is a pure helper
//                                        (reduce_util, rand_util, util, ...); a file whose
//                                        imports reach TF.js's engine is not loaded.
// The redirected modules stay external imports, so every bundle shares one
// tensorweb and one harness instance. A name a file imports that tensorweb
// does not export makes the file fail to link, and it is counted as not loaded.

import * as esbuild from 'esbuild';
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = realpathSync(resolve(dirname(new URL(import.meta.url).pathname), '../..'));
// Real path: node_modules may be a link, and esbuild names importers by their real paths.
export const TFJS_DIST = realpathSync(join(ROOT, 'node_modules/@tensorflow/tfjs-core/dist'));
const OPS_DIR = join(TFJS_DIST, 'ops');
const HARNESS = join(ROOT, 'tests/conformance/harness');
const TENSORWEB = join(ROOT, 'js/dist/tensorweb.js');

// Tests of TF.js's internal helpers, out of scope (issue #16): they import
// TF.js internals rather than its API.
const OUT_OF_SCOPE = [/_util_test\.js$/, /(^|\/)operation_test\.js$/, /(^|\/)rand_test\.js$/];

// Files that would pull these in use TF.js's engine and tensors, not tensorweb's.
const ENGINE_FILES = ['engine.js', 'tensor.js', 'globals.js', 'base.js', 'index.js', 'ops/operation.js'];

/** The op test files the tier counts, as paths relative to tfjs-core/dist (e.g. 'ops/abs_test.js'). */
export function listTestFiles() {
  const found = [];
  (function walk(dir) {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('_test.js')) found.push(relative(TFJS_DIST, path).split(sep).join('/'));
    }
  })(OPS_DIR);
  return found.filter((file) => !OUT_OF_SCOPE.some((re) => re.test(file)));
}

/**
 * How many specs a file declares, counted from its source (`it(`, `fit(`,
 * `xit(` calls): the count charged as failed when the file cannot load.
 */
export function staticSpecCount(file) {
  const source = readFileSync(join(TFJS_DIST, file), 'utf8');
  return (source.match(/(^|[^\w$.])(f|x)?it\(/g) ?? []).length;
}

// A TF.js module that is public API: ops.js itself, or a module ops.js re-exports
// (an op such as ./gather_nd, or a tensor maker such as ./tensor1d).
let reexportedByOps = null;
function isTfjsApiModule(path) {
  reexportedByOps ??= new Set([...readFileSync(join(OPS_DIR, 'ops.js'), 'utf8').matchAll(/from '\.\/([\w/]+)'/g)]
    .map((m) => join(OPS_DIR, `${m[1]}.js`)));
  return path === join(OPS_DIR, 'ops.js') || reexportedByOps.has(path);
}

/**
 * The URLs the bundles import redirected modules from: `file:` URLs for node,
 * server paths for the page (the static server serves the repository root).
 */
export function externalUrls(target) {
  const url = (path) => (target === 'node' ? pathToFileURL(path).href : `/${relative(ROOT, path).split(sep).join('/')}`);
  return {
    tensorweb: url(TENSORWEB),
    jasmine_util: url(join(HARNESS, 'jasmine_util.mjs')),
    test_util: url(join(HARNESS, 'test_util.mjs')),
  };
}

function redirectPlugin(urls) {
  return {
    name: 'tfjs-conformance-redirect',
    setup(build) {
      build.onResolve({ filter: /^\.\.?(\/|$)/ }, (args) => {
        if (args.kind === 'entry-point' || !args.importer.startsWith(TFJS_DIST + sep)) return undefined;
        const target = resolve(args.resolveDir, args.path);
        const inDist = relative(TFJS_DIST, target).split(sep).join('/');
        if (inDist === '' || inDist === 'index') return { path: urls.tensorweb, external: true };
        if (inDist === 'jasmine_util') return { path: urls.jasmine_util, external: true };
        if (inDist === 'test_util') return { path: urls.test_util, external: true };
        const file = existsSync(`${target}.js`) ? `${target}.js` : target;
        if (isTfjsApiModule(file)) return { path: urls.tensorweb, external: true };
        return undefined; // a TF.js helper, bundled from its dist file
      });
    },
  };
}

/**
 * Bundles each file into outDir (same relative path). Returns, per file,
 * { file, bundle } or { file, bundleError }.
 */
export async function bundleTestFiles(files, { target, outDir }) {
  const urls = externalUrls(target);
  return Promise.all(files.map(async (file) => {
    const outfile = join(outDir, file);
    try {
      const result = await esbuild.build({
        entryPoints: [join(TFJS_DIST, file)],
        bundle: true,
        format: 'esm',
        // TF.js's helpers depend on seedrandom, whose package maps node's crypto away for browsers.
        platform: 'browser',
        target: 'es2022',
        outfile,
        sourcemap: false,
        metafile: true,
        logLevel: 'silent',
        plugins: [redirectPlugin(urls)],
      });
      const engineInputs = Object.keys(result.metafile.inputs)
        .filter((input) => ENGINE_FILES.some((f) => input.endsWith(`tfjs-core/dist/${f}`)));
      if (engineInputs.length) {
        return { file, bundleError: `its helper imports reach TF.js's engine (${engineInputs.join(', ')})` };
      }
      return { file, bundle: outfile };
    } catch (err) {
      return { file, bundleError: (err.errors ?? []).map((e) => e.text).join('; ') || String(err) };
    }
  }));
}
