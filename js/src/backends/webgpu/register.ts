// Registers the WebGPU backend (preferred over the CPU where WebGPU exists).
// Its kernels are named in each op's registry entry (`kernels.webgpu`).
import '../../ops/index.js';
import { getEngine } from '../../core/engine.js';
import { WebGpuBackend } from './backend.js';
import { prewarmCommonPipelines } from './prewarm.js';

getEngine().registerBackend('webgpu', async () => {
  const backend = await WebGpuBackend.create();
  backend.commonPipelines = prewarmCommonPipelines(backend);
  return backend;
}, 2);
