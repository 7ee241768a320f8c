// Image ops: cropAndResize (image/crop_and_resize.wgsl), transform (image/transform.wgsl),
// rotateWithOffset (image/rotate.wgsl).
import { sizeFromShape } from '../../../core/dtype.js';
import type { CropAndResizeAttrs, RotateAttrs, TransformAttrs } from '../../cpu/image.js';
import { typesSlot } from '../wgsl.js';
import { type WebGpuKernel, gpu, groupsFor, wgslType } from './common.js';
import { shaderFiles } from '../../../shaders.js';

const SHADERS = shaderFiles({ cropAndResize: 'image/crop_and_resize.wgsl', transform: 'image/transform.wgsl', rotate: 'image/rotate.wgsl' });

const FILL_MODES = ['constant', 'reflect', 'wrap', 'nearest'];

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

/** transform: one thread per output element. */
export const transformKernel: WebGpuKernel<TransformAttrs> = (args) => {
  const backend = gpu(args);
  const { inputs: [image, transforms], attrs, outputs: [spec] } = args;
  const out = backend.allocate(spec.shape, spec.dtype);
  const size = sizeFromShape(spec.shape);
  if (size === 0) return [out];
  const [, inH, inW, channels] = image.shape;
  backend.run({
    shader: SHADERS.transform,
    constants: { NEAREST: attrs.interpolation === 'nearest', FILL_MODE: FILL_MODES.indexOf(attrs.fillMode) },
    bindings: {
      image: image.dataId, transforms: transforms.dataId, out,
      params: {
        size, in_h: inH, in_w: inW, channels, out_h: spec.shape[1], out_w: spec.shape[2],
        per_image: transforms.shape[0] === 1 ? 0 : 1, fill_value: attrs.fillValue,
      },
    },
    workgroups: groupsFor(size),
  });
  return [out];
};

/** rotateWithOffset: one thread per output element; the angle's sine and cosine computed here in float64. */
export const rotateKernel: WebGpuKernel<RotateAttrs> = (args) => {
  const backend = gpu(args);
  const { inputs: [image], attrs, outputs: [spec] } = args;
  const out = backend.allocate(spec.shape, spec.dtype);
  const size = sizeFromShape(spec.shape);
  if (size === 0) return [out];
  const [, height, width, channels] = image.shape;
  const fill = [...attrs.fillValue, 0, 0, 0].slice(0, 4);
  backend.run({
    shader: SHADERS.rotate,
    constants: { PER_CHANNEL: attrs.fillValue.length > 1 },
    bindings: {
      image: image.dataId, out,
      params: {
        size, height, width, channels, fill, center_x: width * attrs.center[0], center_y: height * attrs.center[1],
        sin: Math.sin(attrs.radians), cos: Math.cos(attrs.radians),
      },
    },
    workgroups: groupsFor(size),
  });
  return [out];
};
