// Access to the WGSL sources the build inlined from shaders/.
import table from 'tensorweb:shaders';

/** Paths (relative to shaders/) of every inlined WGSL file. */
export function listShaders(): string[] {
  return Object.keys(table).sort();
}

/** The WGSL text of `path` (relative to shaders/, e.g. 'elementwise/unary.wgsl'). */
export function shaderSource(path: string): string {
  const source = table[path];
  if (source === undefined) {
    throw new Error(`tensorweb: no shader '${path}' in the bundle (have: ${listShaders().join(', ')})`);
  }
  return source;
}

/**
 * Applies the elementwise body substitution: the line of `source` marked
 * `// @body` becomes `return <expression>;`. The file as written returns its
 * input, so it stays valid WGSL on its own.
 */
export function substituteBody(source: string, expression: string): string {
  const lines = source.split('\n');
  const at = lines.findIndex((line) => line.includes('// @body'));
  if (at < 0) throw new Error('tensorweb: shader has no `// @body` line to substitute');
  const indent = lines[at].match(/^\s*/)![0];
  lines[at] = `${indent}return ${expression};`;
  return lines.join('\n');
}
