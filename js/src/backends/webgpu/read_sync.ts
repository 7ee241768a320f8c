// Synchronous readback of a GPU buffer, for dataSync()/arraySync() (and the
// engine's moves to the CPU), as TF.js's webgpu backend answers them:
// WebGPU cannot block, but a 2D canvas's getImageData can. The buffer's bytes
// are copied, 4 to a texel, into the texture of a WebGPU canvas, which is
// drawn into a 2D canvas and read back. Configured 'opaque', the canvas keeps
// the colour bytes exact (no premultiplication) but shows alpha as 255;
// configured 'premultiplied' it keeps alpha exact, so each region is copied
// into one of each and the bytes are put together from both. Canvas textures
// are bgra8unorm (the format every platform offers), so bytes 0 and 2 of a
// texel come back swapped. Float bits, NaN payloads and denormals included,
// come back as they were: nothing is converted.

/** Texels per canvas row: bytesPerRow must be a multiple of 256 (2048 texels = 8 KiB). */
const WIDTH = 2048;
/**
 * Rows per region: 1 MiB of the buffer a round trip. getImageData takes most of the time (on SwiftShader
 * ~0.1-0.2 s a MiB of texels, whatever the canvas's shape); the regions keep the canvases small.
 */
const MAX_ROWS = 128;
const TEXTURE_USAGE_COPY_DST = 0x2;

type AnyCanvas = OffscreenCanvas | HTMLCanvasElement;

/** A canvas of `width` x `height` where this context has one: OffscreenCanvas (pages and workers), else the document's. */
function makeCanvas(width: number, height: number): AnyCanvas | null {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(width, height);
  if (typeof document !== 'undefined') {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    return canvas;
  }
  return null;
}

const USE_DATA = 'use `await tensor.data()` / `await tensor.array()`';

/**
 * Why canvases cannot read the GPU in this page, once a read found out: a browser that cannot draw WebGPU
 * canvases draws them empty (and headless Chromium without the flags below loses every WebGPU device of
 * the page on the first try), so later reads fail at once instead of trying again.
 */
let brokenCanvases: string | null = null;

/** What a device needs to read `bytes` of a buffer through canvases. */
export interface SyncReader {
  device: GPUDevice;
  /** Records `copy` into the backend's command encoder, after the work already recorded, and submits. */
  copyAndSubmit(copy: (encoder: GPUCommandEncoder) => void): void;
}

/**
 * The first `bytes` (a multiple of 4) of `buffer` (which must allow COPY_SRC), read synchronously; throws,
 * naming `data()`, where this context has no canvas that WebGPU can draw into (a worker without
 * OffscreenCanvas, a non-browser runtime).
 */
export function readBufferSync(reader: SyncReader, buffer: GPUBuffer, bytes: number): ArrayBuffer {
  const out = new ArrayBuffer(bytes);
  const texels = bytes / 4;
  if (texels === 0) return out;
  if (brokenCanvases) throw new Error(brokenCanvases);
  const rows = Math.min(MAX_ROWS, Math.ceil(texels / WIDTH));
  const width = Math.min(WIDTH, texels);
  const modes: GPUCanvasAlphaMode[] = ['opaque', 'premultiplied'];
  const gpuCanvases = modes.map(() => makeCanvas(width, rows));
  const host = makeCanvas(width, rows);
  if (!host || gpuCanvases.some((c) => !c)) {
    throw new Error(`tensorweb: webgpu: dataSync()/arraySync() read the GPU through a canvas, and this context has none (no OffscreenCanvas or document); ${USE_DATA}`);
  }
  const textures = gpuCanvases.map((canvas, i) => {
    const context = canvas!.getContext('webgpu') as GPUCanvasContext | null;
    if (!context) throw new Error(`tensorweb: webgpu: dataSync()/arraySync() need a WebGPU canvas context, which this context does not give; ${USE_DATA}`);
    context.configure({ device: reader.device, format: 'bgra8unorm', usage: TEXTURE_USAGE_COPY_DST, alphaMode: modes[i] });
    return context.getCurrentTexture();
  });
  const context2d = host.getContext('2d', { willReadFrequently: true }) as
    OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null;
  if (!context2d) throw new Error(`tensorweb: webgpu: dataSync()/arraySync() need a 2D canvas context, which this context does not give; ${USE_DATA}`);
  const bytesView = new Uint8Array(out);
  // Whole regions of `rows` rows, then the rows left, then a last partial row.
  const regions: [offset: number, w: number, h: number][] = [];
  let offset = 0;
  while (texels - offset / 4 >= width * rows) {
    regions.push([offset, width, rows]);
    offset += width * rows * 4;
  }
  const fullRows = Math.floor((texels - offset / 4) / width);
  if (fullRows > 0) {
    regions.push([offset, width, fullRows]);
    offset += width * fullRows * 4;
  }
  const rest = texels - offset / 4;
  if (rest > 0) regions.push([offset, rest, 1]);
  for (const [start, w, h] of regions) {
    reader.copyAndSubmit((encoder) => {
      for (const texture of textures) {
        encoder.copyBufferToTexture({ buffer, offset: start, bytesPerRow: WIDTH * 4 }, { texture }, { width: w, height: h });
      }
    });
    for (let i = 0; i < modes.length; i++) {
      context2d.clearRect(0, 0, w, h);
      context2d.drawImage(gpuCanvases[i]!, 0, 0);
      const pixels = context2d.getImageData(0, 0, w, h).data;
      const span = bytesView.subarray(start, start + w * h * 4);
      if (modes[i] === 'opaque') {
        // An opaque canvas draws alpha 255 everywhere; anything else means it was not drawn at all.
        let drawn = true;
        for (let k = 0; k < span.length; k += 4) {
          span[k] = pixels[k + 2];
          span[k + 1] = pixels[k + 1];
          span[k + 2] = pixels[k];
          drawn &&= pixels[k + 3] === 255;
        }
        if (!drawn) {
          brokenCanvases = 'tensorweb: webgpu: this browser draws WebGPU canvases empty, so dataSync()/arraySync() cannot ' +
            'read the GPU here (headless Chromium needs --enable-features=Vulkan --use-vulkan=swiftshader ' +
            `--use-angle=swiftshader; trying may have lost the WebGPU device); ${USE_DATA}`;
          throw new Error(brokenCanvases);
        }
      } else {
        for (let k = 3; k < span.length; k += 4) span[k] = pixels[k];
      }
    }
  }
  return out;
}
