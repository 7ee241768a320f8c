// A navigator.gpu for node that records what the runtime asks of WebGPU
// instead of doing it: buffers, shader modules and pipelines (with their
// specialisation constants), bind groups, uniform writes, dispatches, copies
// and submits, as a list of events that py/tensorweb/native_bench.py replays
// through wgpu on a real adapter. The runtime itself runs unchanged (tw.ready()
// picks the webgpu backend, whose kernels choose their variants from the
// adapter described here), so the replay runs exactly the launches the browser
// would on that adapter. Reads back zeros: values are never looked at.

/** Objects get ids in creation order; the replay keys its wgpu objects by them. */
class Recorder {
  constructor() {
    this.events = [];
    this.nextId = 1;
  }

  add(event) {
    const id = this.nextId++;
    this.events.push({ ...event, id });
    return id;
  }

  push(event) {
    this.events.push(event);
  }
}

const base64 = (view) => Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64');

function bytesOf(data, offset = 0, size) {
  const view = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
  return view.subarray(offset, size === undefined ? undefined : offset + size);
}

class RecordedBuffer {
  constructor(recorder, { size, usage }) {
    this.size = size;
    this.usage = usage;
    this.id = recorder.add({ e: 'buffer', size, usage });
    this.recorder = recorder;
  }

  mapAsync() {
    return Promise.resolve();
  }

  getMappedRange(offset = 0, size = this.size - offset) {
    return new ArrayBuffer(size);
  }

  unmap() {}

  destroy() {
    this.recorder.push({ e: 'destroy', buffer: this.id });
  }
}

class RecordedPass {
  constructor(recorder) {
    this.recorder = recorder;
    this.pipeline = null;
    this.bindGroup = null;
  }

  setPipeline(pipeline) {
    this.pipeline = pipeline;
  }

  setBindGroup(index, bindGroup) {
    this.bindGroup = bindGroup;
  }

  dispatchWorkgroups(x, y = 1, z = 1) {
    this.recorder.push({ e: 'dispatch', pipeline: this.pipeline.id, bindGroup: this.bindGroup.id, workgroups: [x, y, z] });
  }

  end() {}
}

class RecordedEncoder {
  constructor(recorder) {
    this.recorder = recorder;
  }

  beginComputePass() {
    return new RecordedPass(this.recorder);
  }

  copyBufferToBuffer(source, sourceOffset, destination, destinationOffset, size) {
    this.recorder.push({ e: 'copy', source: source.id, sourceOffset, destination: destination.id, destinationOffset, size });
  }

  resolveQuerySet() {}

  finish() {
    return {};
  }
}

class RecordedDevice {
  constructor(recorder, limits, features) {
    this.recorder = recorder;
    this.limits = limits;
    this.features = new Set(features);
    this.lost = new Promise(() => {});
    this.onuncapturederror = null;
    this.queue = {
      writeBuffer: (buffer, offset, data, dataOffset = 0, size) => {
        recorder.push({ e: 'write', buffer: buffer.id, offset, data: base64(bytesOf(data, dataOffset, size)) });
      },
      submit: () => recorder.push({ e: 'submit' }),
      onSubmittedWorkDone: () => Promise.resolve(),
    };
  }

  createBuffer(descriptor) {
    return new RecordedBuffer(this.recorder, descriptor);
  }

  createShaderModule({ code, label }) {
    return { id: this.recorder.add({ e: 'shader', code, label }) };
  }

  createBindGroupLayout({ entries }) {
    return { id: this.recorder.add({ e: 'layout', entries: entries.map((entry) => ({ binding: entry.binding, type: entry.buffer.type })) }) };
  }

  createPipelineLayout({ bindGroupLayouts }) {
    return { layouts: bindGroupLayouts.map((layout) => layout.id) };
  }

  createComputePipeline({ layout, compute: { module, entryPoint, constants } }) {
    const id = this.recorder.add({ e: 'pipeline', shader: module.id, layout: layout.layouts[0], entryPoint, constants: constants ?? {} });
    const bindGroupLayout = { id: layout.layouts[0] };
    return { id, getBindGroupLayout: () => bindGroupLayout };
  }

  createBindGroup({ layout, entries }) {
    return {
      id: this.recorder.add({
        e: 'bindGroup', layout: layout.id,
        entries: entries.map(({ binding, resource }) => ({ binding, buffer: resource.buffer.id, offset: resource.offset ?? 0, size: resource.size })),
      }),
    };
  }

  createCommandEncoder() {
    return new RecordedEncoder(this.recorder);
  }

  createQuerySet() {
    return { destroy() {} };
  }

  pushErrorScope() {}

  popErrorScope() {
    return Promise.resolve(null);
  }

  destroy() {}
}

/**
 * Installs a recording navigator.gpu whose one adapter is `adapter` ({ vendor,
 * architecture, description, isFallbackAdapter, features, limits } as WebGPU
 * names them); returns the recorder whose `events` the replay reads.
 */
export function installRecordingGpu(adapter) {
  const recorder = new Recorder();
  const gpuAdapter = {
    features: new Set(adapter.features),
    limits: adapter.limits,
    info: { vendor: adapter.vendor, architecture: adapter.architecture, description: adapter.description, isFallbackAdapter: adapter.isFallbackAdapter },
    requestDevice: async ({ requiredFeatures = [] } = {}) => new RecordedDevice(recorder, adapter.limits, requiredFeatures),
  };
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: { requestAdapter: async () => gpuAdapter } }, configurable: true });
  return recorder;
}
