import { createHash } from 'node:crypto';

/**
 * The project's one deterministic random stream (simulator, bootstrap intervals, test data): the same seed string always yields the same numbers, on every machine
 * and Node version (Math.random cannot be seeded). The generator is sfc32 (Chris Doty-Humphrey's small
 * fast chaotic PRNG, 128-bit state, passes PractRand); the state comes from SHA-256 of the seed, so
 * seeds that differ by one character give unrelated streams.
 */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: string) {
    const digest = createHash('sha256').update(seed).digest();
    this.a = digest.readUInt32LE(0);
    this.b = digest.readUInt32LE(4);
    this.c = digest.readUInt32LE(8);
    this.d = digest.readUInt32LE(12);
    // The first outputs of sfc32 still show the seed's structure: discard them.
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** An integer in [min, maxExclusive). */
  int(min: number, maxExclusive: number): number {
    return min + Math.floor((maxExclusive - min) * this.next());
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** Exponentially distributed with the given mean (waiting times of a Poisson process). */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal with the given median: dwell times are skewed, most short and a few long. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('SeededRandom.pick: no items to pick from');
    return items[this.int(0, items.length)];
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffled<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}

/**
 * The stream as a bare function, for code that only needs uniforms (bootstrap resampling, test data). Reports
 * must be reproducible — the same data and seed give the same bootstrap interval — which Math.random cannot give.
 */
export function seededRandom(seed: number | string): () => number {
  const stream = new SeededRandom(String(seed));
  return () => stream.next();
}

/** A short, stable fingerprint of a value, for ids derived from a simulation's parameters. */
export function fingerprint(value: unknown, hexChars = 16): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, hexChars);
}
