/**
 * A convolution's filter gradient as a WebAssembly SIMD loop over the tfjs wasm heap:
 * dL/dw[i, j, ci, co] = sum over (b, y, x) of x_padded[b, y + i, x + j, ci] * dy[b, y, x, co].
 * XNNPACK has no kernel for this shape of product (a [taps C_in, C_out] result summed over all B H W positions), so
 * tfjs runs it as a convolution with batch and channels transposed, or as one product per tap behind a transpose
 * of each operand; both copy whole maps and run at a third of wasm SIMD's multiply-add rate. Here each tap is one
 * pass over the positions it sees (the padding is a smaller rectangle, never a padded copy), accumulating a tile
 * of 2 input channels x 16 output channels in eight 4-lane registers (C_out a multiple of 4).
 */
import { add, and, FunctionBuilder, heapFunction, type HeapFunction, I32, load, lt, mul, splat, V128 } from './encoder';

/**
 * tap(x, dy, out, images, rows, cols, cin, cout, xImage, xRow, dyImage, dyRow): adds the products of a
 * rows x cols rectangle of positions in each of `images` images into out [cin, cout]; x and dy are byte addresses
 * of the rectangle's first position, the strides are in bytes.
 */
function tapFunction(): FunctionBuilder {
  const f = new FunctionBuilder(12);
  const [x, dy, out, images, rows, cols, cin, cout, xImage, xRow, dyImage, dyRow] = f.args;
  const [n, r, ci, co, c, xr, dr, xc, dc, o0, o1, xCol, dyCol, cinEven] = f.localsOf(I32, 14);
  const acc = f.localsOf(V128, 8);
  const d = f.localsOf(V128, 4);
  const s = f.localsOf(V128, 2);

  // A tile of `k` input channels (ci .. ci + k - 1) x `vectors` x 4 output channels (co ..).
  const tile = (k: number, vectors: number) => {
    f.assign(o0, add(mul(add(mul(ci, cout), co), 4), out));
    f.assign(o1, add(o0, dyCol));
    for (let t = 0; t < k; t++) for (let v = 0; v < vectors; v++) f.assign(acc[4 * t + v], load([o0, o1][t], 16 * v));
    f.assign(xc, add(mul(ci, 4), xr));
    f.assign(dc, add(mul(co, 4), dr));
    f.forLoop(c, cols, 1, () => {
      for (let t = 0; t < k; t++) f.assign(s[t], splat(xc, 4 * t));
      for (let v = 0; v < vectors; v++) f.assign(d[v], load(dc, 16 * v));
      for (let t = 0; t < k; t++) for (let v = 0; v < vectors; v++) f.multiplyAdd(acc[4 * t + v], s[t], d[v]);
      f.increment(xc, xCol);
      f.increment(dc, dyCol);
    });
    for (let t = 0; t < k; t++) for (let v = 0; v < vectors; v++) f.store([o0, o1][t], acc[4 * t + v], 16 * v);
  };
  // Every output channel for input channels ci .. ci + k - 1.
  const tileRow = (k: number) => f.forChannelTiles(co, cout, (vectors) => tile(k, vectors));

  f.assign(xCol, mul(cin, 4));
  f.assign(dyCol, mul(cout, 4));
  f.assign(cinEven, and(cin, -2));
  f.forLoop(n, images, 1, () => {
    f.assign(xr, add(mul(n, xImage), x));
    f.assign(dr, add(mul(n, dyImage), dy));
    f.forLoop(r, rows, 1, () => {
      f.forLoop(ci, cinEven, 2, () => tileRow(2));
      f.when(lt(cinEven, cin), () => {
        f.assign(ci, cinEven);
        tileRow(1);
      });
      f.increment(xr, xRow);
      f.increment(dr, dyRow);
    });
  });
  return f;
}

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
export function runFilterGrad(tap: HeapFunction, x: number, dy: number, out: number, s: FilterGradShape): void {
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
