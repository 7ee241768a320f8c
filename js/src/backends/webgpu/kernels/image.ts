// Image ops: cropAndResize (image/crop_and_resize.wgsl).
import { sizeFromShape } from '../../../core/dtype.js';
import type { CropAndResizeAttrs } from '../../cpu/image.js';
import { typesSlot } from '../wgsl.js';
import { type WebGpuKernel, gpu, groupsFor, wgslType } from './common.js';
import { shaderFiles } from '../../../shaders.js';

const SHADERS = shaderFiles({ cropAndResize: 'image/crop_and_resize.wgsl' });

/** cropAndResize: one thread per output element. */
export const cropAndResizeKernel: WebGpuKernel<CropAndResizeAttrs> = (args) => {
  const backend = gpu(args);
  const { inputs: [image, boxes, boxInd], attrs, outputs: [spec] } = args;
  const out = backend.allocate(spec.shape, spec.dtype);
  const size = sizeFromShape(spec.shape);
  if (size === 0) return [out];
  const [batch, inH, inW, channels] = image.shape;
  backend.run({
    shader: SHADERS.cropAndResize,
    slots: { types: typesSlot({ Elem: wgslType(image.dtype) }) },
    constants: { NEAREST: attrs.method === 'nearest' },
    bindings: {
      image: image.dataId, boxes: boxes.dataId, box_index: boxInd.dataId, out,
      params: {
        size, batch, in_h: inH, in_w: inW, channels, crop_h: attrs.cropSize[0], crop_w: attrs.cropSize[1],
        extrapolation: attrs.extrapolationValue,
      },
    },
    workgroups: groupsFor(size),
  });
  return [out];
};
