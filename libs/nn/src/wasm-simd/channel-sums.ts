/**
 * The sum over the rows of a [rows, C] map (a bias gradient: every axis but the channels), as a WebAssembly SIMD
 * loop over the tfjs wasm heap: 16 channels at a time, even and odd rows into separate 4-lane accumulators (two
 * independent chains of additions, and half the rounding error of one), added together at the end.
 */
import { add, and, f32x4Add, FunctionBuilder, heapFunction, I32, load, lt, mul, V128, zeros } from './encoder';

/** sums(x, out, rows, c): out[c] = sum over r of x[r, c]; byte addresses, sizes in elements. */
function sumsFunction(): FunctionBuilder {
  const f = new FunctionBuilder(4);
  const [x, out, rows, c] = f.args;
  const [co, r, p, rowBytes, rowsEven] = f.localsOf(I32, 5);
  const acc = f.localsOf(V128, 8);

  const addRow = (set: number, vectors: number) => {
    for (let v = 0; v < vectors; v++) f.assign(acc[4 * set + v], f32x4Add(acc[4 * set + v], load(p, 16 * v)));
    f.increment(p, rowBytes);
  };
  // Channels co .. co + 4 * vectors - 1 over every row.
  const tile = (vectors: number) => {
    for (const a of acc) f.assign(a, zeros);
    f.assign(p, add(mul(co, 4), x));
    f.forLoop(r, rowsEven, 2, () => (addRow(0, vectors), addRow(1, vectors)));
    f.when(lt(rowsEven, rows), () => addRow(0, vectors));
    for (let v = 0; v < vectors; v++) f.store(add(mul(co, 4), out), f32x4Add(acc[v], acc[4 + v]), 16 * v);
  };

  f.assign(rowBytes, mul(c, 4));
  f.assign(rowsEven, and(rows, -2));
  f.forChannelTiles(co, c, tile);
  return f;
}

/** The kernel's entry point bound to one heap. */
export const channelSumsOnHeap = heapFunction(sumsFunction);
