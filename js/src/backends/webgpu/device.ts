// Acquiring the WebGPU device: the high-performance adapter, the optional
// features tensorweb uses where the adapter has them, and the adapter's own
// limits requested in full (the defaults are far lower than most adapters').
import { BackendUnavailableError } from '../../core/backend.js';

export interface DeviceInfo {
  vendor: string;
  architecture: string;
  description: string;
  /** Optional features the device was created with. */
  features: string[];
  /** Whether the adapter runs shaders on CPU cores (SwiftShader, lavapipe/llvmpipe, a fallback adapter). */
  runsOnCpu: boolean;
  /** The page's logical CPU cores (navigator.hardwareConcurrency, at least 1): a CPU adapter runs a workgroup a core at a time. */
  cpuCores: number;
  limits: Record<string, number>;
}

/** Features used where present; each has a path for when it is absent. */
const WANTED_FEATURES: GPUFeatureName[] = ['shader-f16', 'subgroups', 'timestamp-query'];

/** Limits the kernels depend on, requested at the adapter's maximum. */
const WANTED_LIMITS = [
  'maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ', 'maxComputeWorkgroupsPerDimension', 'maxStorageBuffersPerShaderStage',
] as const;

export async function acquireDevice(): Promise<{ device: GPUDevice; info: DeviceInfo }> {
  const navigator = (globalThis as { navigator?: { gpu?: GPU; hardwareConcurrency?: number } }).navigator;
  const gpu = navigator?.gpu;
  if (!gpu) throw new BackendUnavailableError('this environment has no WebGPU (navigator.gpu is undefined)');
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('navigator.gpu.requestAdapter() found no adapter');
  const features = WANTED_FEATURES.filter((f) => adapter.features.has(f));
  const requiredLimits: Record<string, number> = {};
  for (const name of WANTED_LIMITS) requiredLimits[name] = adapter.limits[name];
  const device = await adapter.requestDevice({ requiredFeatures: features, requiredLimits, label: 'tensorweb' });
  const limits: Record<string, number> = {};
  for (const name of WANTED_LIMITS) limits[name] = device.limits[name];
  const { vendor, architecture, description } = adapter.info;
  const runsOnCpu = (adapter.info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true ||
    /swiftshader|llvmpipe|lavapipe/i.test(`${vendor} ${architecture} ${description}`);
  const cpuCores = Math.max(1, navigator?.hardwareConcurrency ?? 1);
  const info: DeviceInfo = { vendor, architecture, description, features, limits, runsOnCpu, cpuCores };
  console.info(`tensorweb: WebGPU adapter ${info.vendor}/${info.architecture}${info.description ? ` (${info.description})` : ''}; ` +
    `features: ${features.join(', ') || 'none of shader-f16, subgroups, timestamp-query'}; limits: ${JSON.stringify(limits)}`);
  return { device, info };
}
