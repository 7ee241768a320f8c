// Packed weights: a float32 tensor whose GPU storage holds a quantised
// weight's float16 halves or uint8 codes (README.md, "Packed weights"). This
// module lays the words out and describes the one dispatch that turns them
// into ordinary float32 storage.
import type { PackedWeight } from '../../core/backend.js';
import { sizeFromShape } from '../../core/dtype.js';
import { shaderFiles } from '../../shaders.js';

const SHADERS = shaderFiles({ dequantize: 'common/dequantize.wgsl' });

/** How a packed weight's words are laid out; kernels that read it packed take their knobs from it. */
export interface PackedLayout {
  readonly format: 'float16' | 'uint8';
  /** The shape it was packed at: a view of another shape (reshape) is read through its float32 values. */
  readonly shape: readonly number[];
  /** uint8: its scales (and as many mins), 1 per tensor or one per index along `axis`. */
  readonly channels: number;
  readonly axis: number | null;
  /** uint8: elements between neighbouring channels (the product of the dims after `axis`). */
  readonly inner: number;
  /** uint8: the word where the scales start (after the codes); the mins follow them. */
  readonly affineOffset: number;
}

/** The words a packed weight's GPU buffer holds: halves two a word, or codes four a word followed by scales and mins. */
export function packWeight(weight: PackedWeight, shape: readonly number[]): { layout: PackedLayout; words: Uint32Array } {
  const size = sizeFromShape(shape);
  if (weight.format === 'float16') {
    if (weight.halves.length !== size) throw new Error(`tensorweb: a packed float16 weight of shape [${shape}] needs ${size} halves, got ${weight.halves.length}`);
    const words = new Uint32Array(Math.ceil(size / 2));
    new Uint16Array(words.buffer).set(weight.halves);
    return { layout: { format: 'float16', shape: [...shape], channels: 1, axis: null, inner: 1, affineOffset: 0 }, words };
  }
  const { codes, scale, min, axis } = weight;
  const channels = axis === null ? 1 : shape[axis];
  if (codes.length !== size) throw new Error(`tensorweb: a packed uint8 weight of shape [${shape}] needs ${size} codes, got ${codes.length}`);
  if (scale.length !== channels || min.length !== channels) {
    throw new Error(`tensorweb: a packed uint8 weight of shape [${shape}] needs ${channels} scale(s) and min(s)` +
      `${axis === null ? '' : ` (one per entry of axis ${axis})`}, got ${scale.length} and ${min.length}`);
  }
  const affineOffset = Math.ceil(size / 4);
  const words = new Uint32Array(affineOffset + 2 * channels);
  new Uint8Array(words.buffer).set(codes);
  const affine = new Float32Array(words.buffer, affineOffset * 4);
  affine.set(scale);
  affine.set(min, channels);
  const inner = axis === null ? 1 : sizeFromShape(shape.slice(axis + 1));
  return { layout: { format: 'uint8', shape: [...shape], channels, axis, inner, affineOffset }, words };
}

/** The launch that writes a packed weight's float32 values into `out`. */
export function dequantizeLaunch(layout: PackedLayout, packed: GPUBuffer, out: GPUBuffer) {
  const size = sizeFromShape(layout.shape);
  return {
    shader: SHADERS.dequantize,
    constants: { FLOAT16: layout.format === 'float16' },
    bindings: { packed, out, params: { size, channels: layout.channels, inner: layout.inner, affine_offset: layout.affineOffset } },
    workgroups: Math.ceil(size / 64),
  };
}
