// Access to the WGSL sources the build inlined from shaders/, with their
// preludes imported, and the text slots that specialise them. The same rules
// are in py/tensorweb/kernels.py.
import table from 'tensorweb:shaders';

/** Paths (relative to shaders/) of every inlined WGSL file, preludes included. */
export function listShaders(): string[] {
  return Object.keys(table).sort();
}

function fileText(path: string, importedBy?: string): string {
  const source = table[path];
  if (source === undefined) {
    const where = importedBy ? ` (imported by '${importedBy}')` : '';
    throw new Error(`tensorweb: no shader '${path}'${where} in the bundle (have: ${listShaders().join(', ')})`);
  }
  return source;
}

// A whole comment line `// @import <path>`: WGSL has no includes, so the
// prelude at shaders/<path> (helpers several kernels share) takes the line's
// place. A prelude imported again, directly or through another, is left out.
const IMPORT_LINE = /^[ \t]*\/\/[ \t]*@import[ \t]+(\S+)[ \t]*$/gm;

function withImports(path: string, imported: Set<string>, importedBy?: string): string {
  imported.add(path);
  return fileText(path, importedBy).replace(IMPORT_LINE, (_line, prelude: string) =>
    // The import line's own newline ends the prelude.
    imported.has(prelude) ? '' : withImports(prelude, imported, path).replace(/\n$/, ''));
}

/**
 * The WGSL text of `path` (relative to shaders/, e.g. 'elementwise/unary.wgsl'),
 * each `// @import` line replaced by the prelude it names.
 */
export function shaderSource(path: string): string {
  return withImports(path, new Set());
}

/**
 * Kernel modules name their shaders through this, at the top level: each
 * path (and every prelude it imports) is checked against the bundle as the
 * bundle loads, so a misspelled or missing shader fails there, not at the
 * first dispatch that needs it.
 */
export function shaderFiles<const T extends Record<string, string>>(paths: T): T {
  for (const path of Object.values(paths)) shaderSource(path);
  return paths;
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

// A comment line `// @repeat <slot>.<part>: <text>`: one statement of a slot that the caller writes out as a
// list of parts, each with integers for the `{name}` placeholders of its text (a window's taps for one
// geometry, where loops ran slowly). The WGSL stays in the file; the caller supplies only integers.
const REPEAT_LINE = /^[ \t]*\/\/[ \t]*@repeat[ \t]+(\w+)\.(\w+):[ \t]*(.*?)[ \t]*$/gm;
const PLACEHOLDER = /\{([A-Za-z_]\w*)\}/g;

/** One statement of a repeated slot: the template part's name and its placeholders' values. */
export type RepeatItem = readonly [part: string, values: Readonly<Record<string, number>>];

/**
 * The text of `slot` written out from the file's `// @repeat <slot>.<part>:` templates: one copy of the
 * part's text per item, each `{name}` replaced by the item's non-negative integer, joined by spaces.
 */
export function repeatTemplates(source: string, slot: string, items: readonly RepeatItem[]): string {
  const parts = new Map<string, string>();
  for (const [, name, part, text] of source.matchAll(REPEAT_LINE)) if (name === slot) parts.set(part, text);
  if (parts.size === 0) throw new Error(`tensorweb: shader has no '// @repeat ${slot}.<part>:' template lines`);
  return items.map(([part, values]) => {
    const text = parts.get(part);
    if (text === undefined) {
      throw new Error(`tensorweb: shader has no template ${slot}.${part} (has ${[...parts.keys()].join(', ')})`);
    }
    return text.replace(PLACEHOLDER, (_m, name: string) => {
      const value = values[name];
      if (!Number.isSafeInteger(value) || value < 0) {
        throw new Error(`tensorweb: template ${slot}.${part} needs a non-negative integer for {${name}}, got ${value}`);
      }
      return String(value);
    });
  }).join(' ');
}

/** The elementwise substitution: the `// @body` line becomes `return <expression>;`. */
export function substituteBody(source: string, expression: string): string {
  return fillSlots(source, { body: `return ${expression};` });
}

// An op function of a body table (elementwise/unary_ops.wgsl, binary_ops.wgsl): `fn <op>_<type>(` at the
// start of a line, <type> the input type f32, i32 or u32. Helpers without the suffix are not ops.
const OP_FUNCTION = /^fn[ \t]+(\w+)_(f32|i32|u32)[ \t]*\(/gm;

/** The op functions of the body table at `path` (with its imports): input types by op name. */
export function opFunctions(path: string): Map<string, Set<string>> {
  const ops = new Map<string, Set<string>>();
  for (const [, name, type] of shaderSource(path).matchAll(OP_FUNCTION)) {
    ops.set(name, (ops.get(name) ?? new Set()).add(type));
  }
  return ops;
}
