/** PNG encoding (8-bit grayscale or RGB, no dependency beyond node:zlib) and image grids for sample sheets. */
import zlib from 'node:zlib';
import { ConfigError } from '@pixel-models/nn';

export interface RasterImage {
  /** 8-bit values, row-major, `channels` per pixel. */
  pixels: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

// The PNG chunk CRC (ISO 3309), table-driven: zlib.crc32 only exists from Node 20.15 on.
const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of data) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

export function encodePng({ pixels, width, height, channels }: RasterImage): Buffer {
  if (
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    width < 1 ||
    height < 1 ||
    pixels.length !== width * height * channels
  ) {
    throw new ConfigError(`encodePng: ${pixels.length} values for a ${width}x${height}x${channels} image`);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = channels === 1 ? 0 : 2; // colour type: grayscale or RGB
  const stride = width * channels;
  const raw = Buffer.alloc((stride + 1) * height); // each row: filter byte 0, then the row
  for (let y = 0; y < height; y++) raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export interface GridOptions {
  count: number;
  height: number;
  width: number;
  channels: 1 | 3;
  columns?: number;
  /** Pixels between tiles (drawn in mid grey). */
  padding?: number;
  /** Integer nearest-neighbour upscale of the whole grid. */
  scale?: number;
}

/** Tiles `count` NHWC images into one raster, row by row. */
export function imageGrid(images: Uint8Array, o: GridOptions): RasterImage {
  const { count, height: h, width: w, channels: c } = o;
  const columns = Math.max(1, Math.min(o.columns ?? Math.ceil(Math.sqrt(count)), count));
  const rows = Math.ceil(count / columns);
  const pad = o.padding ?? 1;
  const scale = o.scale ?? 1;
  if (!Number.isInteger(scale) || scale < 1 || !Number.isInteger(pad) || pad < 0 || count < 1) {
    throw new ConfigError(
      `imageGrid: needs count >= 1, an integer scale >= 1 and padding >= 0 (got ${count}, ${scale}, ${pad})`,
    );
  }
  if (images.length < count * h * w * c)
    throw new ConfigError(`imageGrid: ${images.length} values for ${count} images of ${h}x${w}x${c}`);
  const gw = columns * (w + pad) + pad;
  const gh = rows * (h + pad) + pad;
  const grid = new Uint8Array(gw * gh * c).fill(128);
  for (let n = 0; n < count; n++) {
    const top = pad + Math.floor(n / columns) * (h + pad);
    const left = pad + (n % columns) * (w + pad);
    for (let y = 0; y < h; y++) {
      const src = (n * h + y) * w * c;
      grid.set(images.subarray(src, src + w * c), ((top + y) * gw + left) * c);
    }
  }
  if (scale === 1) return { pixels: grid, width: gw, height: gh, channels: c };
  const out = new Uint8Array(gw * scale * gh * scale * c);
  for (let y = 0; y < gh * scale; y++) {
    for (let x = 0; x < gw * scale; x++) {
      const s = (Math.floor(y / scale) * gw + Math.floor(x / scale)) * c;
      out.set(grid.subarray(s, s + c), (y * gw * scale + x) * c);
    }
  }
  return { pixels: out, width: gw * scale, height: gh * scale, channels: c };
}
