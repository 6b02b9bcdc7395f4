/**
 * Seeding. One `--seed` drives every source of randomness: weight initialisation (tfjs seeded initializers, one
 * derived seed per weight), shuffling, binarization and sampling (seedrandom's alea, whose state can be saved in a
 * checkpoint and restored), and Math.random for anything unseeded inside tfjs.
 */
import seedrandom from 'seedrandom';
import { ConfigError } from './errors';

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Serializable state, restored with `createRng(seed, state)`. */
  state(): object;
}

export function checkSeed(seed: number): number {
  if (!Number.isInteger(seed) || seed < 1 || seed > 2 ** 31 - 1) {
    throw new ConfigError(
      `seed must be an integer from 1 to ${2 ** 31 - 1} (tfjs treats 0 as "unseeded"), got ${seed}`,
    );
  }
  return seed;
}

/** A seeded generator for one purpose; `purpose` keeps streams for shuffling, sampling, ... independent. */
export function createRng(seed: number, purpose = '', state?: object): Rng {
  const prng = state
    ? seedrandom.alea('', { state: state as seedrandom.State.Alea })
    : seedrandom.alea(`${checkSeed(seed)}:${purpose}`, { state: true });
  return { next: () => prng(), state: () => prng.state() };
}

/** Fixes Math.random (used by unseeded tfjs paths) to the seed. */
export function seedGlobalRandom(seed: number): void {
  seedrandom(`${checkSeed(seed)}:global`, { global: true });
}

/** Seeds for weight initialisers: each weight gets its own (tfjs returns the same tensor for the same seed). */
export class SeedSequence {
  private index = 0;
  constructor(private readonly seed: number) {
    checkSeed(seed);
  }
  next(): number {
    this.index += 1;
    // Fold (seed, index) into 1 .. 2^31-2 deterministically; never 0, which tfjs reads as "unseeded".
    return ((this.seed * 1_000_003 + this.index * 7_919) % 2_147_483_646) + 1;
  }
}

/** Fisher-Yates shuffle of 0..n-1 with a seeded generator. */
export function shuffledIndices(n: number, rng: Rng): Int32Array {
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx;
}

export function assertPositiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(`${name} must be a positive integer, got ${value}`);
  return value;
}
