// GPU buffers reused by size class and usage. Sizes round up to the next of
// 2^k, 1.25·2^k, 1.5·2^k, 1.75·2^k (at most 25% waste), and to a multiple of
// 16 bytes (vec4 kernels may read any tensor as vec4s, its last one partial),
// so a freed buffer serves any later request of its class. Buffers freed
// while recorded work may still use them wait in `pending` until that work is
// submitted: queue writes issued after a submit are ordered after it, so
// reuse is then safe.

const MIN_BYTES = 16;

/** The size class `bytes` rounds up to. */
export function sizeClass(bytes: number): number {
  if (bytes <= MIN_BYTES) return MIN_BYTES;
  const power = 2 ** Math.floor(Math.log2(bytes));
  if (power === bytes) return bytes;
  const quarter = power / 4;
  return Math.ceil((power + Math.ceil((bytes - power) / quarter) * quarter) / 16) * 16;
}

/** A buffer class's key: its size and usage flags (10 bits) as one number, cheaper to hash than a string. */
function poolKey(usage: GPUBufferUsageFlags, size: number): number {
  return size * 1024 + usage;
}

export class BufferPool {
  /** Idle buffers by poolKey; a class whose last buffer is taken is removed, so no list is empty. */
  private free = new Map<number, GPUBuffer[]>();
  private pending: GPUBuffer[] = [];
  /** Bytes of idle buffers held for reuse. */
  pooledBytes = 0;
  /** Bytes of every buffer this pool created and has not destroyed. */
  allocatedBytes = 0;

  constructor(public maxPooledBytes: number,
    private create: (descriptor: GPUBufferDescriptor) => GPUBuffer) {}

  acquire(bytes: number, usage: GPUBufferUsageFlags): GPUBuffer {
    const size = sizeClass(bytes);
    const key = poolKey(usage, size);
    const list = this.free.get(key);
    if (list) {
      // An emptied class leaves the map: eviction picks among classes by their first buffer.
      if (list.length === 1) this.free.delete(key);
      this.pooledBytes -= size;
      return list.pop()!;
    }
    const buffer = this.create({ size, usage });
    this.allocatedBytes += size;
    return buffer;
  }

  /** Returns `buffer` for reuse once the work recorded so far is submitted. */
  release(buffer: GPUBuffer): void {
    this.pending.push(buffer);
  }

  /** Call after each submit: buffers released before it become reusable. Over the cap, the largest idle buffers go first. */
  submitted(): void {
    for (const buffer of this.pending) {
      const key = poolKey(buffer.usage, buffer.size);
      let list = this.free.get(key);
      if (!list) this.free.set(key, (list = []));
      list.push(buffer);
      this.pooledBytes += buffer.size;
    }
    this.pending.length = 0;
    this.trim(this.maxPooledBytes);
  }

  /** Destroys idle buffers, the largest first, until at most `bytes` are pooled. */
  trim(bytes: number): void {
    while (this.pooledBytes > bytes) {
      const [key, list] = [...this.free.entries()].reduce((a, b) => (a[1][0].size >= b[1][0].size ? a : b));
      const buffer = list.pop()!;
      if (list.length === 0) this.free.delete(key);
      this.pooledBytes -= buffer.size;
      this.destroy(buffer);
    }
  }

  /** Destroys every idle buffer (after an allocation failure, or on dispose). */
  drain(): void {
    for (const list of this.free.values()) list.forEach((b) => this.destroy(b));
    this.free.clear();
    this.pooledBytes = 0;
  }

  private destroy(buffer: GPUBuffer): void {
    this.allocatedBytes -= buffer.size;
    buffer.destroy();
  }
}
