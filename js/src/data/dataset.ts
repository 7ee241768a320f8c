// tw.data: lazy, re-iterable pipelines of elements (tensors, numbers, arrays
// and objects of them), with TF.js's names. Every element a pipeline yields
// belongs to the consumer: stages dispose the tensors they consume and do not
// pass on.
import { type TensorContainer, getEngine } from '../core/engine.js';
import { Tensor } from '../core/tensor.js';
import { tensor } from '../core/convert.js';
import { stack } from '../ops/index.js';
import { randomStream } from './random.js';

export type DataElement = TensorContainer;

type Source<T> = () => AsyncIterator<T>;

function tensorsOf(element: unknown): Tensor[] {
  if (element instanceof Tensor) return [element];
  if (Array.isArray(element)) return element.flatMap(tensorsOf);
  if (element !== null && typeof element === 'object') return Object.values(element).flatMap(tensorsOf);
  return [];
}

/** Disposes the tensors of `consumed` that `kept` does not hold. */
function disposeConsumed(consumed: unknown, kept?: unknown): void {
  const survivors = new Set(kept === undefined ? [] : tensorsOf(kept));
  for (const t of tensorsOf(consumed)) if (!survivors.has(t)) t.dispose();
}

/** A copy of the element whose tensors are new handles (sharing data), so the consumer may dispose them. */
function cloneElement<T>(element: T): T {
  if (element instanceof Tensor) return element.clone() as T;
  if (Array.isArray(element)) return element.map(cloneElement) as T;
  if (element !== null && typeof element === 'object' && Object.getPrototypeOf(element) === Object.prototype) {
    return Object.fromEntries(Object.entries(element).map(([k, v]) => [k, cloneElement(v)])) as T;
  }
  return element;
}

const isNumericLeaf = (value: unknown): boolean =>
  typeof value === 'number' || typeof value === 'boolean' || (Array.isArray(value) && value.length > 0 && value.every(isNumericLeaf));

/** Stacks same-structured elements along a new first axis: tensors, numbers, numeric arrays, and arrays/objects of them. */
export function stackElements(elements: unknown[]): DataElement {
  const first = elements[0];
  if (first instanceof Tensor) return stack(elements as Tensor[]);
  if (isNumericLeaf(first)) return tensor(elements as number[]);
  if (Array.isArray(first)) return first.map((_, i) => stackElements(elements.map((e) => (e as unknown[])[i])));
  if (first !== null && typeof first === 'object') {
    return Object.fromEntries(Object.keys(first).map((k) => [k, stackElements(elements.map((e) => (e as Record<string, unknown>)[k]))]));
  }
  // Strings and other values are gathered into a plain array.
  return elements as DataElement;
}

export class Dataset<T = DataElement> implements AsyncIterable<T> {
  /**
   * @param source starts a fresh pass over the elements
   * @param size number of elements if known (Infinity for endless), else null
   */
  constructor(private readonly source: Source<T>, readonly size: number | null) {}

  /** A fresh pass: `await it.next()` gives {value, done}. */
  async iterator(): Promise<AsyncIterator<T>> {
    return this.source();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.source();
  }

  private derive<U>(size: number | null, stage: (upstream: AsyncIterable<T>) => AsyncGenerator<U>): Dataset<U> {
    return new Dataset<U>(() => stage(this), size);
  }

  /** f runs in a tidy scope; the input's tensors that f's result does not hold are disposed. */
  map<U extends DataElement>(f: (element: T) => U): Dataset<U> {
    return this.derive(this.size, async function* (upstream) {
      for await (const element of upstream) {
        const result = getEngine().tidy(() => f(element) as DataElement) as U;
        disposeConsumed(element, result);
        yield result;
      }
    });
  }

  mapAsync<U extends DataElement>(f: (element: T) => Promise<U>): Dataset<U> {
    return this.derive(this.size, async function* (upstream) {
      for await (const element of upstream) {
        const result = await f(element);
        disposeConsumed(element, result);
        yield result;
      }
    });
  }

  filter(predicate: (element: T) => boolean): Dataset<T> {
    return this.derive(null, async function* (upstream) {
      for await (const element of upstream) {
        if (getEngine().tidy(() => predicate(element))) yield element;
        else disposeConsumed(element);
      }
    });
  }

  /** The first `count` elements (all of them for a negative count). */
  take(count: number): Dataset<T> {
    if (count < 0) return this;
    const size = this.size === null ? null : Math.min(this.size, count);
    return this.derive(size, async function* (upstream) {
      if (count === 0) return;
      let taken = 0;
      for await (const element of upstream) {
        yield element;
        if (++taken >= count) return;
      }
    });
  }

  skip(count: number): Dataset<T> {
    const size = this.size === null ? null : Math.max(0, this.size - Math.max(0, count));
    return this.derive(size, async function* (upstream) {
      let seen = 0;
      for await (const element of upstream) {
        if (seen++ < count) disposeConsumed(element);
        else yield element;
      }
    });
  }

  /** The elements `count` times over (forever without a count); each pass restarts the source. */
  repeat(count?: number): Dataset<T> {
    const times = count === undefined || count < 0 ? Infinity : count;
    const size = this.size === null ? null : times === Infinity ? (this.size === 0 ? 0 : Infinity) : this.size * times;
    const self = this;
    return new Dataset<T>(async function* () {
      for (let pass = 0; pass < times; pass++) {
        let any = false;
        for await (const element of self) {
          any = true;
          yield element;
        }
        if (!any) return; // an empty source would otherwise loop forever
      }
    }, size);
  }

  /** Groups of `batchSize` elements stacked along a new first axis; the last one may be smaller unless smallLastBatch is false. */
  batch(batchSize: number, smallLastBatch = true): Dataset<DataElement> {
    if (!(Number.isInteger(batchSize) && batchSize > 0)) throw new Error(`tensorweb: batch: batchSize must be a positive integer, got ${batchSize}`);
    const size = this.size === null ? null
      : this.size === Infinity ? Infinity
        : smallLastBatch ? Math.ceil(this.size / batchSize) : Math.floor(this.size / batchSize);
    return this.derive(size, async function* (upstream) {
      let group: T[] = [];
      const emit = () => {
        const batched = getEngine().tidy(() => stackElements(group));
        group.forEach((e) => disposeConsumed(e));
        group = [];
        return batched;
      };
      try {
        for await (const element of upstream) {
          group.push(element);
          if (group.length === batchSize) yield emit();
        }
        if (group.length > 0 && smallLastBatch) yield emit();
      } finally {
        // A partial group, or the consumer stopped early.
        group.forEach((e) => disposeConsumed(e));
      }
    });
  }

  /**
   * Shuffles through a buffer of `bufferSize` elements (a buffer as large as
   * the dataset gives a uniform permutation). With a seed the order is
   * reproducible; each pass gets a different order unless
   * reshuffleEachIteration is false.
   */
  shuffle(bufferSize: number, seed?: number | string, reshuffleEachIteration = true): Dataset<T> {
    if (!(Number.isInteger(bufferSize) && bufferSize > 0)) throw new Error(`tensorweb: shuffle: bufferSize must be a positive integer, got ${bufferSize}`);
    const base = randomStream(seed);
    const passSeed = () => Math.floor(base() * 2 ** 32);
    const firstSeed = passSeed();
    const self = this;
    return new Dataset<T>(async function* () {
      const random = randomStream(reshuffleEachIteration ? passSeed() : firstSeed);
      const buffer: T[] = [];
      const takeRandom = () => {
        const i = Math.floor(random() * buffer.length);
        const chosen = buffer[i];
        buffer[i] = buffer[buffer.length - 1];
        buffer.pop();
        return chosen;
      };
      try {
        for await (const element of self) {
          buffer.push(element);
          if (buffer.length >= bufferSize) yield takeRandom();
        }
        while (buffer.length > 0) yield takeRandom();
      } finally {
        // Elements still buffered when the consumer stopped early.
        buffer.forEach((e) => disposeConsumed(e));
      }
    }, this.size);
  }

  /** Reads up to `bufferSize` elements ahead of the consumer. */
  prefetch(bufferSize: number): Dataset<T> {
    if (!(bufferSize > 0)) throw new Error(`tensorweb: prefetch: bufferSize must be positive, got ${bufferSize}`);
    const self = this;
    return new Dataset<T>(async function* () {
      const upstream = self.source();
      const ahead: Promise<IteratorResult<T>>[] = [];
      try {
        for (;;) {
          while (ahead.length < bufferSize) ahead.push(upstream.next());
          const result = await ahead.shift()!;
          if (result.done) return;
          yield result.value;
        }
      } finally {
        // Elements read ahead but never consumed are released.
        for (const pending of ahead) {
          const result = await pending;
          if (!result.done) disposeConsumed(result.value);
        }
        await upstream.return?.();
      }
    }, this.size);
  }

  concatenate(other: Dataset<T>): Dataset<T> {
    const size = this.size === null || other.size === null ? null : this.size + other.size;
    const self = this;
    return new Dataset<T>(async function* () {
      yield* self;
      yield* other;
    }, size);
  }

  async forEachAsync(f: (element: T) => void | Promise<void>): Promise<void> {
    for await (const element of this) await f(element);
  }

  /** Every element in an array (an endless dataset is an error). */
  async toArray(): Promise<T[]> {
    if (this.size === Infinity) throw new Error('tensorweb: toArray: the dataset is endless; take() a part first');
    const out: T[] = [];
    for await (const element of this) out.push(element);
    return out;
  }
}

/** tw.data.array(items): each pass yields the items (tensors as fresh handles the consumer owns). */
export function array<T extends DataElement>(items: T[]): Dataset<T> {
  const snapshot = [...items];
  return new Dataset<T>(async function* () {
    for (const item of snapshot) yield cloneElement(item);
  }, snapshot.length);
}

/** tw.data.generator(make): make() returns a (sync or async) iterator or generator; it is called once per pass. */
export function generator<T extends DataElement>(make: () => Iterator<T> | AsyncIterator<T>): Dataset<T> {
  if (typeof make !== 'function') throw new Error('tensorweb: data.generator: pass a function that returns an iterator');
  return new Dataset<T>(async function* () {
    const it = make();
    for (;;) {
      const result = await it.next();
      if (result.done) return;
      yield result.value;
    }
  }, null);
}

/**
 * tw.data.zip(datasets): an array or object of datasets becomes a dataset of
 * arrays or objects; it ends with the shortest one.
 */
export function zip<T extends DataElement>(datasets: Dataset<T>[] | Record<string, Dataset<T>>): Dataset<DataElement> {
  const entries = Array.isArray(datasets) ? datasets.map((d, i) => [String(i), d] as const) : Object.entries(datasets);
  const sizes = entries.map(([, d]) => d.size);
  const size = sizes.includes(null) ? null : Math.min(...(sizes as number[]));
  return new Dataset<DataElement>(async function* () {
    const iterators = entries.map(([, d]) => d[Symbol.asyncIterator]());
    try {
      for (;;) {
        const results = await Promise.all(iterators.map((it) => it.next()));
        if (results.some((r) => r.done)) {
          results.forEach((r) => !r.done && disposeConsumed(r.value));
          return;
        }
        const values = results.map((r) => r.value as DataElement);
        yield Array.isArray(datasets) ? values : Object.fromEntries(entries.map(([k], i) => [k, values[i]]));
      }
    } finally {
      await Promise.all(iterators.map((it) => it.return?.()));
    }
  }, size);
}
