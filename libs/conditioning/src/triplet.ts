/**
 * Triplet loss (Schroff et al. 2015), as the paper trains its face-embedding network: images of one identity
 * (here: one MNIST digit class) are pulled together, others pushed at least `margin` further away:
 *   L = mean max(0, |f(a) - f(p)|² - |f(a) - f(n)|² + margin).
 */
import * as tf from '@tensorflow/tfjs';
import { Adam, ConfigError, createRng, type LevelSet, gatherImages } from '@pixel-models/nn';
import type { MlpEncoder } from './encoder';

export function tripletLoss(
  anchor: tf.Tensor2D,
  positive: tf.Tensor2D,
  negative: tf.Tensor2D,
  margin: number,
): tf.Scalar {
  return tf.tidy(() => {
    const dPos = tf.sum(tf.square(tf.sub(anchor, positive)), 1);
    const dNeg = tf.sum(tf.square(tf.sub(anchor, negative)), 1);
    return tf.mean(tf.relu(tf.add(tf.sub(dPos, dNeg), margin)));
  });
}

export interface TripletTraining {
  steps: number;
  batchSize: number;
  learningRate: number;
  margin: number;
  seed: number;
  onStep?: (step: number, loss: number) => void;
}

/** Seeded triplets: anchor and positive share a label, the negative has another. */
export function sampleTriplets(set: LevelSet, count: number, rng: { next(): number }): [number[], number[], number[]] {
  if (!set.labels) throw new ConfigError('triplet training needs labelled images');
  const byClass = new Map<number, number[]>();
  set.labels.forEach((l, i) => byClass.set(l, [...(byClass.get(l) ?? []), i]));
  const classes = [...byClass.keys()].filter((c) => (byClass.get(c) as number[]).length >= 2);
  if (classes.length < 2) throw new ConfigError('triplet training needs at least two classes with two images each');
  const pick = <T>(xs: T[]) => xs[Math.floor(rng.next() * xs.length)];
  const a: number[] = [];
  const p: number[] = [];
  const n: number[] = [];
  for (let k = 0; k < count; k++) {
    const c = pick(classes);
    const other = pick(classes.filter((x) => x !== c));
    const members = byClass.get(c) as number[];
    a.push(pick(members));
    p.push(pick(members));
    n.push(pick(byClass.get(other) as number[]));
  }
  return [a, p, n];
}

function gather(set: LevelSet, idx: number[]): tf.Tensor4D {
  return tf.tensor4d(gatherImages(set, idx).levels, [idx.length, set.height, set.width, set.channels], 'int32');
}

/** Trains the encoder with the triplet loss; returns the loss of each step. */
export async function trainTriplet(encoder: MlpEncoder, set: LevelSet, t: TripletTraining): Promise<number[]> {
  const rng = createRng(t.seed, 'triplets');
  const adam = new Adam(encoder.variables, { learningRate: t.learningRate });
  const losses: number[] = [];
  for (let step = 0; step < t.steps; step++) {
    const [a, p, n] = sampleTriplets(set, t.batchSize, rng).map((idx) => gather(set, idx));
    const { value, grads } = tf.tidy(() =>
      tf.variableGrads(
        () => tripletLoss(encoder.encode(a), encoder.encode(p), encoder.encode(n), t.margin),
        encoder.variables,
      ),
    );
    const loss = await adam.update(
      encoder.variables.map((v) => grads[v.name]),
      value,
    );
    tf.dispose([a, p, n, value, ...Object.values(grads)]);
    losses.push(loss);
    t.onStep?.(step + 1, loss);
  }
  adam.dispose();
  return losses;
}
