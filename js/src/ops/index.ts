// Every op family; importing this registers their entries. Each family module
// exports its public functions with TF.js names.
export * from './creation.js';
export * from './unary.js';
export * from './binary.js';
export * from './reduction.js';
export * from './shape.js';
export * from './linalg.js';
export * from './nn_conv.js';
export * from './nn.js';
export * from './ranked.js';
export * from './composite.js';
export * from './host.js';
export { listOps, getOpDef, describeOps } from './registry.js';
export type { OpDef, OpDescription, AttrSpec, InputSpec, KernelArgs, GradFn, SavedTensors } from './registry.js';
export { image } from './image.js';
export { linalg } from './matrix.js';
