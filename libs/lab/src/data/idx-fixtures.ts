/** Test fixtures: small IDX files in a fresh temporary directory (never the repository). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const tmpDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'pixel-models-data-'));

/** An IDX file: big-endian magic, big-endian uint32 dims, then the bytes. */
export function idxBytes(magic: number, dims: number[], data: ArrayLike<number>): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(Array.from(data))]);
}

/** `count` images of 2x3 pixels (pixel k of image n = 10n + k) and labels n % 10. */
export function writeImageSet(dir: string, count = 3, labelCount = count): { images: string; labels: string } {
  const images = path.join(dir, 'images-idx3-ubyte');
  const labels = path.join(dir, 'labels-idx1-ubyte');
  const pixels = Array.from({ length: count * 6 }, (_, i) => Math.floor(i / 6) * 10 + (i % 6));
  fs.writeFileSync(images, idxBytes(2051, [count, 2, 3], pixels));
  fs.writeFileSync(
    labels,
    idxBytes(
      2049,
      [labelCount],
      Array.from({ length: labelCount }, (_, i) => i % 10),
    ),
  );
  return { images, labels };
}
