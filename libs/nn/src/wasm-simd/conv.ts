/**
 * A stride-1 convolution with zero padding and a bias, as a WebAssembly SIMD loop over the tfjs wasm heap:
 * y[b, oy, ox, co] = bias[co] + sum over (i, j, ci) of x[b, oy + i - top, ox + j - left, ci] * w[i, j, ci, co],
 * x read as zero outside the map. A 1x1 convolution over one long row is a matrix product.
 * XNNPACK runs our small shapes (16-32 channels, 28x28) at 6-12 GMAC/s: its tiles are sized for wide layers, and
 * its fully-connected operator packs the weights on every call. Here each output row is built in place: for each
 * tap that reaches it, a run of positions adds x's row times the tap's [C_in, C_out] weights, two positions x 16
 * output channels at a time in eight 4-lane registers; the padding only shortens the runs.
 */
import {
  add,
  and,
  choose,
  FunctionBuilder,
  ge,
  gt,
  heapFunction,
  I32,
  load,
  lt,
  max,
  min,
  mul,
  splat,
  sub,
  V128,
  zeros,
} from './encoder';

/**
 * conv(x, w, bias, out, images, oh, ow, h, wd, cin, cout, kh, kw, top, left): bias is a byte address, or 0 for
 * none; the others as in the comment above, addresses in bytes, sizes in elements.
 */
function convFunction(): FunctionBuilder {
  const f = new FunctionBuilder(15);
  const [x, w, bias, out, images, oh, ow, h, wd, cin, cout, kh, kw, top, left] = f.args;
  const [n, r, i, j, y, x0, x1, cols, colsEven, c, co, ci] = f.localsOf(I32, 12);
  const [outRow, xRun, wTap, op, xp, wp, xCol, outCol] = f.localsOf(I32, 8);
  const acc = f.localsOf(V128, 8);
  const wv = f.localsOf(V128, 4);
  const s = f.localsOf(V128, 2);

  // `k` positions (c, c + 1) x `vectors` x 4 output channels (co ..) of the current run: add x . w_tap into out.
  const tile = (k: number, vectors: number) => {
    // The run starts at output column x0; position c + 1 is one column (outCol bytes) after c.
    f.assign(op, add(mul(add(x0, c), outCol), outRow, mul(co, 4)));
    const at = [op, add(op, outCol)];
    for (let t = 0; t < k; t++) for (let v = 0; v < vectors; v++) f.assign(acc[4 * t + v], load(at[t], 16 * v));
    f.assign(xp, add(mul(c, xCol), xRun));
    f.assign(wp, add(mul(co, 4), wTap));
    f.forLoop(ci, cin, 1, () => {
      f.assign(s[0], splat(xp));
      if (k === 2) f.assign(s[1], splat(add(xp, xCol)));
      for (let v = 0; v < vectors; v++) f.assign(wv[v], load(wp, 16 * v));
      for (let t = 0; t < k; t++) for (let v = 0; v < vectors; v++) f.multiplyAdd(acc[4 * t + v], s[t], wv[v]);
      f.increment(xp, 4);
      f.increment(wp, outCol);
    });
    for (let t = 0; t < k; t++) for (let v = 0; v < vectors; v++) f.store(at[t], acc[4 * t + v], 16 * v);
  };
  // Every output channel for positions c (.. c + k - 1).
  const tileColumn = (k: number) => f.forChannelTiles(co, cout, (vectors) => tile(k, vectors));
  // Taps (i, j) of output row r: row i reaches it when its source row y = r + i - top lies inside x, and then
  // positions x0 .. x1 - 1, whose source column x + j - left lies inside x, take tap j.
  const addTaps = () =>
    f.forLoop(i, kh, 1, () => {
      f.assign(y, sub(add(r, i), top));
      f.when(and(ge(y, 0), lt(y, h)), () =>
        f.forLoop(j, kw, 1, () => {
          f.assign(x0, max(0, sub(left, j)));
          f.assign(x1, min(ow, sub(add(wd, left), j)));
          f.assign(cols, sub(x1, x0));
          f.when(gt(cols, 0), () => {
            f.assign(xRun, add(mul(sub(add(mul(add(mul(n, h), y), wd), x0, j), left), xCol), x));
            f.assign(wTap, add(mul(add(mul(i, kw), j), cin, outCol), w));
            f.assign(colsEven, and(cols, -2));
            f.forLoop(c, colsEven, 2, () => tileColumn(2));
            f.when(lt(colsEven, cols), () => {
              f.assign(c, colsEven);
              tileColumn(1);
            });
          });
        }),
      );
    });

  f.assign(xCol, mul(cin, 4));
  f.assign(outCol, mul(cout, 4));
  f.forLoop(n, images, 1, () =>
    f.forLoop(r, oh, 1, () => {
      f.assign(outRow, add(mul(add(mul(n, oh), r), ow, outCol), out));
      // The row starts as the bias (or zeros), then each tap adds into it.
      f.forLoop(c, ow, 1, () =>
        f.forLoop(co, cout, 4, () =>
          f.store(add(mul(c, outCol), outRow, mul(co, 4)), choose(V128, bias, load(add(bias, mul(co, 4))), zeros)),
        ),
      );
      addTaps();
    }),
  );
  return f;
}

/** The kernel's entry point bound to one heap. */
export const convOnHeap = heapFunction(convFunction);
