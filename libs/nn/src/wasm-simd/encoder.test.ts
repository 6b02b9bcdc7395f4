import { describe, expect, it } from 'vitest';
import {
  add,
  and,
  choose,
  encodeModule,
  eq,
  FunctionBuilder,
  ge,
  gt,
  I32,
  lt,
  max,
  min,
  mul,
  sleb,
  sub,
  uleb,
} from './encoder';

describe('the WebAssembly encoder', () => {
  it('writes LEB128 integers as the specification does', () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(128)).toEqual([0x80, 0x01]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
  });

  it('builds modules that validate and run: a loop summing a range, and the i32 expressions', () => {
    // sum(out, n): memory[out] = 0 + 1 + ... + (n - 1), or -7 for n = 0.
    const sum = new FunctionBuilder(2);
    const [out, count] = sum.args;
    const [i, total] = sum.localsOf(I32, 2);
    sum.forLoop(i, count, 1, () => sum.increment(total, i));
    sum.when(eq(count, 0), () => sum.assign(total, -7));
    sum.storeI32(out, total);
    // calc(out, a, b): max, min, a < b ? 1 : 2, a - b, a & b, (a + b + 1) * 3 * a, a >= b, a > b.
    const calc = new FunctionBuilder(3);
    const [o, a, b] = calc.args;
    const values = [max(a, b), min(a, b), choose(I32, lt(a, b), 1, 2), sub(a, b), and(a, b)];
    values.push(mul(add(a, b, 1), 3, a), ge(a, b), gt(a, b));
    values.forEach((v, k) => calc.storeI32(o, v, 4 * k));
    const bytes = encodeModule({ sum, calc });
    expect(WebAssembly.validate(bytes)).toBe(true);
    const memory = new WebAssembly.Memory({ initial: 1 });
    const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as Record<
      string,
      (...args: number[]) => void
    >;
    const view = new Int32Array(memory.buffer);
    exports.sum(16, 10);
    expect(view[4]).toBe(45);
    exports.sum(16, 0);
    expect(view[4]).toBe(-7); // a zero count runs no iteration
    exports.calc(64, 6, -3);
    expect(Array.from(view.subarray(16, 24))).toEqual([6, -3, 2, 9, 6 & -3, 72, 1, 1]);
    exports.calc(64, 2, 5);
    expect(Array.from(view.subarray(16, 24))).toEqual([5, 2, 1, -3, 0, 48, 0, 0]);
  });
});
