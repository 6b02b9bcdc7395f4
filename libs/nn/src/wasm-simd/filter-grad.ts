/**
 * A convolution's filter gradient as a WebAssembly SIMD loop over the tfjs wasm heap:
 * dL/dw[i, j, ci, co] = sum over (b, y, x) of x_padded[b, y + i, x + j, ci] * dy[b, y, x, co].
 * XNNPACK has no kernel for this shape of product (a [taps C_in, C_out] result summed over all B H W positions), so
 * tfjs runs it as a convolution with batch and channels transposed, or as one product per tap behind a transpose
 * of each operand; both copy whole maps and run at a third of wasm SIMD's multiply-add rate. Here each tap is one
 * pass over the positions it sees (the padding is a smaller rectangle, never a padded copy), accumulating a tile
 * of 2 input channels x 16 output channels in eight 4-lane registers (C_out a multiple of 4).
 */
import { FunctionBuilder, heapFunction, I32, V128 } from './encoder';

/** Output channels per tile (four 4-lane registers). */
const CO_TILE = 16;

/** Whether the kernel takes `cout` output channels: whole vectors of 4. */
export const filterGradTakes = (cout: number): boolean => cout % 4 === 0;

/**
 * tap(x, dy, out, images, rows, cols, cin, cout, xImage, xRow, dyImage, dyRow): adds the products of a
 * rows x cols rectangle of positions in each of `images` images into out [cin, cout]; x and dy are byte addresses
 * of the rectangle's first position, the strides are in bytes.
 */
function tapFunction(): FunctionBuilder {
  const f = new FunctionBuilder(12);
  const [x, dy, out, images, rows, cols, cin, cout, xImage, xRow, dyImage, dyRow] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
  ];
  const [n, r, ci, co, c, xr, dr, xc, dc, o0, o1, xCol, dyCol, cinEven, coWhole, coTail] = Array.from(
    { length: 16 },
    () => f.local(I32),
  );
  const acc = Array.from({ length: 8 }, () => f.local(V128));
  const d = Array.from({ length: 4 }, () => f.local(V128));
  const s = Array.from({ length: 2 }, () => f.local(V128));

  // A tile of `k` input channels (ci .. ci + k - 1) x `vectors` x 4 output channels (co ..).
  const tile = (k: number, vectors: number) => {
    // o0 = out + (ci * cout + co) * 4, o1 = o0 + cout * 4
    (f.get(ci), f.get(cout), f.mul(), f.get(co), f.add(), f.i32(4), f.mul(), f.get(out), f.add(), f.set(o0));
    (f.get(o0), f.get(dyCol), f.add(), f.set(o1));
    for (let t = 0; t < k; t++)
      for (let v = 0; v < vectors; v++) (f.get(t === 0 ? o0 : o1), f.v128Load(16 * v), f.set(acc[4 * t + v]));
    (f.get(ci), f.i32(4), f.mul(), f.get(xr), f.add(), f.set(xc));
    (f.get(co), f.i32(4), f.mul(), f.get(dr), f.add(), f.set(dc));
    f.forLoop(c, cols, 1, () => {
      for (let t = 0; t < k; t++) (f.get(xc), f.loadSplat(4 * t), f.set(s[t]));
      for (let v = 0; v < vectors; v++) (f.get(dc), f.v128Load(16 * v), f.set(d[v]));
      for (let t = 0; t < k; t++)
        for (let v = 0; v < vectors; v++)
          (f.get(acc[4 * t + v]), f.get(s[t]), f.get(d[v]), f.f32x4Mul(), f.f32x4Add(), f.set(acc[4 * t + v]));
      f.increment(xc, () => f.get(xCol));
      f.increment(dc, () => f.get(dyCol));
    });
    for (let t = 0; t < k; t++)
      for (let v = 0; v < vectors; v++) (f.get(t === 0 ? o0 : o1), f.get(acc[4 * t + v]), f.v128Store(16 * v));
  };
  // Every output channel for input channels ci .. ci + k - 1: whole tiles of 16, then one of 4, 8 or 12.
  const tileRow = (k: number) => {
    f.forLoop(co, coWhole, CO_TILE, () => tile(k, 4));
    for (let v = 1; v < 4; v++)
      f.when(
        () => (f.get(coTail), f.i32(4 * v), f.equal()),
        () => (f.get(coWhole), f.set(co), tile(k, v)),
      );
  };

  (f.get(cin), f.i32(4), f.mul(), f.set(xCol));
  (f.get(cout), f.i32(4), f.mul(), f.set(dyCol));
  (f.get(cin), f.i32(-2), f.and(), f.set(cinEven));
  (f.get(cout), f.i32(-CO_TILE), f.and(), f.set(coWhole));
  (f.get(cout), f.get(coWhole), f.sub(), f.set(coTail));
  f.forLoop(n, images, 1, () => {
    (f.get(n), f.get(xImage), f.mul(), f.get(x), f.add(), f.set(xr));
    (f.get(n), f.get(dyImage), f.mul(), f.get(dy), f.add(), f.set(dr));
    f.forLoop(r, rows, 1, () => {
      f.forLoop(ci, cinEven, 2, () => tileRow(2));
      f.when(
        () => (f.get(cinEven), f.get(cin), f.lessThan()),
        () => {
          (f.get(cinEven), f.set(ci));
          tileRow(1);
        },
      );
      f.increment(xr, () => f.get(xRow));
      f.increment(dr, () => f.get(dyRow));
    });
  });
  return f;
}

type TapFn = (...args: number[]) => void;

/** The kernel's entry point bound to one heap. */
export const filterGradTap = heapFunction(tapFunction);

export interface FilterGradShape {
  /** x: [b, h, w, cin], dy: [b, oh, ow, cout]. */
  b: number;
  h: number;
  w: number;
  cin: number;
  oh: number;
  ow: number;
  cout: number;
  kh: number;
  kw: number;
  /** Zero rows above and columns left of x (the forward convolution's top and left padding). */
  top: number;
  left: number;
}

/**
 * Fills `out` (byte address of [kh, kw, cin, cout] float32, zeroed by the caller) with the filter gradient of x and
 * dy at byte addresses `x` and `dy`.
 */
export function runFilterGrad(tap: TapFn, x: number, dy: number, out: number, s: FilterGradShape): void {
  const xImage = s.h * s.w * s.cin * 4;
  const xRow = s.w * s.cin * 4;
  const dyImage = s.oh * s.ow * s.cout * 4;
  const dyRow = s.ow * s.cout * 4;
  for (let i = 0; i < s.kh; i++) {
    // Output rows whose tap-i source row y + i - top lies inside x.
    const y0 = Math.max(0, s.top - i);
    const y1 = Math.min(s.oh, s.h + s.top - i);
    for (let j = 0; j < s.kw; j++) {
      const x0 = Math.max(0, s.left - j);
      const x1 = Math.min(s.ow, s.w + s.left - j);
      if (y1 <= y0 || x1 <= x0) continue;
      tap(
        x + ((y0 + i - s.top) * s.w + (x0 + j - s.left)) * s.cin * 4,
        dy + (y0 * s.ow + x0) * s.cout * 4,
        out + (i * s.kw + j) * s.cin * s.cout * 4,
        s.b,
        y1 - y0,
        x1 - x0,
        s.cin,
        s.cout,
        xImage,
        xRow,
        dyImage,
        dyRow,
      );
    }
  }
}
