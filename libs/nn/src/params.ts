/**
 * Trainable parameters with stable names (checkpoints save and restore by these names) and seeded initialisation:
 * each weight draws from its own derived seed, so one `--seed` fixes every initial value on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from './errors';
import { SeedSequence } from './seed';

/** The rank of a shape tuple: [k, k, cin, cout] -> tf.Rank.R4; tf.Rank when only `number[]` is known. */
export type RankOf<S extends readonly number[]> = number extends S['length']
  ? tf.Rank
  : S['length'] extends 1
    ? tf.Rank.R1
    : S['length'] extends 2
      ? tf.Rank.R2
      : S['length'] extends 3
        ? tf.Rank.R3
        : S['length'] extends 4
          ? tf.Rank.R4
          : S['length'] extends 5
            ? tf.Rank.R5
            : tf.Rank;

export type Variable1D = tf.Variable<tf.Rank.R1>;
export type Variable2D = tf.Variable<tf.Rank.R2>;
export type Variable3D = tf.Variable<tf.Rank.R3>;
export type Variable4D = tf.Variable<tf.Rank.R4>;

export class Params {
  readonly byName = new Map<string, tf.Variable>();
  private readonly seeds: SeedSequence;

  constructor(seed: number) {
    this.seeds = new SeedSequence(seed);
  }

  get variables(): tf.Variable[] {
    return [...this.byName.values()];
  }

  /** A weight of `shape` with He-uniform initialisation for `fanIn` inputs (scaled by `gain`). */
  weight<S extends number[]>(name: string, shape: [...S], fanIn: number, gain = 1): tf.Variable<RankOf<S>> {
    this.checkName(name); // before drawing: a rejected weight allocates nothing
    const limit = gain * Math.sqrt(6 / fanIn);
    const initial = tf.randomUniform<tf.Rank>(shape, -limit, limit, 'float32', this.seeds.next()) as tf.Tensor<
      RankOf<S>
    >; // the rank of `shape`
    return this.add(name, initial);
  }

  bias(name: string, size: number): Variable1D {
    this.checkName(name);
    return this.add(name, tf.zeros<tf.Rank.R1>([size]));
  }

  /** A parameter with a given initial value (e.g. an embedding table). */
  add<R extends tf.Rank>(name: string, initial: tf.Tensor<R>): tf.Variable<R> {
    if (this.byName.has(name)) {
      initial.dispose(); // add owns `initial`, also when it rejects it
      this.checkName(name);
    }
    // tfjs names variables globally; leave naming to tfjs and keep our stable names here.
    const v = tf.variable(initial, true);
    initial.dispose();
    this.byName.set(name, v);
    return v;
  }

  private checkName(name: string): void {
    if (this.byName.has(name)) throw new ConfigError(`duplicate parameter name "${name}"`);
  }

  dispose(): void {
    for (const v of this.byName.values()) v.dispose();
    this.byName.clear();
  }
}
