// tw.browser: TF.js's tf.browser (fromPixels, fromPixelsAsync, toPixels,
// draw), with its arguments, checks and messages. Pixels come in through the
// active backend's own upload where it has one (WebGPU copies the image on the
// GPU, backends/webgpu/pixels.ts), else through a 2-D canvas (data/pixels.ts);
// draw uses the tensor's backend's drawing where it has one, else the
// canvas's 2-D context.
import type { DrawCanvas, PixelSource } from '../core/backend.js';
import { type TensorLike, tensor, toTensor } from '../core/convert.js';
import type { TypedArray } from '../core/dtype.js';
import { getEngine } from '../core/engine.js';
import { env } from '../core/environment.js';
import type { Tensor } from '../core/tensor.js';
import { canvasContext, firstChannels, readPixels } from '../data/pixels.js';
import { cast } from './unary.js';

/** An image as raw RGBA bytes, TF.js's PixelData. */
export interface PixelData {
  width: number;
  height: number;
  data: Uint8Array;
}

/** A canvas-like object: `getContext('2d')` whose `getImageData` gives RGBA bytes. */
interface CanvasLike {
  width: number;
  height: number;
  getContext(type: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}

export type FromPixelsInput = PixelData | ImageData | HTMLImageElement | HTMLCanvasElement | HTMLVideoElement | ImageBitmap |
  OffscreenCanvas | VideoFrame | CanvasLike;

const isA = (name: string, x: unknown): boolean => {
  const type = (globalThis as Record<string, unknown>)[name];
  return typeof type === 'function' && x instanceof (type as new () => unknown);
};

/** What kind of image `pixels` is, in TF.js's order of checks. */
function kindOf(pixels: unknown): 'data' | 'canvas-like' | 'source' {
  const value = pixels as { data?: unknown; getContext?: unknown };
  if (value.data instanceof Uint8Array || isA('ImageData', pixels)) return 'data';
  if (isA('HTMLVideoElement', pixels) || isA('HTMLImageElement', pixels) || isA('HTMLCanvasElement', pixels) ||
    isA('OffscreenCanvas', pixels) || isA('ImageBitmap', pixels) || isA('VideoFrame', pixels)) return 'source';
  if (value.getContext != null) return 'canvas-like';
  throw new Error('pixels passed to tf.browser.fromPixels() must be either an HTMLVideoElement, HTMLImageElement, ' +
    'HTMLCanvasElement, ImageData in browser, or OffscreenCanvas, ImageData in webworker or {data: Uint32Array, ' +
    `width: number, height: number}, but was ${(pixels as object).constructor?.name ?? typeof pixels}`);
}

/** The size fromPixels reads an image at: a video's frame size, a VideoFrame's display size, else its width and height. */
function outputSize(pixels: FromPixelsInput): [width: number, height: number] {
  if (isA('HTMLVideoElement', pixels)) return [(pixels as HTMLVideoElement).videoWidth, (pixels as HTMLVideoElement).videoHeight];
  if (isA('VideoFrame', pixels)) return [(pixels as VideoFrame).displayWidth, (pixels as VideoFrame).displayHeight];
  return [(pixels as { width: number }).width, (pixels as { height: number }).height];
}

/** The source's own size in pixels (an image element may be shown at another). */
function intrinsicSize(source: PixelSource): [width: number, height: number] {
  if (isA('HTMLImageElement', source)) return [(source as HTMLImageElement).naturalWidth, (source as HTMLImageElement).naturalHeight];
  return outputSize(source);
}

/**
 * Whether the browser can copy `source` as it is at `width` x `height`: an
 * image element shown at another size than its own, or not decoded yet, and
 * a video without a frame yet are drawn on a canvas first (which scales
 * them, or leaves them transparent black, as TF.js's canvas does).
 */
function copiesAsIs(source: PixelSource, width: number, height: number): boolean {
  if (isA('HTMLImageElement', source)) {
    const image = source as HTMLImageElement;
    return image.complete && image.naturalWidth === width && image.naturalHeight === height;
  }
  if (isA('HTMLVideoElement', source)) return (source as HTMLVideoElement).readyState >= 2;
  return true;
}

/**
 * tf.browser.fromPixels(pixels, numChannels = 3): an int32 tensor
 * [height, width, numChannels] of the image's first numChannels of R, G, B, A
 * (0-255). On WebGPU, images, canvases, videos and bitmaps are copied on the
 * GPU; ImageData and PixelData are uploaded from their bytes.
 */
function fromPixels(pixels: FromPixelsInput, numChannels = 3): Tensor {
  if (numChannels > 4) throw new Error('Cannot construct Tensor with more than 4 channels from pixels.');
  if (!Number.isInteger(numChannels) || numChannels < 1) {
    throw new Error(`tf.browser.fromPixels(): numChannels must be an integer from 1 to 4, got ${numChannels}`);
  }
  if (pixels == null) throw new Error('pixels passed to tf.browser.fromPixels() can not be null');
  const kind = kindOf(pixels);
  const [width, height] = outputSize(pixels);
  const shape = [height, width, numChannels];
  if (kind === 'data') {
    const { data } = pixels as PixelData | ImageData;
    if (data.length !== width * height * 4) {
      throw new Error(`tf.browser.fromPixels(): pixels.data holds ${data.length} bytes; a ${width} x ${height} image needs ${width * height * 4} (RGBA)`);
    }
    return tensor(firstChannels(data, width * height, numChannels, Int32Array), shape, 'int32');
  }
  if (kind === 'canvas-like') {
    const context = (pixels as CanvasLike).getContext('2d');
    if (!context) throw new Error('tf.browser.fromPixels(): the canvas-like object gives no 2d context to read pixels from');
    return tensor(firstChannels(context.getImageData(0, 0, width, height).data, width * height, numChannels, Int32Array), shape, 'int32');
  }
  const source = pixels as PixelSource;
  const engine = getEngine();
  const backend = engine.backend;
  if (backend.writePixels) {
    const copied = copiesAsIs(source, width, height) ? source : drawnAt(source, width, height);
    return engine.makeTensorFromDataId(backend.writePixels(copied, width, height, numChannels), shape, 'int32', backend);
  }
  const context = canvasContext(width, height, 'tf.browser.fromPixels()');
  return tensor(readPixels(context, source, [0, 0, ...intrinsicSize(source)], numChannels, Int32Array), shape, 'int32');
}

/** `source` drawn on a canvas of `width` x `height` the GPU can copy from (not one kept for CPU reads). */
function drawnAt(source: PixelSource, width: number, height: number): PixelSource {
  const context = canvasContext(width, height, 'tf.browser.fromPixels()', false);
  context.drawImage(source, 0, 0, ...intrinsicSize(source), 0, 0, width, height);
  return context.canvas;
}

/**
 * tf.browser.fromPixelsAsync: fromPixels, first making an ImageBitmap of the
 * image (not premultiplied) when `env().set('WRAP_TO_IMAGEBITMAP', true)` and
 * the bitmap keeps the image's size.
 */
async function fromPixelsAsync(pixels: FromPixelsInput, numChannels = 3): Promise<Tensor> {
  const wrappable = env().getBool('WRAP_TO_IMAGEBITMAP') && typeof createImageBitmap === 'function' && pixels != null &&
    !isA('ImageBitmap', pixels) && !((pixels as PixelData).data instanceof Uint8Array) && !outputSize(pixels).includes(0);
  if (wrappable) {
    let bitmap: ImageBitmap | null = null;
    try {
      bitmap = await createImageBitmap(pixels as ImageBitmapSource, { premultiplyAlpha: 'none' });
    } catch {
      // Browsers that cannot make a bitmap of this source read it directly, as TF.js does.
    }
    if (bitmap) {
      try {
        // A bitmap is cut to the image's content (new Image(10, 10) holding 1 x 1 pixels), which fromPixels would not read.
        const [width, height] = outputSize(pixels);
        if (bitmap.width === width && bitmap.height === height) return fromPixels(bitmap, numChannels);
      } finally {
        // Read (or copied on the GPU) synchronously, so it can go.
        bitmap.close();
      }
    }
  }
  return fromPixels(pixels, numChannels);
}

/** TF.js's checks of an image tensor for toPixels and draw. */
function checkImage(image: Tensor): void {
  if (image.rank !== 2 && image.rank !== 3) throw new Error(`toPixels only supports rank 2 or 3 tensors, got rank ${image.rank}.`);
  const depth = image.rank === 2 ? 1 : image.shape[2];
  if (depth > 4 || depth === 2) throw new Error(`toPixels only supports depth of size 1, 3 or 4 but got ${depth}`);
  if (image.dtype !== 'float32' && image.dtype !== 'int32') {
    throw new Error(`Unsupported type for toPixels: ${image.dtype}. Please use float32 or int32 tensors.`);
  }
}

/** The image tensor for `img`: a TensorLike becomes int32, as TF.js assumes of a plain array. */
function imageTensor(img: TensorLike, op: string): { image: Tensor; created: boolean } {
  const { tensor: converted, created } = toTensor(img, 'img', op);
  if (!created) return { image: converted, created };
  const image = cast(converted, 'int32');
  converted.dispose();
  return { image, created };
}

/**
 * An image's values as RGBA bytes: float32 in [0, 1] or int32 in [0, 255]
 * (else TF.js's error); one channel is grey, three take alpha `alpha`.
 */
function rgbaBytes(values: TypedArray, image: Tensor, alpha: number): Uint8ClampedArray<ArrayBuffer> {
  const [height, width] = image.shape;
  const depth = image.rank === 2 ? 1 : image.shape[2];
  const multiplier = image.dtype === 'float32' ? 255 : 1;
  const [limit, range] = image.dtype === 'float32' ? [1, '[0 - 1]'] : [255, '[0 - 255]'];
  const bytes = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < height * width; i++) {
    const rgba = [0, 0, 0, 255 * alpha];
    for (let d = 0; d < depth; d++) {
      const value = values[i * depth + d];
      if (value < 0 || value > limit) {
        throw new Error(`Tensor values for a ${image.dtype} Tensor must be in the range ${range} but encountered ${value}.`);
      }
      if (depth === 1) rgba[0] = rgba[1] = rgba[2] = value * multiplier;
      else rgba[d] = value * multiplier;
    }
    for (let c = 0; c < 4; c++) bytes[i * 4 + c] = Math.round(rgba[c]);
  }
  return bytes;
}

/**
 * tf.browser.toPixels(img, canvas?): the image (rank 2, or rank 3 of depth
 * 1, 3 or 4; float32 in [0, 1] or int32 in [0, 255]) as RGBA bytes, also put
 * on `canvas`'s 2-D context (sized to the image) when one is given.
 */
async function toPixels(img: TensorLike, canvas?: DrawCanvas): Promise<Uint8ClampedArray<ArrayBuffer>> {
  const { image, created } = imageTensor(img, 'toPixels');
  try {
    checkImage(image);
    const bytes = rgbaBytes(await image.data(), image, 1);
    if (canvas != null) putBytes(bytes, image, canvas, '2d', {});
    return bytes;
  } finally {
    if (created) image.dispose();
  }
}

/** Puts RGBA bytes of `image`'s size on `canvas`'s 2-D context, sized to them. */
function putBytes(bytes: Uint8ClampedArray<ArrayBuffer>, image: Tensor, canvas: DrawCanvas, contextType: string,
  attributes: CanvasRenderingContext2DSettings): void {
  const [height, width] = image.shape;
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext(contextType as '2d', attributes) as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
  if (context == null) throw new Error(`Could not get the context with ${contextType} type.`);
  context.putImageData(new ImageData(bytes, width, height), 0, 0);
}

export interface DrawOptions {
  imageOptions?: { alpha?: number };
  contextOptions?: { contextType?: string; contextAttributes?: CanvasRenderingContext2DSettings };
}

/**
 * tf.browser.draw(image, canvas, options): draws the image tensor (as for
 * toPixels) into `canvas`, one- and three-channel images with
 * `imageOptions.alpha` (default 1). On WebGPU it is drawn on the GPU into the
 * canvas's webgpu context (or its 2-D one, if it has that already); on the
 * CPU into the canvas's `contextOptions.contextType` context, which must be
 * '2d'.
 */
function draw(image: TensorLike, canvas: DrawCanvas, options: DrawOptions = {}): void {
  const { image: img, created } = imageTensor(image, 'draw');
  try {
    checkImage(img);
    const alpha = options.imageOptions?.alpha || 1;
    if (alpha > 1 || alpha < 0) throw new Error(`Alpha value ${alpha} is suppoed to be in range [0 - 1].`);
    const engine = getEngine();
    const holder = engine.findBackend(engine.backendOf(img))!;
    if (holder.drawPixels) {
      holder.drawPixels(img, canvas, alpha);
      return;
    }
    const contextType = options.contextOptions?.contextType ?? '2d';
    if (contextType !== '2d') throw new Error(`Context type ${contextType} is not supported by the ${holder.name} backend.`);
    putBytes(rgbaBytes(img.dataSync(), img, alpha), img, canvas, contextType, options.contextOptions?.contextAttributes ?? {});
  } finally {
    if (created) img.dispose();
  }
}

export const browser = { fromPixels, fromPixelsAsync, toPixels, draw };
