// Engine-level functions of the public API, with TF.js's names and signatures.
import { type MemoryInfo, type TensorContainer, getEngine } from './engine.js';
import type { Tensor } from './tensor.js';

/** tw.tidy(fn) or tw.tidy(name, fn): disposes the tensors fn created, except those it returns or keeps. */
export function tidy<T extends TensorContainer>(nameOrFn: string | (() => T), fn?: () => T): T {
  const body = typeof nameOrFn === 'function' ? nameOrFn : fn;
  if (typeof body !== 'function') throw new Error('tensorweb: tidy: pass a function (optionally after a name)');
  return getEngine().tidy(body);
}

/** tw.keep(t): no enclosing tidy will dispose t. */
export function keep<T extends Tensor>(result: T): T {
  return getEngine().keep(result);
}

/** tw.dispose(container): disposes a tensor, or every tensor in an array or object. */
export function dispose(container: TensorContainer): void {
  getEngine().dispose(container);
}

/** tw.disposeVariables(): disposes every registered variable. */
export function disposeVariables(): void {
  const engine = getEngine();
  for (const variable of [...engine.registeredVariables().values()]) engine.disposeTensor(variable);
}

/** tw.nextFrame(): resolves on the next animation frame (a macrotask outside browsers), to keep pages responsive in loops. */
export function nextFrame(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => resolve());
    else setTimeout(resolve, 0);
  });
}

/** tw.print(x, verbose): logs the tensor's values (and with `verbose`, its dtype, rank and shape). */
export function print(x: Tensor, verbose = false): void {
  x.print(verbose);
}

/** tw.memory(): live tensors, data buffers and bytes, overall and per backend. */
export function memory(): MemoryInfo {
  return getEngine().memory();
}

export function setBackend(name: string): Promise<boolean> {
  return getEngine().setBackend(name);
}

export function getBackend(): string {
  return getEngine().getBackendName();
}

export function ready(): Promise<void> {
  return getEngine().ready();
}

/** tw.backend(): the active backend object (TF.js's `tf.backend()`), e.g. `tw.backend().floatPrecision()`. */
export function backend() {
  return getEngine().backend;
}

/** The engine itself, for backends and tools (registerBackend, findBackend, backendOf). */
export function engine() {
  return getEngine();
}
