// Builds js/dist/tensorweb.js (one ES module, every shaders/**/*.wgsl inlined
// as text through the virtual module 'tensorweb:shaders', the package's and
// the model format's versions through 'tensorweb:build-info') and the type
// declarations at js/dist/tensorweb.d.ts; then the registry's schema for the
// converter, converter/op_schema.json (scripts/write_op_schema.mjs).
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync }
  from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SCHEMA_FILE, writeOpSchema } from './write_op_schema.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const shaderDir = join(root, 'shaders');
const dist = join(root, 'js', 'dist');

/** Every file below `folder`, as paths relative to it, sorted. */
function filesUnder(folder, base = folder) {
  return readdirSync(folder).sort().flatMap((name) => {
    const path = join(folder, name);
    return statSync(path).isDirectory() ? filesUnder(path, base) : [relative(base, path)];
  });
}

function wgslFiles() {
  return filesUnder(shaderDir).filter((f) => f.endsWith('.wgsl'));
}

// Keys are paths relative to shaders/ with forward slashes: 'matmul/matmul.wgsl'.
const shadersPlugin = {
  name: 'tensorweb-shaders',
  setup(b) {
    b.onResolve({ filter: /^tensorweb:shaders$/ }, () => ({ path: 'shaders', namespace: 'tensorweb-shaders' }));
    b.onLoad({ filter: /.*/, namespace: 'tensorweb-shaders' }, () => {
      const files = wgslFiles();
      const table = Object.fromEntries(
        files.map((f) => [f.split('\\').join('/'), readFileSync(join(shaderDir, f), 'utf8')]));
      return {
        contents: `export default ${JSON.stringify(table)};`,
        loader: 'js',
        watchFiles: files.map((f) => join(shaderDir, f)),
      };
    });
  },
};

// The package's version (package.json) and the model format's (its schema,
// converter/model.schema.json): each written in one place, inlined here.
const packageFile = join(root, 'package.json');
const schemaFile = join(root, 'converter', 'model.schema.json');
const buildInfoPlugin = {
  name: 'tensorweb-build-info',
  setup(b) {
    b.onResolve({ filter: /^tensorweb:build-info$/ }, () => ({ path: 'build-info', namespace: 'tensorweb-build-info' }));
    b.onLoad({ filter: /.*/, namespace: 'tensorweb-build-info' }, () => {
      const { version } = JSON.parse(readFileSync(packageFile, 'utf8'));
      const schema = JSON.parse(readFileSync(schemaFile, 'utf8'));
      return {
        contents: `export const VERSION = ${JSON.stringify(version)};\n` +
          `export const FORMAT_VERSION = ${JSON.stringify(schema.properties.formatVersion.const)};`,
        loader: 'js',
        watchFiles: [packageFile, schemaFile],
      };
    });
  },
};

async function buildInto(out) {
  await build({
    entryPoints: [join(root, 'js', 'src', 'index.ts')],
    outfile: join(out, 'tensorweb.js'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    sourcemap: true,
    plugins: [shadersPlugin, buildInfoPlugin],
    logLevel: 'warning',
  });
  // Declarations: tsc emits one .d.ts per module under types/; the public
  // entry re-exports them so editors see the whole API from 'tensorweb'.
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p',
    join(root, 'tsconfig.json'), '--emitDeclarationOnly', '--declaration', '--outDir', join(out, 'types')],
  { stdio: 'inherit' });
  writeFileSync(join(out, 'tensorweb.d.ts'), "export * from './types/index.js';\n");
}

/**
 * Moves each built file into `to` with an atomic rename, then deletes the
 * files of `to` this build no longer makes: a test or page reading dist/
 * during a rebuild sees the old file or the new one, never a missing one.
 */
function install(from, to) {
  const built = filesUnder(from);
  for (const file of built) {
    mkdirSync(dirname(join(to, file)), { recursive: true });
    renameSync(join(from, file), join(to, file));
  }
  const keep = new Set(built);
  for (const file of filesUnder(to)) if (!keep.has(file)) rmSync(join(to, file));
}

mkdirSync(dist, { recursive: true });
const staging = mkdtempSync(join(root, 'js', '.dist-'));
try {
  await buildInto(staging);
  install(staging, dist);
} finally {
  rmSync(staging, { recursive: true, force: true });
}
console.log(`built ${relative(root, join(dist, 'tensorweb.js'))} with ${wgslFiles().length} WGSL files`);
if (await writeOpSchema()) console.log(`wrote ${relative(root, SCHEMA_FILE)}: commit it with the op change`);
