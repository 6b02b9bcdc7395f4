/**
 * The standard fixed binarization of MNIST (Larochelle & Murray 2011; used by the PixelRNN paper's Table 4):
 * binarized_mnist_{train,valid,test}.amat, one image a line, 784 values 0/1 separated by spaces.
 */
import fs from 'node:fs';
import { DataError } from '@pixel-models/nn';

export interface BinarizedSet {
  /** Levels 0/1, NHWC with C = 1. */
  levels: Int32Array;
  count: number;
  height: number;
  width: number;
}

export function parseAmat(text: string, file: string, side = 28): BinarizedSet {
  // Keep each image's line number in the file (blank lines are skipped but still counted) for the messages.
  const lines = text
    .split('\n')
    .map((l, i) => ({ text: l.trim(), number: i + 1 }))
    .filter((l) => l.text.length > 0);
  const size = side * side;
  const levels = new Int32Array(lines.length * size);
  const fix = 'each line must hold one binarized image; download binarized_mnist_{train,valid,test}.amat again';
  lines.forEach((line, n) => {
    const values = line.text.split(/\s+/);
    if (values.length !== size) {
      throw new DataError(
        `${file}: line ${line.number} has ${values.length} values, expected ${size} (${side}x${side} binary pixels): ${fix}`,
      );
    }
    values.forEach((v, i) => {
      if (v !== '0' && v !== '1')
        throw new DataError(`${file}: line ${line.number}, value ${i + 1} is "${v}", expected 0 or 1: ${fix}`);
      levels[n * size + i] = v === '1' ? 1 : 0;
    });
  });
  if (lines.length === 0) throw new DataError(`${file}: no images: ${fix}`);
  return { levels, count: lines.length, height: side, width: side };
}

export function readAmat(path: string): BinarizedSet {
  if (!fs.existsSync(path)) {
    throw new DataError(`missing ${path}: pass the directory holding binarized_mnist_{train,valid,test}.amat`);
  }
  return parseAmat(fs.readFileSync(path, 'utf8'), path);
}
