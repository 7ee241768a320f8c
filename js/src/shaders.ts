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

// A `return ...;` statement that ends in the marker comment `// @body`.
const BODY_LINE = /^(\s*)return\b.*;\s*\/\/\s*@body\s*$/m;

/**
 * Applies the elementwise body substitution: the `return ...; // @body` line
 * of `source` becomes `return <expression>;`. The file as written returns its
 * input, so it stays valid WGSL on its own.
 */
export function substituteBody(source: string, expression: string): string {
  if (!BODY_LINE.test(source)) throw new Error('tensorweb: shader has no `return ...; // @body` line to substitute');
  return source.replace(BODY_LINE, (_line, indent: string) => `${indent}return ${expression};`);
}
