import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@pixel-models/nn';
import { crc32, encodePng, imageGrid } from './png';

/** A by-hand PNG reader: the chunks, each CRC checked against zlib's, and the unfiltered rows. */
function decode(png: Buffer) {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks: { type: string; data: Buffer }[] = [];
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at);
    const typeAndData = png.subarray(at + 4, at + 8 + length);
    expect(png.readUInt32BE(at + 8 + length)).toBe(zlib.crc32(typeAndData) >>> 0);
    chunks.push({ type: typeAndData.subarray(0, 4).toString('ascii'), data: typeAndData.subarray(4) });
    at += 12 + length;
  }
  expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
  const ihdr = chunks[0].data;
  const width = ihdr.readUInt32BE(0);
  const height = ihdr.readUInt32BE(4);
  const channels = ihdr[9] === 0 ? 1 : 3;
  expect([ihdr[8], ihdr[10], ihdr[11], ihdr[12]]).toEqual([8, 0, 0, 0]); // depth 8, deflate, filter 0, no interlace
  const raw = zlib.inflateSync(chunks[1].data);
  const stride = width * channels;
  const pixels = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    expect(raw[y * (stride + 1)]).toBe(0); // filter type None
    pixels.set(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)), y * stride);
  }
  return { width, height, colorType: ihdr[9], pixels };
}

describe('crc32', () => {
  it('matches the standard check value and zlib', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    const data = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 37) & 255));
    expect(crc32(data)).toBe(zlib.crc32(data) >>> 0);
  });
});

describe('encodePng', () => {
  it('round-trips 8-bit grayscale', () => {
    const pixels = Uint8Array.from({ length: 5 * 3 }, (_, i) => i * 17);
    const png = decode(encodePng({ pixels, width: 5, height: 3, channels: 1 }));
    expect(png).toMatchObject({ width: 5, height: 3, colorType: 0 });
    expect([...png.pixels]).toEqual([...pixels]);
  });

  it('round-trips RGB', () => {
    const pixels = Uint8Array.from({ length: 4 * 2 * 3 }, (_, i) => 255 - i * 10);
    const png = decode(encodePng({ pixels, width: 4, height: 2, channels: 3 }));
    expect(png).toMatchObject({ width: 4, height: 2, colorType: 2 });
    expect([...png.pixels]).toEqual([...pixels]);
  });

  it('rejects a pixel count that does not match the size', () => {
    expect(() => encodePng({ pixels: new Uint8Array(5), width: 2, height: 2, channels: 1 })).toThrow(ConfigError);
  });
});

describe('imageGrid', () => {
  // Three 2x2 grayscale images filled with 10, 20, 30.
  const images = Uint8Array.from({ length: 12 }, (_, i) => 10 * (Math.floor(i / 4) + 1));

  it('tiles images row by row with grey separators', () => {
    const g = imageGrid(images, { count: 3, height: 2, width: 2, channels: 1, columns: 2, padding: 1 });
    expect([g.width, g.height, g.channels]).toEqual([7, 7, 1]);
    const at = (x: number, y: number) => g.pixels[y * g.width + x];
    expect([at(1, 1), at(2, 2), at(4, 1), at(5, 2), at(1, 4), at(2, 5)]).toEqual([10, 10, 20, 20, 30, 30]);
    expect([at(0, 0), at(3, 1), at(1, 3), at(4, 4)]).toEqual([128, 128, 128, 128]); // borders and the empty cell
  });

  it('upscales by an integer factor, nearest neighbour', () => {
    const one = imageGrid(images, { count: 3, height: 2, width: 2, channels: 1, padding: 0, columns: 3 });
    const big = imageGrid(images, { count: 3, height: 2, width: 2, channels: 1, padding: 0, columns: 3, scale: 3 });
    expect([big.width, big.height]).toEqual([one.width * 3, one.height * 3]);
    for (let y = 0; y < big.height; y++) {
      for (let x = 0; x < big.width; x++)
        expect(big.pixels[y * big.width + x]).toBe(one.pixels[Math.floor(y / 3) * one.width + Math.floor(x / 3)]);
    }
  });

  it('keeps RGB channels together', () => {
    const rgb = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]); // one 2x2 RGB image
    const g = imageGrid(rgb, { count: 1, height: 2, width: 2, channels: 3, padding: 1 });
    expect([...g.pixels.subarray((1 * g.width + 1) * 3, (1 * g.width + 3) * 3)]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(decode(encodePng(g)).colorType).toBe(2);
  });

  it('rejects too few values and a fractional scale', () => {
    expect(() => imageGrid(images, { count: 4, height: 2, width: 2, channels: 1 })).toThrow(ConfigError);
    expect(() => imageGrid(images, { count: 3, height: 2, width: 2, channels: 1, scale: 1.5 })).toThrow(ConfigError);
  });
});
