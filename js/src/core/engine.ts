// The engine: backends, tensor bookkeeping (reference-counted data, tidy
// scopes, memory counters), running registry ops, and the gradient tapes.
import { type BackendFactory, type BackendMemory, BackendUnavailableError, type DataId, type KernelBackend, type TensorInfo, type TensorSpec } from './backend.js';
import {
  type BackendValues, type DataType, type StringValues, type TypedArray, bytesPerElement, float16BitsToFloat32, shapesEqual, sizeFromShape, storageBytes,
} from './dtype.js';
import { decodeStrings, stringCodes } from './strings.js';
import { Tensor, Variable } from './tensor.js';
import { Tape, type TapeNode, backprop, readBackOf } from './tape.js';
import { type AnyOpDef, type GradFn, type HostContext, checkAttrs, getOpDef } from '../ops/registry.js';

/** Anything `tidy` may return; the tensors inside survive the scope. */
export type TensorContainer = void | Tensor | string | number | boolean | null | undefined
  | TensorContainer[] | { [key: string]: TensorContainer };

export interface MemoryInfo {
  numTensors: number;
  numDataBuffers: number;
  numBytes: number;
  /** The same counters as each initialised backend sees them. */
  backends: Record<string, BackendMemory>;
}

/** What Engine.gradients gives: f's value, each source's gradient (null: none) and why none (see readBackOf). */
export interface Gradients<T extends Tensor = Tensor> {
  value: T;
  grads: (Tensor | null)[];
  blockedBy: (string | null)[];
}

export interface ProfileInfo<T> {
  newTensors: number;
  newBytes: number;
  peakBytes: number;
  /** Every op that ran, in order, decompositions and their parts included. */
  kernelNames: string[];
  result: T;
}

interface DataRecord {
  backend: KernelBackend;
  refCount: number;
  bytes: number;
  shape: readonly number[];
  dtype: DataType;
}

interface Scope {
  tensors: Tensor[];
}

interface Profile {
  kernelNames: string[];
  peakBytes: number;
}

/** The gradient of a 'not-differentiable' op: none for any input (backprop gives watched inputs zeros). */
const noGradient: GradFn<unknown> = (_dys, { inputs }) => inputs.map(() => null);

export class Engine {
  private factories = new Map<string, { factory: BackendFactory; priority: number }>();
  private backends = new Map<string, KernelBackend>();
  private active: KernelBackend | null = null;
  private pending: Promise<boolean> | null = null;
  private chosenByUser = false;
  private inits = new Map<string, Promise<KernelBackend | null>>();
  /** Why a backend is absent here (its factory threw BackendUnavailableError), by name. */
  private unavailable = new Map<string, string>();
  private data = new Map<DataId, DataRecord>();
  private scopes: Scope[] = [];
  private tapes: Tape[] = [];
  /** The tape of the gradientsAsync call in progress, which the rules there keep to one. */
  private asyncTape: Tape | null = null;
  private tapePaused = 0;
  private profiles: Profile[] = [];
  private variables = new Map<string, Variable>();
  private nextId = 0;
  private liveTensors = 0;
  private liveBytes = 0;

  // ---- backends ----------------------------------------------------------

  /** Registers a backend under `name`; the highest priority that initialises becomes the default. */
  registerBackend(name: string, factory: BackendFactory, priority = 1): boolean {
    if (this.factories.has(name)) return false;
    this.factories.set(name, { factory, priority });
    return true;
  }

  /** Makes `name` the backend new ops run on; resolves false if it could not be initialised. */
  async setBackend(name: string): Promise<boolean> {
    const init = this.initBackend(name).then((backend) => {
      const absent = this.unavailable.get(name);
      if (absent) console.warn(`tensorweb: setBackend('${name}'): ${absent}`);
      if (backend) {
        this.active = backend;
        this.chosenByUser = true;
      }
      return backend !== null;
    });
    this.pending = init;
    try {
      return await init;
    } finally {
      if (this.pending === init) this.pending = null;
    }
  }

  getBackendName(): string {
    return this.backend.name;
  }

  /**
   * Resolves once the backend ops will run on is initialised: the one
   * `setBackend` chose, else the highest-priority backend that initialises
   * (replacing a synchronous fallback picked before, e.g. cpu while webgpu was
   * still starting).
   */
  async ready(): Promise<void> {
    if (this.pending) await this.pending;
    if (!this.chosenByUser) await this.pickBestBackend();
    // A backend whose device was lost is ready again once it has a new one.
    await this.active!.restored?.();
  }

  private async pickBestBackend(): Promise<void> {
    for (const name of this.namesByPriority()) {
      const backend = await this.initBackend(name);
      if (backend) {
        this.active = backend;
        return;
      }
    }
    throw new Error('tensorweb: no backend could be initialised');
  }

  /** Which of `tensors` lost their values with a lost device, once the work recorded so far has run. */
  async lostTensors(tensors: Tensor[]): Promise<Tensor[]> {
    const lost: Tensor[] = [];
    for (const backend of this.backends.values()) {
      const held = tensors.filter((t) => !t.isDisposed && this.data.get(t.dataId)?.backend === backend);
      if (!backend.lostData || held.length === 0) continue;
      const ids = new Set(await backend.lostData(held.map((t) => t.dataId)));
      lost.push(...held.filter((t) => ids.has(t.dataId)));
    }
    return lost;
  }

  /** Whether ops run on `backend` now (asking initialises no backend). */
  isActiveBackend(backend: KernelBackend): boolean {
    return this.active === backend;
  }

  /** The initialised backend instance called `name`, if any. */
  findBackend(name: string): KernelBackend | undefined {
    return this.backends.get(name);
  }

  /** The active backend; before `setBackend`/`ready`, the best one that initialises synchronously. */
  get backend(): KernelBackend {
    if (this.active) return this.active;
    for (const name of this.namesByPriority()) {
      const backend = this.initBackendSync(name);
      if (backend) return (this.active = backend);
    }
    throw new Error('tensorweb: no backend initialises synchronously; await tw.ready() or tw.setBackend() first');
  }

  private namesByPriority(): string[] {
    return [...this.factories.entries()].sort((a, b) => b[1].priority - a[1].priority).map(([name]) => name);
  }

  /** Initialises backend `name` once (later calls share the result); null if its factory failed. */
  private initBackend(name: string): Promise<KernelBackend | null> {
    this.initBackendSync(name);
    return this.inits.get(name)!;
  }

  /** Starts initialising `name` if nothing did yet; returns the backend if it is ready now. */
  private initBackendSync(name: string): KernelBackend | null {
    if (!this.inits.has(name)) {
      const entry = this.factories.get(name);
      if (!entry) throw new Error(`tensorweb: no backend named '${name}' (have: ${[...this.factories.keys()].join(', ')})`);
      const failed = (error: unknown) => {
        if (error instanceof BackendUnavailableError) this.unavailable.set(name, error.message);
        else console.warn(`tensorweb: backend '${name}' failed to initialise: ${(error as Error).message}`);
        return null;
      };
      let made: KernelBackend | Promise<KernelBackend>;
      try {
        made = entry.factory();
      } catch (error) {
        this.inits.set(name, Promise.resolve(failed(error)));
        return null;
      }
      if (made instanceof Promise) {
        this.inits.set(name, made.then((backend) => {
          this.backends.set(name, backend);
          return backend;
        }, failed));
      } else {
        this.backends.set(name, made);
        this.inits.set(name, Promise.resolve(made));
      }
    }
    return this.backends.get(name) ?? null;
  }

  /** The CPU backend, which holds every string tensor and runs every op over one. */
  private cpuBackend(): KernelBackend {
    const cpu = this.backends.get('cpu') ?? this.initBackendSync('cpu');
    if (!cpu) throw new Error('tensorweb: string tensors need the cpu backend, which is not registered');
    return cpu;
  }

  private backendForKernel(def: AnyOpDef): KernelBackend {
    const active = this.backend;
    if (def.kernels?.[active.name as 'cpu' | 'webgpu']) return active;
    // No kernel here yet: run on the CPU reference; data moves on demand.
    const cpu = this.backends.get('cpu') ?? this.initBackendSync('cpu');
    if (!cpu || !def.kernels?.cpu) throw new Error(`tensorweb: op '${def.name}' has no kernel for backend '${active.name}'`);
    return cpu;
  }

  /** Moves `dataId` onto `target` if it lives elsewhere (same DataId object afterwards). */
  private ensureOn(dataId: DataId, target: KernelBackend): void {
    const record = this.data.get(dataId)!;
    if (record.backend === target) return;
    const values = record.backend.readSync(dataId);
    record.backend.disposeData(dataId);
    target.move(dataId, values, record.shape, record.dtype);
    record.backend = target;
  }

  // ---- tensors and data ----------------------------------------------------

  /** A tracked tensor over new data; `values` is handed to the backend (the CPU one for strings, as TF.js keeps them). */
  makeTensor(values: BackendValues, shape: readonly number[], dtype: DataType): Tensor {
    const backend = dtype === 'string' ? this.cpuBackend() : this.backend;
    const dataId = backend.write(values, shape, dtype);
    return this.makeTensorFromDataId(dataId, shape, dtype, backend);
  }

  /**
   * A tracked tensor over new data held by backend `name` whatever the active
   * one is: a worker's outputs stay on the page's CPU backend, ready to read.
   */
  makeTensorOn(name: string, values: TypedArray, shape: readonly number[], dtype: DataType): Tensor {
    const backend = this.initBackendSync(name);
    if (!backend) throw new Error(`tensorweb: backend '${name}' does not initialise synchronously`);
    return this.makeTensorFromDataId(backend.write(values, shape, dtype), shape, dtype, backend);
  }

  /** A tracked tensor over `dataId`, which `backend` holds; shared ids count a reference. */
  makeTensorFromDataId(dataId: DataId, shape: readonly number[], dtype: DataType, backend: KernelBackend): Tensor {
    this.addDataRef(dataId, shape, dtype, backend);
    const tensor = new Tensor(dataId, shape, dtype, this.nextId++);
    this.track(tensor);
    return tensor;
  }

  private addDataRef(dataId: DataId, shape: readonly number[], dtype: DataType, backend: KernelBackend): void {
    const record = this.data.get(dataId);
    if (record) {
      record.refCount++;
      return;
    }
    const bytes = dtype === 'string' ? storageBytes(backend.readSync(dataId), dtype) : sizeFromShape(shape) * bytesPerElement(dtype);
    this.data.set(dataId, { backend, refCount: 1, bytes, shape: [...shape], dtype });
    this.liveBytes += bytes;
    for (const profile of this.profiles) profile.peakBytes = Math.max(profile.peakBytes, this.liveBytes);
  }

  private releaseDataRef(dataId: DataId): void {
    const record = this.data.get(dataId);
    if (!record) return;
    if (--record.refCount > 0) return;
    record.backend.disposeData(dataId);
    this.data.delete(dataId);
    this.liveBytes -= record.bytes;
  }

  private track(tensor: Tensor): void {
    this.liveTensors++;
    if (this.scopes.length > 0) this.scopes[this.scopes.length - 1].tensors.push(tensor);
  }

  disposeTensor(tensor: Tensor): void {
    if (tensor.isDisposed) return;
    tensor.markDisposed();
    this.liveTensors--;
    this.releaseDataRef(tensor.dataId);
    if (tensor instanceof Variable && this.variables.get(tensor.name) === tensor) this.variables.delete(tensor.name);
  }

  /** Disposes every tensor inside `container` (a tensor, an array or an object of them). */
  dispose(container: TensorContainer): void {
    for (const tensor of tensorsIn(container)) this.disposeTensor(tensor);
  }

  async read(tensor: Tensor): Promise<TypedArray | string[]> {
    const record = this.data.get(tensor.dataId)!;
    return decoded(await record.backend.read(tensor.dataId), tensor.dtype);
  }

  readSync(tensor: Tensor): TypedArray | string[] {
    const record = this.data.get(tensor.dataId)!;
    return decoded(record.backend.readSync(tensor.dataId), tensor.dtype);
  }

  /** A string tensor's elements as UTF-8 bytes (TF.js's `bytes()`); copies, so callers may keep them. */
  readBytes(tensor: Tensor): Uint8Array[] {
    if (tensor.dtype !== 'string') throw new Error(`tensorweb: bytes(): the tensor is ${tensor.dtype}, not string`);
    return (this.data.get(tensor.dataId)!.backend.readSync(tensor.dataId) as StringValues).map((bytes) => bytes.slice());
  }

  /** Which backend holds a tensor's data right now. */
  backendOf(tensor: Tensor): string {
    tensor.assertNotDisposed('backendOf');
    return this.data.get(tensor.dataId)!.backend.name;
  }

  memory(): MemoryInfo {
    const backends: Record<string, BackendMemory> = {};
    for (const [name, backend] of this.backends) backends[name] = backend.memory();
    return { numTensors: this.liveTensors, numDataBuffers: this.data.size, numBytes: this.liveBytes, backends };
  }

  // ---- variables -----------------------------------------------------------

  makeVariable(initial: Tensor, trainable: boolean, name: string | undefined): Variable {
    initial.assertNotDisposed('variable');
    const id = this.nextId++;
    const varName = name ?? `variable${id}`;
    if (this.variables.has(varName)) throw new Error(`tensorweb: a variable named '${varName}' already exists`);
    const variable = new Variable(initial, trainable, varName, id);
    this.addDataRef(initial.dataId, initial.shape, initial.dtype, this.data.get(initial.dataId)!.backend);
    this.liveTensors++; // variables belong to no scope
    this.variables.set(varName, variable);
    return variable;
  }

  assignVariable(variable: Variable, value: Tensor): void {
    variable.assertNotDisposed('assign');
    value.assertNotDisposed('assign');
    // a variable is never an op's output, so one the asynchronous tape watches is one of its sources
    if (this.asyncTape?.watched.has(variable.id)) {
      throw new Error(`tensorweb: assign: variable '${variable.name}' is a source of the asynchronous gradient being ` +
        'recorded, whose function would change midway; assign it once that gradient is computed');
    }
    if (value.dtype !== variable.dtype || !shapesEqual(value.shape, variable.shape)) {
      throw new Error(`tensorweb: assign: variable '${variable.name}' is [${variable.shape}] ${variable.dtype}, ` +
        `the new value is [${value.shape}] ${value.dtype}`);
    }
    this.addDataRef(value.dataId, value.shape, value.dtype, this.data.get(value.dataId)!.backend);
    this.releaseDataRef(variable.dataId);
    variable.dataId = value.dataId;
  }

  /** Live variables by name. */
  registeredVariables(): Map<string, Variable> {
    return this.variables;
  }

  // ---- scopes ----------------------------------------------------------------

  /**
   * Runs `fn`; afterwards disposes every tensor it created except those it
   * returns and those passed to `keep`. On a throw, disposes them all.
   */
  tidy<T extends TensorContainer>(fn: () => T): T {
    const scope: Scope = { tensors: [] };
    this.scopes.push(scope);
    let result: T;
    try {
      result = fn();
    } catch (error) {
      this.endScope(scope, new Set());
      throw error;
    }
    if (result instanceof Promise) {
      this.endScope(scope, new Set());
      throw new Error('tensorweb: tidy: the function returned a Promise; tidy takes synchronous functions only');
    }
    this.endScope(scope, new Set(tensorsIn(result)));
    return result;
  }

  private endScope(scope: Scope, survivors: Set<Tensor>): void {
    this.scopes.splice(this.scopes.lastIndexOf(scope), 1);
    const parent = this.scopes[this.scopes.length - 1];
    for (const tensor of scope.tensors) {
      if (survivors.has(tensor)) parent?.tensors.push(tensor);
      else if (!tensor.kept) this.disposeTensor(tensor);
    }
  }

  keep<T extends Tensor>(tensor: T): T {
    tensor.kept = true;
    return tensor;
  }

  async profile<T extends TensorContainer>(fn: () => T | Promise<T>): Promise<ProfileInfo<T>> {
    const profile: Profile = { kernelNames: [], peakBytes: this.liveBytes };
    const tensorsBefore = this.liveTensors;
    const bytesBefore = this.liveBytes;
    this.profiles.push(profile);
    try {
      const result = await fn();
      return {
        newTensors: this.liveTensors - tensorsBefore, newBytes: this.liveBytes - bytesBefore,
        peakBytes: profile.peakBytes, kernelNames: profile.kernelNames, result,
      };
    } finally {
      this.profiles.splice(this.profiles.indexOf(profile), 1);
    }
  }

  /** Runs `fn` unseen by tw.profile: a dry run (WebGpuBackend.plan) computes and keeps nothing. */
  unprofiled<T>(fn: () => T): T {
    const profiles = this.profiles;
    this.profiles = [];
    try {
      return fn();
    } finally {
      this.profiles = profiles;
    }
  }

  // ---- running ops ---------------------------------------------------------

  /**
   * Runs registry op `name`. Checks attributes and (through the entry's shape
   * rule) inputs; errors name the op, the input shapes and the attributes.
   * Everything allocated by an op that throws is released.
   */
  runOp(name: string, inputs: Tensor[], attrs: Record<string, unknown>): Tensor[] {
    const def = getOpDef(name);
    const checked = this.checkOpCall(def, inputs, attrs);
    inputs.forEach((input, i) => {
      // TF.js's words for a string where an op takes numbers (its convertToTensor's 'numeric').
      if (input.dtype === 'string' && !def.strings) {
        throw new Error(`Argument '${inputName(def, i)}' passed to '${name}' must be numeric tensor, but got string tensor`);
      }
    });
    if (def.host) {
      throw this.opError(def, inputs, attrs, 'its output shape depends on the values of its inputs, so it runs only ' +
        'asynchronously (its async function, or a graph model\'s executeAsync)');
    }
    return this.tidy(() => {
      const complexInput = inputs.findIndex((input) => input.dtype === 'complex64');
      if (complexInput >= 0 || checked.dtype === 'complex64') {
        if (!def.complex) {
          throw this.opError(def, inputs, attrs, complexInput >= 0
            ? `input ${inputName(def, complexInput)} is complex64, which this op does not take` : 'makes no complex64 tensors');
        }
        if (def.complex !== 'native') return this.ownOutputs(def.complex(inputs, checked), inputs);
      }
      const cast = inputs.map((input) => this.castForOp(def, input));
      let specs: TensorSpec[];
      try {
        specs = def.shape(cast, checked);
      } catch (error) {
        throw this.opError(def, inputs, attrs, (error as Error).message);
      }
      const declared = def.outputs ?? 1;
      if (declared !== 'variable' && specs.length !== declared) {
        throw new Error(`tensorweb: ${name}: the shape rule gave ${specs.length} outputs, the entry declares ${declared}`);
      }
      if (def.decompose) {
        const outputs = this.ownOutputs(def.decompose(cast, checked), [...inputs, ...cast]);
        outputs.forEach((out, k) => {
          if (out.dtype !== specs[k].dtype || !shapesEqual(out.shape, specs[k].shape)) {
            throw new Error(`tensorweb: ${name}: decomposition output ${k} is [${out.shape}] ${out.dtype}, ` +
              `the shape rule says [${specs[k].shape}] ${specs[k].dtype}`);
          }
        });
        return outputs;
      }
      if (cast.some((input) => input.dtype === 'string')) return this.runStringKernel(def, cast, checked, specs);
      const backend = this.backendForKernel(def);
      const infos: TensorInfo[] = cast.map((input) => {
        this.ensureOn(input.dataId, backend);
        return { dataId: input.dataId, shape: input.shape, dtype: input.dtype };
      });
      const kernel = def.kernels![backend.name as 'cpu' | 'webgpu']!;
      const args = { backend, inputs: infos, attrs: checked, outputs: specs } as never;
      const ids = backend.runKernel ? backend.runKernel(name, () => kernel(args)) : kernel(args);
      if (ids.length !== specs.length) {
        ids.forEach((id) => !this.data.has(id) && backend.disposeData(id));
        throw new Error(`tensorweb: ${name}: the ${backend.name} kernel returned ${ids.length} outputs, the shape rule says ${specs.length}`);
      }
      const outputs = ids.map((id, k) => this.makeTensorFromDataId(id, specs[k].shape, specs[k].dtype, backend));
      // A non-differentiable op is recorded too: a source that leads to the result only through it
      // gets zeros (backprop's rule), as in TF.js, rather than the error for an unconnected source.
      if (def.grad) this.record(name, def.grad === 'not-differentiable' ? noGradient : def.grad, checked, cast, outputs);
      return outputs;
    });
  }

  /**
   * A kernel op over string inputs runs on the CPU backend with each string
   * as an int32 code (strings.ts: codes order and compare as the strings do),
   * so the op's own CPU kernel moves, gathers or compares them; its string
   * outputs are decoded back from the codes.
   */
  private runStringKernel(def: AnyOpDef, inputs: Tensor[], attrs: Record<string, unknown>, specs: TensorSpec[]): Tensor[] {
    const cpu = this.cpuBackend();
    const strings = inputs.filter((input) => input.dtype === 'string');
    const { table, codes } = stringCodes(strings.map((input) => cpu.readSync(input.dataId) as StringValues));
    const codeIds: DataId[] = [];
    const infos: TensorInfo[] = inputs.map((input) => {
      if (input.dtype !== 'string') {
        this.ensureOn(input.dataId, cpu);
        return { dataId: input.dataId, shape: input.shape, dtype: input.dtype };
      }
      const dataId = cpu.write(codes[strings.indexOf(input)], input.shape, 'int32');
      codeIds.push(dataId);
      return { dataId, shape: input.shape, dtype: 'int32' };
    });
    const outputs: TensorSpec[] = specs.map((s) => (s.dtype === 'string' ? { shape: s.shape, dtype: 'int32' } : s));
    const args = { backend: cpu, inputs: infos, attrs, outputs } as never;
    let ids: DataId[] = [];
    try {
      ids = cpu.runKernel ? cpu.runKernel(def.name, () => def.kernels!.cpu(args)) : def.kernels!.cpu(args);
      const results = ids.map((id, k) => {
        if (specs[k].dtype !== 'string') return this.makeTensorFromDataId(id, specs[k].shape, specs[k].dtype, cpu);
        const values = Array.from(cpu.readSync(id) as Int32Array, (code) => table[code]);
        return this.makeTensorFromDataId(cpu.write(values, specs[k].shape, 'string'), specs[k].shape, 'string', cpu);
      });
      if (def.grad) this.record(def.name, def.grad === 'not-differentiable' ? noGradient : def.grad, attrs, inputs, results);
      return results;
    } finally {
      // The codes are scratch: the inputs' and the string outputs' (which may alias them: reshape, clone).
      const scratch = new Set([...codeIds, ...ids.filter((_, k) => specs[k].dtype === 'string')]);
      scratch.forEach((id) => cpu.disposeData(id));
    }
  }

  /** An output that is an input (a no-op case) is cloned, so the caller owns a tensor of its own. */
  private ownOutputs(outputs: Tensor[], inputs: Tensor[]): Tensor[] {
    return outputs.map((out) => (inputs.includes(out) ? this.runOp('clone', [out], {})[0] : out));
  }

  /** Checks the inputs' count and liveness and the attributes (defaults filled in), and counts the op in tw.profile. */
  private checkOpCall(def: AnyOpDef, inputs: Tensor[], attrs: Record<string, unknown>): Record<string, unknown> {
    inputs.forEach((input, i) => {
      if (!(input instanceof Tensor)) throw this.opError(def, inputs, attrs, `input ${inputName(def, i)} is not a Tensor`);
      input.assertNotDisposed(`tw.${def.name} input ${inputName(def, i)}`);
    });
    for (const profile of this.profiles) profile.kernelNames.push(def.name);
    try {
      checkInputCount(def, inputs.length);
      return checkAttrs(def, attrs);
    } catch (error) {
      throw this.opError(def, inputs, attrs, (error as Error).message);
    }
  }

  /**
   * Runs host op `name` (registry.ts, OpDef.host): checks inputs and
   * attributes as runOp does, then awaits the op, which reads back what it
   * needs. Its outputs must fit its shape rule's (-1: any size).
   */
  async runHostOp(name: string, inputs: Tensor[], attrs: Record<string, unknown>, context: HostContext = NO_GRAPH): Promise<Tensor[]> {
    const def = getOpDef(name);
    if (!def.host) throw new Error(`tensorweb: ${name} is not a host op (run it with runOp)`);
    const checked = this.checkOpCall(def, inputs, attrs);
    const cast = inputs.map((input) => this.castForOp(def, input));
    try {
      let specs: TensorSpec[];
      try {
        specs = def.shape(cast, checked);
      } catch (error) {
        throw this.opError(def, inputs, attrs, (error as Error).message);
      }
      let outputs: Tensor[];
      try {
        outputs = await def.host(cast, checked, context);
      } catch (error) {
        throw new Error(`tensorweb: ${name}: ${(error as Error).message.replace(/^tensorweb: /, '')}`, { cause: error });
      }
      const fits = outputs.length === specs.length && outputs.every((out, k) => out.dtype === specs[k].dtype &&
        out.rank === specs[k].shape.length && specs[k].shape.every((d, i) => d < 0 || d === out.shape[i]));
      if (!fits) {
        outputs.forEach((out) => out.dispose());
        throw new Error(`tensorweb: ${name}: the host op gave ${outputs.map((o) => `[${o.shape}] ${o.dtype}`).join(', ')}, ` +
          `the shape rule says ${specs.map((s) => `[${s.shape}] ${s.dtype}`).join(', ')}`);
      }
      return outputs;
    } finally {
      cast.forEach((t, i) => t !== inputs[i] && t.dispose());
    }
  }

  /**
   * float16 is upcast for every op but `cast`; `inputDtype` casts int32/bool for float or logical ops.
   * complex64 reaches only entries that take it as it is.
   */
  private castForOp(def: AnyOpDef, input: Tensor): Tensor {
    if (def.name === 'cast' || input.dtype === 'complex64') return input;
    const want = def.inputDtype ?? (input.dtype === 'float16' ? 'float32' : undefined);
    if (!want || input.dtype === want) return input;
    return this.runOp('cast', [input], { dtype: want })[0];
  }

  private opError(def: AnyOpDef, inputs: unknown[], attrs: Record<string, unknown>, message: string): Error {
    const described = inputs.map((input, i) => input instanceof Tensor
      ? `${inputName(def, i)}: [${input.shape}] ${input.dtype}` : `${inputName(def, i)}: ${typeof input}`);
    const shownAttrs = Object.entries(attrs).filter(([, v]) => v !== undefined);
    return new Error(`tw.${def.name}: ${message}\n  inputs: ${described.join(', ') || 'none'}` +
      `\n  attrs: ${shownAttrs.length ? JSON.stringify(Object.fromEntries(shownAttrs)) : 'none'}`);
  }

  // ---- gradients -------------------------------------------------------------

  /** Records an op on every tape that watches one of its inputs. */
  record(opName: string, grad: GradFn<unknown>, attrs: unknown, inputs: Tensor[], outputs: Tensor[], saved: Tensor[] = []): void {
    if (this.tapePaused > 0) return;
    for (const tape of this.tapes) {
      if (!inputs.some((input) => tape.watched.has(input.id))) continue;
      const node: TapeNode = {
        opName, grad, attrs, inputIds: inputs.map((t) => t.id), outputIds: outputs.map((t) => t.id),
        inputs: inputs.map((t) => this.hold(t)), outputs: outputs.map((t) => this.hold(t)), saved: saved.map((t) => this.hold(t)),
      };
      tape.nodes.push(node);
      for (const output of outputs) tape.watched.add(output.id);
    }
  }

  /** An untracked copy sharing data and tape id, alive until its tape is released. */
  private hold(tensor: Tensor): Tensor {
    const record = this.data.get(tensor.dataId)!;
    record.refCount++;
    this.liveTensors++;
    return new Tensor(tensor.dataId, tensor.shape, tensor.dtype, tensor.id);
  }

  /** Runs `fn` with recording off (customGrad's forward pass). */
  withoutTape<T>(fn: () => T): T {
    this.tapePaused++;
    try {
      return fn();
    } finally {
      this.tapePaused--;
    }
  }

  /**
   * Computes `y = f()` while recording, then the gradients of `y` (seeded with
   * `dy`, ones by default) with respect to `xs`. Throws when some x has no path
   * to y, unless `allowNoGradients`; `blockedBy` then names, for such an x,
   * the condition or trip count it reached instead (Tape.readBacks), else null.
   */
  gradients<T extends Tensor>(f: () => T, xs: Tensor[], dy?: Tensor, allowNoGradients = false): Gradients<T> {
    const tape = this.openTape(xs);
    const firstNewId = this.nextId;
    try {
      let value: T;
      try {
        value = this.tidy(f);
      } finally {
        this.tapes.splice(this.tapes.indexOf(tape), 1);
      }
      return this.backward(tape, value, xs, dy, allowNoGradients, firstNewId);
    } finally {
      this.releaseTape(tape);
    }
  }

  /**
   * `gradients` of an async `f`, whose tape stays open across its awaits (a
   * graph model's executeAsync: the ops of the if branch taken and of every
   * loop iteration are recorded as any others). JavaScript cannot tell which
   * task runs an op, so while it is open:
   * - any op reading a watched tensor (a source or a value computed from one)
   *   is recorded, whoever runs it: a concurrent predict on the same weights.
   *   Such ops cannot change the gradient, since backprop follows only the
   *   paths to f's result, but the tape holds their tensors until f settles;
   * - assigning a source variable is refused: it would change the function
   *   being differentiated midway;
   * - a second gradientsAsync is refused: one asynchronous tape at a time.
   * f's intermediates are its own to dispose (no tidy spans an await).
   */
  async gradientsAsync<T extends Tensor>(f: () => Promise<T>, xs: Tensor[], dy?: Tensor, allowNoGradients = false):
    Promise<Gradients<T>> {
    if (this.asyncTape) {
      throw new Error('tensorweb: an asynchronous gradient (variableGradsAsync, minimizeAsync, or fit of a graph model ' +
        'run by executeAsync) is already being recorded; await it first: one is recorded at a time');
    }
    const tape = this.openTape(xs);
    this.asyncTape = tape;
    const firstNewId = this.nextId;
    try {
      let value: T;
      try {
        value = await f();
      } finally {
        this.tapes.splice(this.tapes.indexOf(tape), 1);
        this.asyncTape = null;
      }
      return this.backward(tape, value, xs, dy, allowNoGradients, firstNewId);
    } finally {
      this.releaseTape(tape);
    }
  }

  /** Notes that `what` (an if's condition, a loop's trip count) read `tensor` back: see Tape.readBacks. */
  noteReadBack(tensor: Tensor, what: string): void {
    for (const tape of this.tapes) if (tape.watched.has(tensor.id)) tape.readBacks.push({ id: tensor.id, what });
  }

  private openTape(xs: Tensor[]): Tape {
    const tape = new Tape();
    for (const x of xs) {
      x.assertNotDisposed('gradient source');
      tape.watched.add(x.id);
    }
    this.tapes.push(tape);
    return tape;
  }

  /** The backward pass over a closed tape from `value`, f's result. */
  private backward<T extends Tensor>(tape: Tape, value: T, xs: Tensor[], dy: Tensor | undefined, allowNoGradients: boolean,
    firstNewId: number): Gradients<T> {
    if (!(value instanceof Tensor)) throw new Error('tensorweb: the function passed to a gradient function must return a Tensor');
    if (dy && dy.dtype !== 'float32') throw new Error(`dy must have 'float32' dtype, but has '${dy.dtype}'`);
    if (dy && !shapesEqual(dy.shape, value.shape)) {
      throw new Error(`tensorweb: dy has shape [${dy.shape}], the function returned [${value.shape}]`);
    }
    const grads = this.tidy(() => {
      const seed = dy ?? this.runOp('onesLike', [value], {})[0];
      return backprop(tape, value, seed, xs, (name, inputs, attrs = {}) => this.runOp(name, inputs, attrs)[0])
        .map((g) => (g === seed && dy ? this.runOp('clone', [g], {})[0] : g));
    });
    const blockedBy = xs.map((x, k) => (grads[k] ? null : readBackOf(tape, x)));
    const missing = grads.findIndex((g) => g === null);
    if (missing >= 0 && !allowNoGradients) {
      this.dispose([value, grads]);
      const why = blockedBy[missing] ? `it reaches the result only through ${blockedBy[missing]}, through which no ` +
        'gradient flows (as in TensorFlow and PyTorch)' : 'no op leads from it to the result. Make sure the function ' +
        'encloses every op between them.';
      throw new Error(`tensorweb: cannot compute the gradient with respect to input ${missing}: ${why}`);
    }
    // f may return a tensor it did not create (an input): the caller gets a handle of its own.
    return { value: value.id < firstNewId ? this.runOp('clone', [value], {})[0] as T : value, grads, blockedBy };
  }

  private releaseTape(tape: Tape): void {
    for (const node of tape.nodes) {
      for (const held of [...node.inputs, ...node.outputs, ...node.saved]) this.disposeTensor(held);
    }
    tape.nodes.length = 0;
  }
}

function inputName(def: AnyOpDef, index: number): string {
  const last = def.inputs[def.inputs.length - 1];
  if (index >= def.inputs.length - 1 && last?.variadic) return `${last.name}[${index - def.inputs.length + 1}]`;
  return def.inputs[index]?.name ?? `#${index}`;
}

/** The context of a host op run outside a graph: nothing to run subgraphs of. */
const NO_GRAPH: HostContext = {
  runGraph() {
    throw new Error('tensorweb: this host op runs subgraphs, which only a graph model\'s executeAsync provides');
  },
};

function checkInputCount(def: AnyOpDef, count: number): void {
  const variadic = def.inputs.length > 0 && def.inputs[def.inputs.length - 1].variadic;
  const required = def.inputs.filter((i) => !i.optional && !i.variadic).length;
  if (count < required || (!variadic && count > def.inputs.length)) {
    throw new Error(`takes ${variadic ? 'at least ' : ''}${required} input(s) (${def.inputs.map((i) => i.name).join(', ')}), got ${count}`);
  }
}

function decoded(values: BackendValues, dtype: DataType): TypedArray | string[] {
  if (dtype === 'string') return decodeStrings(values as StringValues);
  if (dtype !== 'float16') return (values as TypedArray).slice();
  return Float32Array.from(values as Uint16Array, float16BitsToFloat32);
}

/** Every tensor inside a container, depth first. */
function tensorsIn(container: unknown): Tensor[] {
  const found: Tensor[] = [];
  const walk = (item: unknown): void => {
    if (item instanceof Tensor) found.push(item);
    else if (Array.isArray(item)) item.forEach(walk);
    else if (item !== null && typeof item === 'object' && !ArrayBuffer.isView(item)) Object.values(item).forEach(walk);
  };
  walk(container);
  return found;
}

let engine: Engine | null = null;

export function getEngine(): Engine {
  if (!engine) engine = new Engine();
  return engine;
}
