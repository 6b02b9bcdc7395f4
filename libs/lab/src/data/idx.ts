/**
 * IDX files (the MNIST format): big-endian magic 0x0000 <type> <ndims>, then ndims uint32 sizes, then data.
 * Only unsigned-byte data (type 0x08) is used by image sets. Gzipped files (`.gz`) are read too.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { DataError } from '@pixel-models/nn';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

export const IDX_IMAGES_MAGIC = 2051; // 0x00000803: ubyte, 3 dims
export const IDX_LABELS_MAGIC = 2049; // 0x00000801: ubyte, 1 dim

/** Reads `path`, or `path.gz` when only the gzipped file exists. */
export function readMaybeGzipped(path: string, fix: string): Buffer {
  if (fs.existsSync(path)) return path.endsWith('.gz') ? gunzip(path) : fs.readFileSync(path);
  if (fs.existsSync(`${path}.gz`)) return gunzip(`${path}.gz`);
  throw new DataError(`missing file ${path} (or ${path}.gz): ${fix}`);
}

/** A corrupt or cut-off .gz is a DataError that names the file, not a bare zlib error. */
function gunzip(file: string): Buffer {
  try {
    return zlib.gunzipSync(fs.readFileSync(file));
  } catch (e) {
    throw new DataError(
      `${file}: cannot gunzip (${(e as Error).message}): the file is corrupt or truncated; download it again`,
    );
  }
}

export function parseIdx(bytes: Uint8Array, expectedMagic: number, file: string): IdxArray {
  if (bytes.length < 4)
    throw new DataError(
      `${file}: ${bytes.length} bytes is too short for an IDX header: the file is truncated; download it again`,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (magic !== expectedMagic) {
    throw new DataError(
      `${file}: wrong magic number ${magic} (expected ${expectedMagic}); is this an IDX ${expectedMagic === IDX_IMAGES_MAGIC ? 'image' : 'label'} file, and not still gzipped or swapped with its twin?`,
    );
  }
  const ndims = magic & 0xff;
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new DataError(
      `${file}: truncated header (${bytes.length} bytes, needs ${headerBytes}): the file is truncated; download it again`,
    );
  }
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i));
  const expected = headerBytes + dims.reduce((a, b) => a * b, 1);
  if (bytes.length !== expected) {
    throw new DataError(
      `${file}: ${bytes.length} bytes, but its header (dims ${dims.join('x')}) needs ${expected}: the file is ${bytes.length < expected ? 'truncated' : 'longer than its header says'}; download it again`,
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

export function readIdx(path: string, expectedMagic: number, fix: string): IdxArray {
  return parseIdx(readMaybeGzipped(path, fix), expectedMagic, path);
}
