// CPU kernels of the image ops: cropAndResize.
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
