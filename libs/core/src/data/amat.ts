/**
 * The standard fixed binarization of MNIST (Larochelle & Murray 2011; used by the PixelRNN paper's Table 4):
 * binarized_mnist_{train,valid,test}.amat, one image a line, 784 values 0/1 separated by spaces.
 */
import fs from 'node:fs';
import { DataError } from '../errors';

export interface BinarizedSet {
  /** Levels 0/1, NHWC with C = 1. */
  levels: Int32Array;
  count: number;
  height: number;
  width: number;
}

export function parseAmat(text: string, file: string, side = 28): BinarizedSet {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const size = side * side;
  const levels = new Int32Array(lines.length * size);
  lines.forEach((line, n) => {
    const values = line.split(/\s+/);
    if (values.length !== size) {
      throw new DataError(`${file}: line ${n + 1} has ${values.length} values, expected ${size} (${side}x${side} binary pixels)`);
    }
    values.forEach((v, i) => {
      if (v !== '0' && v !== '1') throw new DataError(`${file}: line ${n + 1}, value ${i + 1} is "${v}", expected 0 or 1`);
      levels[n * size + i] = v === '1' ? 1 : 0;
    });
  });
  if (lines.length === 0) throw new DataError(`${file}: no images`);
  return { levels, count: lines.length, height: side, width: side };
}

export function readAmat(path: string): BinarizedSet {
  if (!fs.existsSync(path)) {
    throw new DataError(`missing ${path}: pass the directory holding binarized_mnist_{train,valid,test}.amat`);
  }
  return parseAmat(fs.readFileSync(path, 'utf8'), path);
}
