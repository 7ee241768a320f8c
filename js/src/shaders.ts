// Access to the WGSL sources the build inlined from shaders/, and the text
// slots that specialise them. The same rules are in py/tensorweb/kernels.py.
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

// A code line (not a comment line) that ends in the marker comment `// @name`.
const SLOT_LINE = /^([ \t]*)(?!\/\/)\S.*\/\/\s*@(\w+)[ \t]*$/gm;

/**
 * Replaces each line marked `// @<name>` by `slots[name]`, keeping its indent.
 * Lines whose slot is not given stay as written (the file as written is valid
 * WGSL); naming a slot the file does not have is an error.
 */
export function fillSlots(source: string, slots: Readonly<Record<string, string>>): string {
  const found = new Set([...source.matchAll(SLOT_LINE)].map((m) => m[2]));
  const unknown = Object.keys(slots).filter((name) => !found.has(name));
  if (unknown.length) {
    throw new Error(`tensorweb: shader has no slot(s) ${unknown.join(', ')} (has ${[...found].sort().join(', ')})`);
  }
  return source.replace(SLOT_LINE, (line, indent: string, name: string) =>
    name in slots ? indent + slots[name] : line);
}

/** The elementwise substitution: the `// @body` line becomes `return <expression>;`. */
export function substituteBody(source: string, expression: string): string {
  return fillSlots(source, { body: `return ${expression};` });
}
