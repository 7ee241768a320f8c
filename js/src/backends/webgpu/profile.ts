// tw.profile(fn) and tw.time(fn) as in TensorFlow.js, with per-kernel GPU
// times from timestamp queries when the active backend is WebGPU and the
// adapter has the timestamp-query feature.
import { type ProfileInfo, type TensorContainer, getEngine } from '../../core/engine.js';
import type { KernelTiming, WebGpuBackend } from './backend.js';

export interface KernelProfile {
  /** The op that made the dispatch. */
  name: string;
  /** The WGSL file it ran. */
  shader: string;
  /** GPU time from timestamp queries; null where the adapter has none. */
  kernelTimeMs: number | null;
}

export interface ProfileWithKernels<T> extends ProfileInfo<T> {
  /** One entry per GPU dispatch, in order (empty unless the active backend is WebGPU). */
  kernels: KernelProfile[];
}

export interface TimingInfo {
  /** Wall time of fn and of the GPU work it queued (until that work finished). */
  wallMs: number;
  /** Summed GPU time of the kernels fn ran (timestamp queries); null where they cannot be measured. */
  kernelMs: number | null;
  kernels: KernelProfile[];
}

/** The active backend if it is the WebGPU backend. */
function webgpuBackend(): WebGpuBackend | null {
  const backend = getEngine().backend as WebGpuBackend;
  return backend.name === 'webgpu' ? backend : null;
}

const asProfiles = (timings: KernelTiming[]): KernelProfile[] =>
  timings.map(({ name, shader, ms }) => ({ name, shader, kernelTimeMs: ms }));

/** tw.profile(fn): tensors and bytes fn left behind, its peak bytes, the ops it ran and per-kernel GPU times. */
export async function profile<T extends TensorContainer>(fn: () => T | Promise<T>): Promise<ProfileWithKernels<T>> {
  const backend = webgpuBackend();
  backend?.startRecording();
  let timings: KernelTiming[] = [];
  let info: ProfileInfo<T>;
  try {
    info = await getEngine().profile(fn);
  } finally {
    if (backend) timings = await backend.stopRecording();
  }
  return { ...info, kernels: asProfiles(timings) };
}

/** tw.time(fn): wall time until the GPU finished fn's work, and the GPU time of its kernels. */
export async function time(fn: () => unknown): Promise<TimingInfo> {
  const backend = webgpuBackend();
  backend?.startRecording();
  const start = performance.now();
  let timings: KernelTiming[] = [];
  try {
    await fn();
    await backend?.sync();
  } finally {
    if (backend) timings = await backend.stopRecording();
  }
  const wallMs = performance.now() - start;
  const kernels = asProfiles(timings);
  const timed = backend?.canTime ?? false;
  return { wallMs, kernelMs: timed ? kernels.reduce((total, k) => total + k.kernelTimeMs!, 0) : null, kernels };
}
