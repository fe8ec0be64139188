/**
 * A small seeded PRNG (mulberry32): the demo must be byte-for-byte the same for a given seed, so
 * nothing here may touch Math.random or the clock.
 */
export interface Prng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** true with probability p. */
  chance(p: number): boolean;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** `count` distinct integers from [0, n), in ascending order. */
  sample(n: number, count: number): number[];
}

/** Creates the demo's PRNG from an integer seed. */
export function createPrng(seed: number): Prng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    chance: (p) => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    sample(n, count) {
      if (count > n) throw new Error(`cannot sample ${count} of ${n}`);
      const chosen = new Set<number>();
      while (chosen.size < count) chosen.add(int(0, n - 1));
      return [...chosen].sort((x, y) => x - y);
    },
  };
}
