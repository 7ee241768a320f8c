// An image's pixels as RGB values, read through a 2-D canvas: the webcam's
// frames (data/webcam.ts) and the images a page sends a worker (worker/serve.ts).

export type Canvas2D = OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D;

/** A 2-D context of `width` x `height` for reading pixels back: an OffscreenCanvas (workers have only that), else a canvas element. */
export function canvasContext(width: number, height: number, caller: string): Canvas2D {
  if (typeof OffscreenCanvas !== 'undefined') {
    const context = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
    if (context) return context;
  }
  if (typeof document === 'undefined') throw new Error(`tensorweb: ${caller}: this environment has no 2-D canvas to read pixels with`);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error(`tensorweb: ${caller}: this browser gives no 2-D canvas to read pixels with`);
  return context;
}

/**
 * The region `[sx, sy, sw, sh]` of `source` drawn on `context` at the
 * context's size, as RGB values 0-255 row by row (alpha dropped), in an
 * array of `ArrayType`.
 */
export function readRgb(context: Canvas2D, source: CanvasImageSource, [sx, sy, sw, sh]: readonly number[],
  ArrayType: Int32ArrayConstructor | Float32ArrayConstructor): Int32Array | Float32Array {
  const { width, height } = context.canvas;
  context.drawImage(source, sx, sy, sw, sh, 0, 0, width, height);
  const rgba = context.getImageData(0, 0, width, height).data;
  const rgb = new ArrayType(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    rgb[3 * p] = rgba[4 * p];
    rgb[3 * p + 1] = rgba[4 * p + 1];
    rgb[3 * p + 2] = rgba[4 * p + 2];
  }
  return rgb;
}
