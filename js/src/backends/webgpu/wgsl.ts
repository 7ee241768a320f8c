// What the backend reads from a shader's own text, as py/tensorweb/kernels.py
// does: the group-0 bindings and the byte layout of uniform structs, so a
// launch is described by names and the shader file stays the single source of
// truth. (Text slots are filled by `fillSlots` in ../../shaders.ts.)

/** The `types` slot: alias lines, led by `enable f16;` when one of them is f16. */
export function typesSlot(aliases: Readonly<Record<string, string>>): string {
  const decls = Object.entries(aliases).map(([name, type]) => `alias ${name} = ${type};`).join(' ');
  return (Object.values(aliases).includes('f16') ? 'enable f16; ' : '') + decls;
}

export type BindingKind = 'read-only-storage' | 'storage' | 'uniform';

export interface Binding {
  index: number;
  name: string;
  kind: BindingKind;
  type: string;
}

const BINDING = /@group\(0\)\s*@binding\((\d+)\)\s*var<(storage|uniform)(?:\s*,\s*(read_write|read))?>\s*(\w+)\s*:\s*([^;]+);/g;

/** The group-0 resource declarations of a shader, by binding index. */
export function parseBindings(source: string): Binding[] {
  return [...source.matchAll(BINDING)].map((m) => ({
    index: Number(m[1]),
    name: m[4],
    kind: (m[2] === 'uniform' ? 'uniform' : m[3] === 'read_write' ? 'storage' : 'read-only-storage') as BindingKind,
    type: m[5].trim(),
  })).sort((a, b) => a.index - b.index);
}

type Scalar = 'u32' | 'i32' | 'f32';

interface Field {
  offset: number;
  scalar: Scalar;
  components: number;
  count: number;
  stride: number;
}

export interface StructLayout {
  fields: Map<string, Field>;
  /** Bytes, rounded up to 16. */
  size: number;
}

const MEMBER = /(\w+)\s*:\s*((?:[^,<>]|<(?:[^<>]|<[^<>]*>)*>)+)/g;

function element(type: string): { scalar: Scalar; components: number; align: number; size: number } {
  if (type === 'u32' || type === 'i32' || type === 'f32') return { scalar: type, components: 1, align: 4, size: 4 };
  const vector = /^vec([234])<(u32|i32|f32)>$/.exec(type);
  if (!vector) throw new Error(`tensorweb: uniform field type '${type}' is not a 32-bit scalar or vector`);
  const n = Number(vector[1]);
  return { scalar: vector[2] as Scalar, components: n, align: n === 2 ? 8 : 16, size: 4 * n };
}

/** Byte layout of `struct <name>` under WGSL's uniform rules (scalars, vectors, arrays of vec4). */
export function structLayout(source: string, name: string): StructLayout {
  const body = new RegExp(`\\bstruct\\s+${name}\\s*\\{([^}]*)\\}`).exec(source);
  if (!body) throw new Error(`tensorweb: no struct ${name} in shader`);
  const members = body[1].replace(/\/\/[^\n]*/g, '');
  const fields = new Map<string, Field>();
  let offset = 0;
  let maxAlign = 16;
  for (const member of members.matchAll(MEMBER)) {
    const type = member[2].trim();
    const array = /^array<\s*(.+?)\s*,\s*(\d+)\s*>$/.exec(type);
    const el = element(array ? array[1] : type);
    if (array && el.align !== 16) throw new Error(`tensorweb: uniform array ${member[1]} must hold vec4 elements`);
    const count = array ? Number(array[2]) : 1;
    const stride = array ? 16 : el.size;
    offset = Math.ceil(offset / el.align) * el.align;
    fields.set(member[1], { offset, scalar: el.scalar, components: el.components, count, stride });
    offset += stride * (count - 1) + el.size;
    maxAlign = Math.max(maxAlign, el.align);
  }
  return { fields, size: Math.ceil(offset / maxAlign) * maxAlign };
}

export type UniformValues = Readonly<Record<string, number | readonly number[]>>;

/** The bytes of a uniform struct; every field must be given; short lists are zero-padded. */
export function packStruct(layout: StructLayout, values: UniformValues): ArrayBuffer {
  // Counted first, listed only for the error (this runs for every dispatch).
  let named = 0;
  let known = 0;
  for (const name in values) {
    named++;
    if (layout.fields.has(name)) known++;
  }
  if (known !== layout.fields.size || known !== named) {
    const missing = [...layout.fields.keys()].filter((k) => !(k in values));
    const extra = Object.keys(values).filter((k) => !layout.fields.has(k));
    throw new Error(`tensorweb: uniform fields missing [${missing.join(', ')}], unknown [${extra.join(', ')}]`);
  }
  const buffer = new ArrayBuffer(layout.size);
  const view = new DataView(buffer);
  for (const [name, field] of layout.fields) {
    const given = values[name];
    const count = typeof given === 'number' ? 1 : given.length;
    if (count > field.components * field.count) throw new Error(`tensorweb: uniform field ${name} holds ${field.components * field.count} values, got ${count}`);
    for (let i = 0; i < count; i++) {
      const v = typeof given === 'number' ? given : given[i];
      const at = field.offset + Math.floor(i / field.components) * field.stride + (i % field.components) * 4;
      if (field.scalar === 'f32') view.setFloat32(at, v, true);
      else if (field.scalar === 'i32') view.setInt32(at, v, true);
      else view.setUint32(at, v, true);
    }
  }
  return buffer;
}
