// Builds js/dist/tensorweb.js (one ES module, every shaders/**/*.wgsl inlined
// as text through the virtual module 'tensorweb:shaders') and the type
// declarations at js/dist/tensorweb.d.ts.
import { build } from 'esbuild';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const shaderDir = join(root, 'shaders');
const dist = join(root, 'js', 'dist');

function wgslFiles(folder) {
  return readdirSync(folder).sort().flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return wgslFiles(path);
    return name.endsWith('.wgsl') ? [path] : [];
  });
}

// Keys are paths relative to shaders/ with forward slashes: 'matmul/tiled.wgsl'.
const shadersPlugin = {
  name: 'tensorweb-shaders',
  setup(b) {
    b.onResolve({ filter: /^tensorweb:shaders$/ }, () => ({ path: 'shaders', namespace: 'tensorweb-shaders' }));
    b.onLoad({ filter: /.*/, namespace: 'tensorweb-shaders' }, () => {
      const files = wgslFiles(shaderDir);
      const table = Object.fromEntries(
        files.map((f) => [relative(shaderDir, f).split('\\').join('/'), readFileSync(f, 'utf8')]));
      return { contents: `export default ${JSON.stringify(table)};`, loader: 'js', watchFiles: files };
    });
  },
};

rmSync(dist, { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'js', 'src', 'index.ts')],
  outfile: join(dist, 'tensorweb.js'),
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  target: 'es2022',
  sourcemap: true,
  plugins: [shadersPlugin],
  logLevel: 'warning',
});

// Declarations: tsc emits one .d.ts per module under dist/types; the public
// entry re-exports them so editors see the whole API from 'tensorweb'.
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p',
  join(root, 'tsconfig.json'), '--emitDeclarationOnly', '--declaration', '--outDir', join(dist, 'types')],
  { stdio: 'inherit' });
writeFileSync(join(dist, 'tensorweb.d.ts'), "export * from './types/index.js';\n");
console.log(`built ${relative(root, join(dist, 'tensorweb.js'))} with ${wgslFiles(shaderDir).length} shaders`);
