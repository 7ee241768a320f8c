// CPU kernels of the image ops: cropAndResize, transform, rotateWithOffset.
import type { DataId } from '../../core/backend.js';
import { sizeFromShape } from '../../core/dtype.js';
import type { KernelArgs } from '../../ops/registry.js';
import type { CpuBackend } from './backend.js';

export interface CropAndResizeAttrs {
  cropSize: number[];
  method: 'bilinear' | 'nearest';
  extrapolationValue: number;
}

/**
 * The source coordinate of crop row (or column) `o` of a box edge pair
 * (`start`, `end` in [0, 1] of the image): the crop spans the box corner to
 * corner; a crop of size 1 samples the box's middle. TF.js's (and TF's) rule.
 */
export function cropCoordinate(start: number, end: number, o: number, cropSize: number, imageSize: number): number {
  return cropSize > 1 ? start * (imageSize - 1) + o * ((end - start) * (imageSize - 1) / (cropSize - 1)) : 0.5 * (start + end) * (imageSize - 1);
}

/**
 * cropAndResize: for each box, a [cropH, cropW] grid sampled from image
 * boxInd[b] (bilinear, or nearest with halves rounded up); samples outside
 * the image take extrapolationValue; a box whose boxInd is outside the batch
 * gives zeros.
 */
export function cropAndResizeKernel({ backend, inputs: [image, boxes, boxInd], attrs, outputs: [out] }: KernelArgs<CpuBackend, CropAndResizeAttrs>): DataId[] {
  const pixels = backend.values(image);
  const box = backend.values(boxes);
  const which = backend.values(boxInd);
  const [batch, inH, inW, channels] = image.shape;
  const [cropH, cropW] = attrs.cropSize;
  const numBoxes = boxes.shape[0];
  const result = new Float32Array(sizeFromShape(out.shape));
  const at = (n: number, y: number, x: number, c: number) => pixels[((n * inH + y) * inW + x) * channels + c];
  let i = 0;
  for (let b = 0; b < numBoxes; b++) {
    const [y1, x1, y2, x2] = [box[b * 4], box[b * 4 + 1], box[b * 4 + 2], box[b * 4 + 3]];
    const n = which[b];
    if (n < 0 || n >= batch) {
      i += cropH * cropW * channels;
      continue;
    }
    for (let y = 0; y < cropH; y++) {
      const yIn = cropCoordinate(y1, y2, y, cropH, inH);
      for (let x = 0; x < cropW; x++) {
        const xIn = cropCoordinate(x1, x2, x, cropW, inW);
        if (yIn < 0 || yIn > inH - 1 || xIn < 0 || xIn > inW - 1) {
          result.fill(attrs.extrapolationValue, i, i + channels);
          i += channels;
          continue;
        }
        if (attrs.method === 'nearest') {
          const [ny, nx] = [Math.round(yIn), Math.round(xIn)];
          for (let c = 0; c < channels; c++) result[i++] = at(n, ny, nx, c);
          continue;
        }
        const [top, bottom, left, right] = [Math.floor(yIn), Math.ceil(yIn), Math.floor(xIn), Math.ceil(xIn)];
        const [yLerp, xLerp] = [yIn - top, xIn - left];
        for (let c = 0; c < channels; c++) {
          const upper = at(n, top, left, c) + (at(n, top, right, c) - at(n, top, left, c)) * xLerp;
          const lower = at(n, bottom, left, c) + (at(n, bottom, right, c) - at(n, bottom, left, c)) * xLerp;
          result[i++] = upper + (lower - upper) * yLerp;
        }
      }
    }
  }
  return [backend.write(result, out.shape, 'float32')];
}

export type FillMode = 'constant' | 'reflect' | 'wrap' | 'nearest';

export interface TransformAttrs {
  interpolation: 'nearest' | 'bilinear';
  fillMode: FillMode;
  fillValue: number;
  outputShape: number[] | null;
}

/**
 * A source coordinate outside [0, size - 1] brought back by the fill mode
 * (TF's image_ops.h): reflect [abcd] to dcba|abcd|dcba, wrap to
 * abcd|abcd|abcd, nearest to the edge; constant leaves it (read as the fill).
 */
export function mapCoordinate(v: number, size: number, mode: FillMode): number {
  if (mode === 'constant') return v;
  if (mode === 'nearest') return Math.min(Math.max(v, 0), size - 1);
  let c = v;
  if (size <= 1) {
    if (c < 0 || c > size - 1) c = 0;
  } else if (mode === 'reflect') {
    const period = 2 * size;
    if (c < 0) {
      if (c < period) c = period * Math.trunc(-c / period) + c;
      c = c < -size ? c + period : -c - 1;
    } else if (c > size - 1) {
      c -= period * Math.trunc(c / period);
      if (c >= size) c = period - c - 1;
    }
  } else if (c < 0) {
    c += size * (Math.trunc(-c / (size - 1)) + 1);
  } else if (c > size - 1) {
    c -= size * Math.trunc(c / (size - 1));
  }
  return Math.min(Math.max(c, 0), size - 1);
}

/**
 * transform: output pixel (x, y) of image b samples the input at the
 * projective map of transforms[b] (or [0]) = [a0..a2, b0..b2, c0, c1]:
 * ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1,
 * by the fill mode and interpolation; reads outside the image (and k = 0)
 * give fillValue.
 */
export function transformKernel({ backend, inputs: [image, transforms], attrs, outputs: [out] }: KernelArgs<CpuBackend, TransformAttrs>): DataId[] {
  const pixels = backend.values(image);
  const matrices = backend.values(transforms);
  const [batch, inH, inW, channels] = image.shape;
  const [, outH, outW] = out.shape;
  const result = new Float32Array(sizeFromShape(out.shape)).fill(attrs.fillValue);
  const read = (b: number, y: number, x: number, c: number) =>
    (y >= 0 && y < inH && x >= 0 && x < inW ? pixels[((b * inH + y) * inW + x) * channels + c] : attrs.fillValue);
  for (let b = 0; b < batch; b++) {
    const t = transforms.shape[0] === 1 ? 0 : b * 8;
    for (let y = 0; y < outH; y++) {
      for (let x = 0; x < outW; x++) {
        const k = matrices[t + 6] * x + matrices[t + 7] * y + 1;
        if (k === 0) continue;
        const xIn = mapCoordinate((matrices[t] * x + matrices[t + 1] * y + matrices[t + 2]) / k, inW, attrs.fillMode);
        const yIn = mapCoordinate((matrices[t + 3] * x + matrices[t + 4] * y + matrices[t + 5]) / k, inH, attrs.fillMode);
        const at = ((b * outH + y) * outW + x) * channels;
        for (let c = 0; c < channels; c++) {
          if (attrs.interpolation === 'nearest') {
            result[at + c] = read(b, Math.round(yIn), Math.round(xIn), c);
            continue;
          }
          const [y0, x0] = [Math.floor(yIn), Math.floor(xIn)];
          const upper = (x0 + 1 - xIn) * read(b, y0, x0, c) + (xIn - x0) * read(b, y0, x0 + 1, c);
          const lower = (x0 + 1 - xIn) * read(b, y0 + 1, x0, c) + (xIn - x0) * read(b, y0 + 1, x0 + 1, c);
          result[at + c] = (y0 + 1 - yIn) * upper + (yIn - y0) * lower;
        }
      }
    }
  }
  return [backend.write(result, out.shape, 'float32')];
}

export interface RotateAttrs {
  radians: number;
  /** One value for every channel, or [r, g, b] (channel 3 and beyond: 255, opaque). */
  fillValue: number[];
  /** The centre as fractions [x, y] of the width and height. */
  center: number[];
}

/** The fill of channel c for rotateWithOffset's fillValue. */
export function rotateFill(fill: readonly number[], c: number): number {
  return fill.length === 1 ? fill[0] : c < 3 ? fill[c] : 255;
}

/**
 * rotateWithOffset: output pixel (x, y) takes the input pixel at its
 * rotation by `radians` about the centre, rounded to the nearest pixel
 * (halves up); outside the image, the fill.
 */
export function rotateKernel({ backend, inputs: [image], attrs, outputs: [out] }: KernelArgs<CpuBackend, RotateAttrs>): DataId[] {
  const pixels = backend.values(image);
  const [batch, height, width, channels] = image.shape;
  const [cx, cy] = [width * attrs.center[0], height * attrs.center[1]];
  const [sin, cos] = [Math.sin(attrs.radians), Math.cos(attrs.radians)];
  const result = new Float32Array(sizeFromShape(out.shape));
  let i = 0;
  for (let b = 0; b < batch; b++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const sx = Math.round((x - cx) * cos - (y - cy) * sin + cx);
        const sy = Math.round((x - cx) * sin + (y - cy) * cos + cy);
        const inside = sx >= 0 && sx < width && sy >= 0 && sy < height;
        for (let c = 0; c < channels; c++) {
          result[i++] = inside ? pixels[((b * height + sy) * width + sx) * channels + c] : rotateFill(attrs.fillValue, c);
        }
      }
    }
  }
  return [backend.write(result, out.shape, 'float32')];
}
