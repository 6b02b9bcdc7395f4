import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '@pixel-models/nn';
import { CIFAR10_TEST_FILES, CIFAR10_TRAIN_FILES, concatImageSets, loadCifar10, parseCifar10Batch } from './cifar10';
import { tmpDir } from './idx-fixtures';

/** One record: label, then 1024 R, 1024 G, 1024 B bytes; pixel p of plane c is (base + 3p + c) % 256. */
function record(label: number, base: number): Buffer {
  const bytes = Buffer.alloc(3073);
  bytes[0] = label;
  for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) bytes[1 + c * 1024 + p] = (base + 3 * p + c) % 256;
  return bytes;
}

describe('parseCifar10Batch', () => {
  it('converts planar R, G, B records to NHWC exactly', () => {
    const set = parseCifar10Batch(Buffer.concat([record(3, 0), record(9, 100)]), 'batch.bin');
    expect(set).toMatchObject({ count: 2, height: 32, width: 32, channels: 3 });
    expect(Array.from(set.labels!)).toEqual([3, 9]);
    expect(set.pixels.length).toBe(2 * 3072);
    // NHWC: pixel p of image n, channel c at (n*1024 + p)*3 + c holds plane c's byte p: (base + 3p + c) % 256.
    for (let n = 0; n < 2; n++) {
      for (let p = 0; p < 1024; p++) {
        for (let c = 0; c < 3; c++) {
          if (set.pixels[(n * 1024 + p) * 3 + c] !== (n * 100 + 3 * p + c) % 256)
            throw new Error(`wrong value at image ${n}, pixel ${p}, channel ${c}`);
        }
      }
    }
    expect(Array.from(set.pixels.subarray(0, 6))).toEqual([0, 1, 2, 3, 4, 5]);
    // Row 1, column 0 is pixel 32.
    expect(Array.from(set.pixels.subarray(32 * 3, 32 * 3 + 3))).toEqual([96, 97, 98]);
    expect(Array.from(set.pixels.subarray(3072, 3075))).toEqual([100, 101, 102]);
  });

  it('rejects a size that is not a whole number of records, and empty files', () => {
    expect(() => parseCifar10Batch(record(1, 0).subarray(0, 100), 'b.bin')).toThrow(DataError);
    expect(() => parseCifar10Batch(record(1, 0).subarray(0, 100), 'b.bin')).toThrow(
      'b.bin: 100 bytes is not a whole number of 3073-byte CIFAR-10 records; the file is truncated or not the binary version',
    );
    expect(() => parseCifar10Batch(Buffer.concat([record(1, 0), Buffer.from([1])]), 'b.bin')).toThrow(
      /3074 bytes is not a whole number/,
    );
    expect(() => parseCifar10Batch(new Uint8Array(0), 'e.bin')).toThrow(/e\.bin: 0 bytes/);
  });

  it('rejects a label above 9, naming the record', () => {
    expect(() => parseCifar10Batch(Buffer.concat([record(0, 0), record(10, 0)]), 'b.bin')).toThrow(DataError);
    expect(() => parseCifar10Batch(Buffer.concat([record(0, 0), record(10, 0)]), 'b.bin')).toThrow(
      /^b\.bin: record 1 has label 10 \(expected 0\.\.9\)/,
    );
  });
});

describe('loadCifar10', () => {
  it('reads the five training batches and the test batch, in order', () => {
    const dir = tmpDir();
    CIFAR10_TRAIN_FILES.forEach((f, i) =>
      fs.writeFileSync(path.join(dir, f), Buffer.concat([record(i, i), record(i + 1, 50 + i)])),
    );
    fs.writeFileSync(path.join(dir, CIFAR10_TEST_FILES[0]), record(7, 200));
    const { train, test } = loadCifar10(dir);
    expect(train.count).toBe(10);
    expect(Array.from(train.labels!)).toEqual([0, 1, 1, 2, 2, 3, 3, 4, 4, 5]);
    expect(train.pixels[3 * 3072]).toBe(51); // image 3 = batch 2's second record, base 51
    expect(test).toMatchObject({ count: 1, height: 32, width: 32, channels: 3 });
    expect(Array.from(test.labels!)).toEqual([7]);
  });

  it('a missing batch: DataError naming the file and the directory layout', () => {
    const dir = tmpDir();
    const e = (() => {
      try {
        loadCifar10(dir);
      } catch (err) {
        return err as Error;
      }
      throw new Error('expected an error');
    })();
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toBe(
      `missing ${path.join(dir, 'data_batch_1.bin')}: --cifar-dir must hold the CIFAR-10 binary version (cifar-10-batches-bin: data_batch_1.bin, data_batch_2.bin, data_batch_3.bin, data_batch_4.bin, data_batch_5.bin, test_batch.bin)`,
    );
  });

  it('concatImageSets joins pixels and labels', () => {
    const a = parseCifar10Batch(record(1, 0), 'a');
    const b = parseCifar10Batch(Buffer.concat([record(2, 5), record(3, 6)]), 'b');
    const ab = concatImageSets([a, b]);
    expect(ab.count).toBe(3);
    expect(Array.from(ab.labels!)).toEqual([1, 2, 3]);
    expect([ab.pixels[0], ab.pixels[3072], ab.pixels[6144]]).toEqual([0, 5, 6]);
  });
});
