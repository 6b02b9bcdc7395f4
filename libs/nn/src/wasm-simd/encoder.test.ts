import { describe, expect, it } from 'vitest';
import { encodeModule, FunctionBuilder, I32, sleb, uleb } from './encoder';

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

  it('builds modules that validate and run: a loop summing a range into memory', () => {
    // sum(out, n): memory[out] = 0 + 1 + ... + (n - 1), through forLoop, when and the i32 ops.
    const f = new FunctionBuilder(2);
    const [i, total] = [f.local(I32), f.local(I32)];
    f.forLoop(i, 1, 1, () => f.increment(total, () => f.get(i)));
    f.when(
      () => (f.get(1), f.i32(0), f.equal()),
      () => (f.i32(-7), f.set(total)),
    );
    (f.get(0), f.get(total), f.i32Store());
    const bytes = encodeModule({ sum: f });
    expect(WebAssembly.validate(bytes)).toBe(true);
    const memory = new WebAssembly.Memory({ initial: 1 });
    const sum = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports.sum as (
      ...a: number[]
    ) => void;
    const view = new Int32Array(memory.buffer);
    sum(16, 10);
    expect(view[4]).toBe(45);
    sum(16, 0);
    expect(view[4]).toBe(-7); // a zero count runs no iteration
  });
});
