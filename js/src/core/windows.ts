// Window geometry shared by every convolution and pool, on every backend:
// TF.js's strides, pad ('valid', 'same', explicit), dilations and
// dimRoundingMode turned into output sizes and the padding before each dim.
// The one place TF's "same" padding is computed in the runtime.

export type Pad = 'valid' | 'same' | number | number[][];
export type DimRoundingMode = 'floor' | 'round' | 'ceil';

/** The attributes every conv and pool shares. */
export interface WindowAttrs {
  strides: number | number[];
  pad: Pad;
  dilations: number | number[];
  dimRoundingMode: DimRoundingMode | null;
}

const ROUND: Record<DimRoundingMode, (v: number) => number> = { floor: Math.floor, round: Math.round, ceil: Math.ceil };

/** An int-or-list attribute as one value per spatial dim. */
export function perDim(value: number | number[], rank: number, name: string): number[] {
  const list = typeof value === 'number' ? new Array(rank).fill(value) : value;
  if (list.length !== rank) throw new Error(`attribute ${name} [${list}] needs ${rank} entries`);
  if (list.some((v) => v < 1)) throw new Error(`attribute ${name} [${list}] must be positive`);
  return list;
}

/**
 * Output sizes and padding, by TF.js's rules: 'valid' ceil((in - k + 1) / s);
 * 'same' ceil(in / s) with the extra padding after; an explicit number or
 * pairs (one per dim of x, batch and channel pairs [0, 0]) give
 * (in - k + before + after) / s + 1, rounded by dimRoundingMode (default: truncated;
 * a rounding mode with 'valid' or 'same' is an error, as in TF.js).
 * k is the dilated window (k - 1) * dilation + 1.
 */
export function windowGeometry(inSpatial: readonly number[], window: readonly number[], attrs: WindowAttrs):
  { outSpatial: number[]; padBefore: number[]; strides: number[]; dilations: number[] } {
  const rank = inSpatial.length;
  const strides = perDim(attrs.strides, rank, 'strides');
  const dilations = perDim(attrs.dilations, rank, 'dilations');
  const { pad } = attrs;
  if (Array.isArray(pad)) {
    const inner = pad.slice(1, -1);
    if (pad.length !== rank + 2 || pad[0].some((p) => p !== 0) || pad[rank + 1].some((p) => p !== 0) || inner.flat().some((p) => p < 0)) {
      throw new Error(`attribute pad ${JSON.stringify(pad)} must hold ${rank + 2} non-negative pairs, [0, 0] for batch and channels`);
    }
  } else if (typeof pad === 'number' && pad < 0) {
    throw new Error(`attribute pad ${pad} must be non-negative`);
  }
  if (attrs.dimRoundingMode != null && typeof pad === 'string') {
    // 'same' and 'valid' sizes are exact; TF.js refuses a rounding mode with them
    throw new Error(`attribute pad must be an integer when using dimRoundingMode ${attrs.dimRoundingMode} but got pad ${pad}`);
  }
  const round = attrs.dimRoundingMode ? ROUND[attrs.dimRoundingMode] : Math.trunc;
  const outSpatial: number[] = [];
  const padBefore: number[] = [];
  inSpatial.forEach((size, d) => {
    const k = (window[d] - 1) * dilations[d] + 1;
    const s = strides[d];
    let out: number;
    let before: number;
    if (pad === 'same') {
      out = Math.ceil(size / s);
      before = Math.floor(Math.max(0, (out - 1) * s + k - size) / 2);
    } else if (pad === 'valid') {
      out = Math.ceil((size - k + 1) / s);
      before = 0;
    } else {
      const [b, a] = typeof pad === 'number' ? [pad, pad] : pad[d + 1];
      out = round((size - k + b + a) / s + 1);
      before = b;
    }
    if (out < 0) {
      throw new Error(`the window (size ${window[d]}, dilation ${dilations[d]}) does not fit spatial dim ${d} (size ${size}) with pad ${JSON.stringify(pad)}`);
    }
    outSpatial.push(out);
    padBefore.push(before);
  });
  return { outSpatial, padBefore, strides, dilations };
}
