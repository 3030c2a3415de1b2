/**
 * Seeded pseudo-random numbers. Every random choice in Bot4 (simulated order flow,
 * backoff jitter, Monte Carlo VaR, test generators) comes from one of these, so a run
 * is reproduced by reusing its seed.
 *
 * xoshiro128** (Blackman & Vigna): 128-bit state, period 2^128-1, good equidistribution,
 * only 32-bit integer arithmetic (fast in V8). The state is seeded through splitmix32 so
 * that nearby seeds give unrelated streams.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, bound) for 0 < bound <= 2^32. */
  int(bound: number): number;
  /** Standard normal N(0, 1) (Box–Muller, caches the second variate). */
  normal(): number;
  /** A new, independent generator derived from this one (for per-actor streams). */
  fork(): Random;
  readonly seed: number;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function seededRandom(seed: number): Random {
  if (!Number.isFinite(seed)) throw new RangeError(`seededRandom: seed must be a finite number, got ${seed}`);
  const mix = splitmix32(seed);
  let a = mix(), b = mix(), c = mix(), d = mix();
  if ((a | b | c | d) === 0) a = 1;
  let spareNormal: number | undefined;

  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c ^= a; d ^= b; b ^= c; a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  };

  const rng: Random = {
    seed,
    next: () => nextU32() / 4294967296,
    int(bound: number): number {
      if (!(bound > 0 && bound <= 4294967296)) throw new RangeError(`Random.int: bound must be in (0, 2^32], got ${bound}`);
      return Math.floor((nextU32() / 4294967296) * bound);
    },
    normal(): number {
      if (spareNormal !== undefined) {
        const v = spareNormal;
        spareNormal = undefined;
        return v;
      }
      let u = 0;
      while (u === 0) u = rng.next();
      const v = rng.next();
      const r = Math.sqrt(-2 * Math.log(u));
      spareNormal = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    fork: () => seededRandom(nextU32()),
  };
  return rng;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
