/**
 * Trainable parameters with stable names (checkpoints save and restore by these names) and seeded initialisation:
 * each weight draws from its own derived seed, so one `--seed` fixes every initial value on every backend.
 */
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from './errors';
import { SeedSequence } from './seed';

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
  weight(name: string, shape: number[], fanIn: number, gain = 1): tf.Variable {
    this.checkName(name); // before drawing: a rejected weight allocates nothing
    const limit = gain * Math.sqrt(6 / fanIn);
    return this.add(name, tf.randomUniform(shape, -limit, limit, 'float32', this.seeds.next()));
  }

  bias(name: string, size: number): tf.Variable {
    this.checkName(name);
    return this.add(name, tf.zeros([size]));
  }

  /** A parameter with a given initial value (e.g. an embedding table). */
  add(name: string, initial: tf.Tensor): tf.Variable {
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
