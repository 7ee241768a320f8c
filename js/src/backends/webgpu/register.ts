// Registers the WebGPU backend (preferred over the CPU where WebGPU exists).
// Its kernels are named in each op's registry entry (`kernels.webgpu`).
import '../../ops/index.js';
import { getEngine } from '../../core/engine.js';
import { WebGpuBackend } from './backend.js';

getEngine().registerBackend('webgpu', () => WebGpuBackend.create(), 2);
