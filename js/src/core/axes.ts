// Shape arithmetic used by shape rules and by kernels: broadcasting and axis lists.

/** numpy broadcasting of several shapes; throws naming them when they do not broadcast. */
export function broadcastShapes(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let d = 0; d < rank; d++) {
    let size = 1;
    for (const shape of shapes) {
      const dim = shape[shape.length - rank + d] ?? 1;
      if (dim === 1) continue;
      if (size !== 1 && size !== dim) {
        throw new Error(`shapes ${shapes.map((s) => `[${s}]`).join(' and ')} do not broadcast (dimension ${d} of the result)`);
      }
      size = dim;
    }
    out.push(size);
  }
  return out;
}

/**
 * A tensor seen as rows along one axis (softmax's): `cols` elements a row,
 * `inner` apart, `rows` rows in all (0 when the axis is empty). `axis` may be
 * negative.
 */
export function rowsAlongAxis(shape: readonly number[], axis: number): { rows: number; cols: number; inner: number } {
  const at = axis < 0 ? axis + shape.length : axis;
  const cols = shape[at];
  const inner = shape.slice(at + 1).reduce((a, b) => a * b, 1);
  const rows = cols === 0 ? 0 : shape.reduce((a, b) => a * b, 1) / cols;
  return { rows, cols, inner };
}

/**
 * `axis` (an int, a list, or null for all) as sorted, non-negative,
 * distinct axes of a rank-`rank` tensor; throws naming the attribute.
 */
export function normalizeAxes(axis: number | readonly number[] | null, rank: number, attrName = 'axis'): number[] {
  if (axis === null) return [...Array(rank).keys()];
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const out = list.map((a) => {
    if (a < -rank || a >= rank) throw new Error(`${attrName} ${a} is out of range for rank ${rank}`);
    return a < 0 ? a + rank : a;
  });
  if (new Set(out).size !== out.length) throw new Error(`${attrName} [${list}] repeats an axis`);
  return out.sort((a, b) => a - b);
}
