// TF's strided-slice semantics (begin/end/strides and the five masks)
// resolved against an input shape; the op's shape rule and both backends'
// kernels read it.

export interface StridedSliceAttrs {
  begin: number[];
  end: number[];
  strides: number[] | null;
  beginMask: number;
  endMask: number;
  ellipsisMask: number;
  newAxisMask: number;
  shrinkAxisMask: number;
}

/**
 * TF's strided-slice semantics resolved per input dim: the first element,
 * the step and the count; plus the final output shape (new axes inserted,
 * shrunk axes dropped).
 */
export function stridedSliceSpec(shape: readonly number[], a: StridedSliceAttrs): { start: number[]; step: number[]; count: number[]; outShape: number[] } {
  const n = a.begin.length;
  const strides = a.strides ?? new Array(n).fill(1);
  if (a.end.length !== n || strides.length !== n) {
    throw new Error(`attributes begin [${a.begin}], end [${a.end}] and strides [${strides}] must have the same length`);
  }
  const bit = (mask: number, i: number) => ((mask >> i) & 1) === 1;
  const ellipsisAt = [...Array(n).keys()].find((i) => bit(a.ellipsisMask, i));
  const consumers = [...Array(n).keys()].filter((i) => i !== ellipsisAt && !bit(a.newAxisMask, i)).length;
  if (consumers > shape.length) throw new Error(`attribute begin [${a.begin}] indexes ${consumers} dims of a rank-${shape.length} input`);
  const start: number[] = [];
  const step: number[] = [];
  const count: number[] = [];
  const outShape: number[] = [];
  const full = (dim: number) => {
    start.push(0);
    step.push(1);
    count.push(shape[dim]);
    outShape.push(shape[dim]);
  };
  let dim = 0;
  for (let i = 0; i < n; i++) {
    if (i === ellipsisAt) {
      for (let k = 0; k < shape.length - consumers; k++) full(dim++);
    } else if (bit(a.newAxisMask, i)) {
      outShape.push(1);
    } else {
      const size = shape[dim];
      const s = strides[i];
      if (s === 0) throw new Error(`attribute strides [${strides}] has a 0`);
      if (bit(a.shrinkAxisMask, i)) {
        const at = a.begin[i] < 0 ? a.begin[i] + size : a.begin[i];
        if (at < 0 || at >= size) throw new Error(`attribute begin [${a.begin}] entry ${i} is out of range for dim ${dim} (size ${size}) it shrinks`);
        start.push(at);
        step.push(1);
        count.push(1);
      } else {
        const [low, high] = s > 0 ? [0, size] : [-1, size - 1];
        const clampTo = (v: number) => Math.min(high, Math.max(low, v < 0 ? v + size : v));
        const first = bit(a.beginMask, i) ? (s > 0 ? low : high) : clampTo(a.begin[i]);
        const stop = bit(a.endMask, i) ? (s > 0 ? high : low) : clampTo(a.end[i]);
        const length = Math.max(0, Math.ceil((stop - first) / s));
        start.push(first);
        step.push(s);
        count.push(length);
        outShape.push(length);
      }
      dim++;
    }
  }
  while (dim < shape.length) full(dim++);
  return { start, step, count, outShape };
}
