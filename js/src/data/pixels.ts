// An image's pixels as channel values, read through a 2-D canvas: the
// webcam's frames (data/webcam.ts), the images a page sends a worker
// (worker/serve.ts) and tf.browser.fromPixels on a backend without a pixel
// upload of its own (ops/browser.ts).

export type Canvas2D = OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D;

type PixelArray = Int32ArrayConstructor | Float32ArrayConstructor;

/** A 2-D context of `width` x `height` for reading pixels back: an OffscreenCanvas (workers have only that), else a canvas element. */
export function canvasContext(width: number, height: number, caller: string, willReadFrequently = true): Canvas2D {
  if (typeof OffscreenCanvas !== 'undefined') {
    const context = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently });
    if (context) return context;
  }
  if (typeof document === 'undefined') throw new Error(`tensorweb: ${caller}: this environment has no 2-D canvas to read pixels with`);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d', { willReadFrequently });
  if (!context) throw new Error(`tensorweb: ${caller}: this browser gives no 2-D canvas to read pixels with`);
  return context;
}

/**
 * The region `[sx, sy, sw, sh]` of `source` drawn on `context` at the
 * context's size, as each pixel's first `channels` of R, G, B, A (0-255) row
 * by row, in an array of `ArrayType`.
 */
export function readPixels(context: Canvas2D, source: CanvasImageSource, [sx, sy, sw, sh]: readonly number[],
  channels: number, ArrayType: PixelArray): Int32Array | Float32Array {
  const { width, height } = context.canvas;
  // A reused context keeps nothing of its last image where this one is transparent or not drawable yet.
  context.clearRect(0, 0, width, height);
  context.drawImage(source, sx, sy, sw, sh, 0, 0, width, height);
  return firstChannels(context.getImageData(0, 0, width, height).data, width * height, channels, ArrayType);
}

/** The first `channels` of each of `pixels` RGBA pixels in `rgba`, in an array of `ArrayType`. */
export function firstChannels(rgba: ArrayLike<number>, pixels: number, channels: number, ArrayType: PixelArray): Int32Array | Float32Array {
  const out = new ArrayType(pixels * channels);
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < channels; c++) out[p * channels + c] = rgba[4 * p + c];
  }
  return out;
}
