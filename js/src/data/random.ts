// A seeded stream of uniform numbers in [0, 1) for shuffling, on the same
// Philox generator as the random ops (so a seed means one thing everywhere).
import { seedKey, seedValue, uniformAt } from '../core/random.js';

export type RandomStream = () => number;

/** Uniforms from (seed, 0), (seed, 1), ...; no seed picks a fresh one. */
export function randomStream(seed?: number | string): RandomStream {
  const key = seedKey(seedValue(seed));
  let index = 0;
  return () => uniformAt(key, index++);
}

/** Fisher-Yates shuffle of `items` in place, drawing from `random`. */
export function shuffleInPlace<T>(items: T[], random: RandomStream): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
