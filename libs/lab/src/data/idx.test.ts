import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DataError } from '@pixel-models/nn';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdx, readIdx, readMaybeGzipped } from './idx';
import { readIdxImageSet } from './mnist';
import { idxBytes, tmpDir, writeImageSet } from './idx-fixtures';

/** The DataError thrown by `f` (fails the test if it throws anything else, or nothing). */
function dataError(f: () => unknown): DataError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected a DataError');
}

describe('parseIdx', () => {
  it('reads big-endian magic and dims; data follows the header', () => {
    const a = parseIdx(idxBytes(2051, [2, 1, 3], [1, 2, 3, 4, 5, 6]), IDX_IMAGES_MAGIC, 'x');
    expect(a.dims).toEqual([2, 1, 3]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
    // Dims above 255 need all four big-endian bytes.
    const big = parseIdx(idxBytes(2049, [300], new Array(300).fill(7)), IDX_LABELS_MAGIC, 'y');
    expect(big.dims).toEqual([300]);
    expect(big.data.length).toBe(300);
  });

  it('works on a view into a larger buffer (byteOffset)', () => {
    const inner = idxBytes(2049, [2], [4, 5]);
    const outer = new Uint8Array(inner.length + 5);
    outer.set(inner, 5);
    expect(Array.from(parseIdx(outer.subarray(5), IDX_LABELS_MAGIC, 'z').data)).toEqual([4, 5]);
  });

  it('short files are DataErrors that name the file and say to download again', () => {
    expect(dataError(() => parseIdx(new Uint8Array(3), IDX_LABELS_MAGIC, 'f.idx')).message).toMatch(
      /^f\.idx: 3 bytes is too short .*download it again/,
    );
    const header = idxBytes(2051, [1, 2, 3], []).subarray(0, 10);
    expect(dataError(() => parseIdx(header, IDX_IMAGES_MAGIC, 'g.idx')).message).toMatch(
      /^g\.idx: truncated header \(10 bytes, needs 16\).*download it again/,
    );
  });
});

describe('readIdxImageSet', () => {
  it('reads images and labels exactly', () => {
    const { images, labels } = writeImageSet(tmpDir());
    const set = readIdxImageSet(images, labels);
    expect(set).toMatchObject({ count: 3, height: 2, width: 3, channels: 1 });
    expect(Array.from(set.pixels)).toEqual([0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23, 24, 25]);
    expect(Array.from(set.labels ?? [])).toEqual([0, 1, 2]);
  });

  it('reads gzipped files: the .gz next to a missing plain file, or a .gz path given directly', () => {
    const dir = tmpDir();
    const { images, labels } = writeImageSet(dir);
    const want = Array.from(readIdxImageSet(images, labels).pixels);
    fs.writeFileSync(`${images}.gz`, zlib.gzipSync(fs.readFileSync(images)));
    fs.writeFileSync(`${labels}.gz`, zlib.gzipSync(fs.readFileSync(labels)));
    fs.rmSync(images);
    expect(Array.from(readIdxImageSet(images, labels).pixels)).toEqual(want);
    expect(Array.from(readIdxImageSet(`${images}.gz`, `${labels}.gz`).labels ?? [])).toEqual([0, 1, 2]);
  });

  it('missing file: names the file and the fix', () => {
    const dir = tmpDir();
    const { labels } = writeImageSet(dir);
    const missing = path.join(dir, 'nope');
    const e = dataError(() => readIdxImageSet(missing, labels));
    expect(e.message).toBe(
      `missing file ${missing} (or ${missing}.gz): pass --data-dir with the four MNIST IDX files (train-images-idx3-ubyte, ...), gzipped or not`,
    );
  });

  it('wrong magic: a labels file passed as images (and the other way round)', () => {
    const { images, labels } = writeImageSet(tmpDir());
    expect(dataError(() => readIdxImageSet(labels, images)).message).toMatch(
      new RegExp(
        `^${labels}: wrong magic number 2049 \\(expected 2051\\); is this an IDX image file, and not still gzipped or swapped with its twin\\?`,
      ),
    );
    expect(dataError(() => readIdx(images, IDX_LABELS_MAGIC, 'fix')).message).toMatch(
      /wrong magic number 2051 \(expected 2049\); is this an IDX label file/,
    );
  });

  it('a still-gzipped file without the .gz name: wrong magic', () => {
    const dir = tmpDir();
    const { images, labels } = writeImageSet(dir);
    fs.writeFileSync(images, zlib.gzipSync(fs.readFileSync(images)));
    expect(dataError(() => readIdxImageSet(images, labels)).message).toMatch(/wrong magic number .*not still gzipped/);
  });

  it('a corrupt .gz: DataError naming the file', () => {
    const dir = tmpDir();
    const { images, labels } = writeImageSet(dir);
    const gz = zlib.gzipSync(fs.readFileSync(images));
    fs.writeFileSync(`${images}.gz`, gz.subarray(0, gz.length - 6));
    expect(dataError(() => readIdxImageSet(`${images}.gz`, labels)).message).toMatch(
      new RegExp(`^${images}\\.gz: cannot gunzip .*download it again$`),
    );
  });

  it('truncated file', () => {
    const { images, labels } = writeImageSet(tmpDir());
    fs.writeFileSync(images, fs.readFileSync(images).subarray(0, 16 + 18 - 4));
    expect(dataError(() => readIdxImageSet(images, labels)).message).toBe(
      `${images}: 30 bytes, but its header (dims 3x2x3) needs 34: the file is truncated; download it again`,
    );
  });

  it('longer than its header says', () => {
    const { images, labels } = writeImageSet(tmpDir());
    fs.appendFileSync(labels, Buffer.from([1, 2]));
    expect(dataError(() => readIdxImageSet(images, labels)).message).toBe(
      `${labels}: 13 bytes, but its header (dims 3) needs 11: the file is longer than its header says; download it again`,
    );
  });

  it('label count != image count', () => {
    const { images, labels } = writeImageSet(tmpDir(), 3, 2);
    expect(dataError(() => readIdxImageSet(images, labels)).message).toBe(
      `${labels} has 2 labels but ${images} has 3 images: use matching files`,
    );
  });

  it('readMaybeGzipped prefers the plain file', () => {
    const dir = tmpDir();
    const f = path.join(dir, 'a');
    fs.writeFileSync(f, 'plain');
    fs.writeFileSync(`${f}.gz`, zlib.gzipSync('zipped'));
    expect(readMaybeGzipped(f, 'fix').toString()).toBe('plain');
    expect(readMaybeGzipped(`${f}.gz`, 'fix').toString()).toBe('zipped');
  });
});
