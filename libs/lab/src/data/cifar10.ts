/**
 * CIFAR-10 binary version (cifar-10-batches-bin): data_batch_1..5.bin and test_batch.bin, each record one label
 * byte then 3072 bytes (1024 R, 1024 G, 1024 B, rows of 32). Converted to NHWC.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DataError, type ImageSet } from '@pixel-models/nn';

const SIDE = 32;
const RECORD = 1 + 3 * SIDE * SIDE;
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR10_TEST_FILES = ['test_batch.bin'];

export function parseCifar10Batch(bytes: Uint8Array, file: string): ImageSet {
  if (bytes.length === 0 || bytes.length % RECORD !== 0) {
    throw new DataError(
      `${file}: ${bytes.length} bytes is not a whole number of ${RECORD}-byte CIFAR-10 records; the file is truncated or not the binary version`,
    );
  }
  const count = bytes.length / RECORD;
  const pixels = new Uint8Array(count * SIDE * SIDE * 3);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const rec = n * RECORD;
    labels[n] = bytes[rec];
    if (labels[n] > 9) {
      throw new DataError(
        `${file}: record ${n} has label ${labels[n]} (expected 0..9): the file is not a CIFAR-10 binary batch (cifar-10-batches-bin)`,
      );
    }
    for (let p = 0; p < SIDE * SIDE; p++) {
      for (let c = 0; c < 3; c++) pixels[(n * SIDE * SIDE + p) * 3 + c] = bytes[rec + 1 + c * SIDE * SIDE + p];
    }
  }
  return { pixels, labels, count, height: SIDE, width: SIDE, channels: 3 };
}

export function concatImageSets(sets: ImageSet[]): ImageSet {
  const count = sets.reduce((n, s) => n + s.count, 0);
  const pixels = new Uint8Array(sets.reduce((n, s) => n + s.pixels.length, 0));
  const labels = new Uint8Array(count);
  let p = 0;
  let l = 0;
  for (const s of sets) {
    pixels.set(s.pixels, p);
    p += s.pixels.length;
    if (s.labels) labels.set(s.labels, l);
    l += s.count;
  }
  return { ...sets[0], pixels, labels, count };
}

export function loadCifar10(dir: string): { train: ImageSet; test: ImageSet } {
  const read = (files: string[]) =>
    concatImageSets(
      files.map((f) => {
        const file = path.join(dir, f);
        if (!fs.existsSync(file)) {
          throw new DataError(
            `missing ${file}: --cifar-dir must hold the CIFAR-10 binary version (cifar-10-batches-bin: ${[...CIFAR10_TRAIN_FILES, ...CIFAR10_TEST_FILES].join(', ')})`,
          );
        }
        return parseCifar10Batch(fs.readFileSync(file), file);
      }),
    );
  return { train: read(CIFAR10_TRAIN_FILES), test: read(CIFAR10_TEST_FILES) };
}
