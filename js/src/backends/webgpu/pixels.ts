// Images in and out of the GPU without a CPU round trip (tf.browser.fromPixels
// and draw): an image goes into a texture (copyExternalImageToTexture), from
// there into a buffer of texel words that image/from_pixels.wgsl spreads into
// int32 channels; a tensor goes the other way through image/to_canvas.wgsl
// into texel words copied into a canvas's texture. Copies between textures
// and buffers need rows of 256 bytes, so the words of a row are padded.
import type { DataId, TensorInfo } from '../../core/backend.js';
import { shaderFiles } from '../../shaders.js';
import { typesSlot } from './wgsl.js';

const SHADERS = shaderFiles({ fromPixels: 'image/from_pixels.wgsl', toCanvas: 'image/to_canvas.wgsl' });

/** Words (one a pixel) from one row of texels to the next: rows of a multiple of 256 bytes. */
export function rowWords(width: number): number {
  return Math.ceil(width / 64) * 64;
}

/** The launch that spreads `texels` (rgba8unorm words) into int32 channels in `out`. */
export function fromPixelsLaunch(texels: DataId, out: DataId, width: number, height: number, channels: number) {
  const size = width * height * channels;
  return {
    shader: SHADERS.fromPixels,
    bindings: { texels, out, params: { size, width, channels, row_words: rowWords(width) } },
    workgroups: Math.ceil(size / 64),
  };
}

/** The launch that packs `image` into premultiplied bgra8unorm words in `texels`. */
export function toCanvasLaunch(image: TensorInfo, texels: DataId, alpha: number) {
  const [height, width] = image.shape;
  const size = width * height;
  return {
    shader: SHADERS.toCanvas,
    slots: { types: typesSlot({ Elem: image.dtype === 'int32' ? 'i32' : 'f32' }) },
    bindings: {
      image: image.dataId, texels,
      params: { size, width, channels: image.shape[2] ?? 1, row_words: rowWords(width), alpha, scale: image.dtype === 'int32' ? 1 / 255 : 1 },
    },
    workgroups: Math.ceil(size / 64),
  };
}
