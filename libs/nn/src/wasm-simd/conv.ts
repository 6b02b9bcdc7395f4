/**
 * A stride-1 convolution with zero padding and a bias, as a WebAssembly SIMD loop over the tfjs wasm heap:
 * y[b, oy, ox, co] = bias[co] + sum over (i, j, ci) of x[b, oy + i - top, ox + j - left, ci] * w[i, j, ci, co],
 * x read as zero outside the map. A 1x1 convolution over one long row is a matrix product.
 * XNNPACK runs our small shapes (16-32 channels, 28x28) at 6-12 GMAC/s: its tiles are sized for wide layers, and
 * its fully-connected operator packs the weights on every call. Here each output row is built in place: for each
 * tap that reaches it, a run of positions adds x's row times the tap's [C_in, C_out] weights, two positions x 16
 * output channels at a time in eight 4-lane registers; the padding only shortens the runs.
 */
import { FunctionBuilder, heapFunction, I32, V128 } from './encoder';

/** Output channels per tile (four 4-lane registers). */
const CO_TILE = 16;

/** Whether the kernel takes `cout` output channels: whole vectors of 4. */
export const convTakes = (cout: number): boolean => cout % 4 === 0;

/**
 * conv(x, w, bias, out, images, oh, ow, h, wd, cin, cout, kh, kw, top, left): bias is a byte address, or 0 for
 * none; the others as in the comment above, addresses in bytes, sizes in elements.
 */
function convFunction(): FunctionBuilder {
  const f = new FunctionBuilder(15);
  const [x, w, bias, out, images, oh, ow, h, wd, cin, cout, kh, kw, top, left] = Array.from(
    { length: 15 },
    (_, i) => i,
  );
  const local = () => f.local(I32);
  const [n, r, i, j, y, x0, x1, cols, colsEven, c, co, coWhole, coTail, ci] = Array.from({ length: 14 }, local);
  const [outRow, xRun, wTap, op, xp, wp, xCol, outCol] = Array.from({ length: 8 }, local);
  const acc = Array.from({ length: 8 }, () => f.local(V128));
  const wv = Array.from({ length: 4 }, () => f.local(V128));
  const s = Array.from({ length: 2 }, () => f.local(V128));

  // `k` positions (c, c + 1) x `vectors` x 4 output channels (co ..) of the current run: add x . w_tap into out.
  const tile = (k: number, vectors: number) => {
    // op = outRun + (c * cout + co) * 4 where outRun = outRow + x0 * cout * 4
    (f.get(c),
      f.get(x0),
      f.add(),
      f.get(outCol),
      f.mul(),
      f.get(outRow),
      f.add(),
      f.get(co),
      f.i32(4),
      f.mul(),
      f.add(),
      f.set(op));
    for (let v = 0; v < vectors; v++) (f.get(op), f.v128Load(16 * v), f.set(acc[v]));
    if (k === 2)
      for (let v = 0; v < vectors; v++) (f.get(op), f.get(outCol), f.add(), f.v128Load(16 * v), f.set(acc[4 + v]));
    (f.get(c), f.get(xCol), f.mul(), f.get(xRun), f.add(), f.set(xp));
    (f.get(co), f.i32(4), f.mul(), f.get(wTap), f.add(), f.set(wp));
    f.forLoop(ci, cin, 1, () => {
      (f.get(xp), f.loadSplat(0), f.set(s[0]));
      if (k === 2) (f.get(xp), f.get(xCol), f.add(), f.loadSplat(0), f.set(s[1]));
      for (let v = 0; v < vectors; v++) (f.get(wp), f.v128Load(16 * v), f.set(wv[v]));
      for (let t = 0; t < k; t++)
        for (let v = 0; v < vectors; v++)
          (f.get(acc[4 * t + v]), f.get(s[t]), f.get(wv[v]), f.f32x4Mul(), f.f32x4Add(), f.set(acc[4 * t + v]));
      f.increment(xp, 4);
      f.increment(wp, () => f.get(outCol));
    });
    for (let v = 0; v < vectors; v++) (f.get(op), f.get(acc[v]), f.v128Store(16 * v));
    if (k === 2)
      for (let v = 0; v < vectors; v++) (f.get(op), f.get(outCol), f.add(), f.get(acc[4 + v]), f.v128Store(16 * v));
  };
  // Every output channel for positions c (.. c + k - 1): whole tiles of 16, then one of 4, 8 or 12.
  const tileColumn = (k: number) => {
    f.forLoop(co, coWhole, CO_TILE, () => tile(k, 4));
    for (let v = 1; v < 4; v++)
      f.when(
        () => (f.get(coTail), f.i32(4 * v), f.equal()),
        () => (f.get(coWhole), f.set(co), tile(k, v)),
      );
  };
  // max(a, b) (or min) of two values pushed by `a` and `b`.
  const pick = (a: () => void, b: () => void, greater: boolean) => {
    (a(), b(), a(), b(), greater ? f.greaterThan() : f.lessThan(), f.select());
  };

  (f.get(cin), f.i32(4), f.mul(), f.set(xCol));
  (f.get(cout), f.i32(4), f.mul(), f.set(outCol));
  (f.get(cout), f.i32(-CO_TILE), f.and(), f.set(coWhole));
  (f.get(cout), f.get(coWhole), f.sub(), f.set(coTail));
  f.forLoop(n, images, 1, () =>
    f.forLoop(r, oh, 1, () => {
      // outRow = out + ((n * oh + r) * ow) * cout * 4; filled with the bias (or zeros) first.
      (f.get(n),
        f.get(oh),
        f.mul(),
        f.get(r),
        f.add(),
        f.get(ow),
        f.mul(),
        f.get(outCol),
        f.mul(),
        f.get(out),
        f.add(),
        f.set(outRow));
      f.forLoop(c, ow, 1, () =>
        f.forLoop(co, cout, 4, () => {
          (f.get(c), f.get(outCol), f.mul(), f.get(outRow), f.add(), f.get(co), f.i32(4), f.mul(), f.add());
          f.choose(
            V128,
            () => f.get(bias),
            () => (f.get(bias), f.get(co), f.i32(4), f.mul(), f.add(), f.v128Load(0)),
            () => f.v128Zero(),
          );
          f.v128Store(0);
        }),
      );
      f.forLoop(i, kh, 1, () => {
        // y = r + i - top; taps of row i reach this output row when 0 <= y < h.
        (f.get(r), f.get(i), f.add(), f.get(top), f.sub(), f.set(y));
        f.when(
          () => (f.get(y), f.i32(0), f.greaterOrEqual(), f.get(y), f.get(h), f.lessThan(), f.and()),
          () =>
            f.forLoop(j, kw, 1, () => {
              // Positions x0 .. x1 - 1 whose column x + j - left lies inside the map.
              pick(
                () => f.i32(0),
                () => (f.get(left), f.get(j), f.sub()),
                true,
              );
              f.set(x0);
              pick(
                () => f.get(ow),
                () => (f.get(wd), f.get(left), f.add(), f.get(j), f.sub()),
                false,
              );
              f.set(x1);
              (f.get(x1), f.get(x0), f.sub(), f.set(cols));
              f.when(
                () => (f.i32(0), f.get(cols), f.lessThan()),
                () => {
                  // xRun = x + ((n * h + y) * wd + x0 + j - left) * cin * 4; wTap = w + (i * kw + j) * cin * cout * 4
                  (f.get(n),
                    f.get(h),
                    f.mul(),
                    f.get(y),
                    f.add(),
                    f.get(wd),
                    f.mul(),
                    f.get(x0),
                    f.add(),
                    f.get(j),
                    f.add());
                  (f.get(left), f.sub(), f.get(xCol), f.mul(), f.get(x), f.add(), f.set(xRun));
                  (f.get(i),
                    f.get(kw),
                    f.mul(),
                    f.get(j),
                    f.add(),
                    f.get(cin),
                    f.mul(),
                    f.get(outCol),
                    f.mul(),
                    f.get(w),
                    f.add(),
                    f.set(wTap));
                  (f.get(cols), f.i32(-2), f.and(), f.set(colsEven));
                  f.forLoop(c, colsEven, 2, () => tileColumn(2));
                  f.when(
                    () => (f.get(colsEven), f.get(cols), f.lessThan()),
                    () => (f.get(colsEven), f.set(c), tileColumn(1)),
                  );
                },
              );
            }),
        );
      });
    }),
  );
  return f;
}

/** The kernel's entry point bound to one heap. */
export const convOnHeap = heapFunction(convFunction);
