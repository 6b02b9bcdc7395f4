/**
 * The few pieces of the WebAssembly binary format this library's own SIMD kernels need: a module that imports a
 * memory (the tfjs wasm backend's heap, so kernels read and write tensors where they are) and exports functions
 * of i32 arguments. Only the instructions the kernels use are here; the encoding follows the WebAssembly 2.0
 * specification (sections 5.2-5.5) and the fixed-width SIMD proposal's opcodes.
 */

/** Value types. */
export const I32 = 0x7f;
export const V128 = 0x7b;

/** Unsigned LEB128. */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (i32 range). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const utf8 = (s: string): number[] => {
  const bytes = new TextEncoder().encode(s);
  return [...uleb(bytes.length), ...bytes];
};
const vector = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

const simd = (op: number): number[] => [0xfd, ...uleb(op)];
/** Memory immediate: alignment as a power of two (a hint: unaligned accesses stay correct), byte offset. */
const memarg = (alignLog2: number, offset: number): number[] => [...uleb(alignLog2), ...uleb(offset)];

/**
 * One function's body, written instruction by instruction. Locals are numbered after the parameters in the order
 * `local` declares them.
 */
export class FunctionBuilder {
  readonly code: number[] = [];
  private readonly locals: number[] = [];

  constructor(readonly params: number) {}

  /** A new local of type `type`; returns its index. */
  local(type: number): number {
    this.locals.push(type);
    return this.params + this.locals.length - 1;
  }

  get = (i: number) => this.emit(0x20, ...uleb(i));
  set = (i: number) => this.emit(0x21, ...uleb(i));
  i32 = (v: number) => this.emit(0x41, ...sleb(v));
  add = () => this.emit(0x6a);
  sub = () => this.emit(0x6b);
  and = () => this.emit(0x71);
  equal = () => this.emit(0x46);
  mul = () => this.emit(0x6c);
  /** Signed comparisons a < b, a > b, a >= b. */
  lessThan = () => this.emit(0x48);
  greaterThan = () => this.emit(0x4a);
  greaterOrEqual = () => this.emit(0x4e);
  /** a, b, condition -> condition ? a : b. */
  select = () => this.emit(0x1b);
  i32Store = (offset = 0) => this.emit(0x36, ...memarg(2, offset));
  v128Zero = () => this.emit(...simd(0x0c), ...new Array<number>(16).fill(0));
  v128Load = (offset = 0) => this.emit(...simd(0x00), ...memarg(2, offset));
  /** Loads one f32 into all four lanes. */
  loadSplat = (offset = 0) => this.emit(...simd(0x09), ...memarg(2, offset));
  v128Store = (offset = 0) => this.emit(...simd(0x0b), ...memarg(2, offset));
  f32x4Add = () => this.emit(...simd(0xe4));
  f32x4Mul = () => this.emit(...simd(0xe6));

  /** local[i] += delta (i32). */
  increment(i: number, delta: number | (() => void)): void {
    this.get(i);
    if (typeof delta === 'number') this.i32(delta);
    else delta();
    this.add();
    this.set(i);
  }

  /**
   * `for (local[i] = 0; local[i] < limit; local[i] += step) body()`, limit an i32 local. The test comes first, so
   * a zero limit runs nothing.
   */
  forLoop(i: number, limit: number, step: number, body: () => void): void {
    this.i32(0);
    this.set(i);
    this.emit(0x02, 0x40, 0x03, 0x40); // block, loop (no results)
    this.get(i);
    this.get(limit);
    this.lessThan();
    this.emit(0x45, 0x0d, 1); // i32.eqz, br_if to the block's end
    body();
    this.increment(i, step);
    this.emit(0x0c, 0, 0x0b, 0x0b); // br to the loop's start, end loop, end block
  }

  /** `if (cond) body()`, cond an i32 left on the stack by `condition`. */
  when(condition: () => void, body: () => void): void {
    condition();
    this.emit(0x04, 0x40);
    body();
    this.emit(0x0b);
  }

  /** `cond ? a() : b()` leaving one value of `type`; cond an i32 left on the stack by `condition`. */
  choose(type: number, condition: () => void, a: () => void, b: () => void): void {
    condition();
    this.emit(0x04, type);
    a();
    this.emit(0x05);
    b();
    this.emit(0x0b);
  }

  emit(...bytes: number[]): void {
    for (const b of bytes) this.code.push(b);
  }

  /** The code-section entry: locals (one run per local) and the body. */
  encode(): number[] {
    const body = [...vector(this.locals.map((t) => [1, t])), ...this.code, 0x0b];
    return [...uleb(body.length), ...body];
  }
}

/**
 * A module importing `env.memory` and exporting `functions` (each taking its builder's i32 parameters, returning
 * nothing). `sharedMemory`: the imported memory is a shared one (the threaded wasm build's heap), which must be
 * declared shared, with a maximum.
 */
export function encodeModule(
  functions: Record<string, FunctionBuilder>,
  { sharedMemory = false } = {},
): Uint8Array<ArrayBuffer> {
  const entries = Object.entries(functions);
  const types = vector(entries.map(([, f]) => [0x60, ...vector(new Array(f.params).fill([I32])), 0]));
  // Memory limits: min 0 pages, and no maximum, or (shared) at most 65536 pages, wasm32's whole address space.
  const limits = sharedMemory ? [0x03, 0x00, ...uleb(65536)] : [0x00, 0x00];
  const imports = vector([[...utf8('env'), ...utf8('memory'), 0x02, ...limits]]);
  const funcs = vector(entries.map((_, i) => uleb(i)));
  const exports = vector(entries.map(([name], i) => [...utf8(name), 0x00, ...uleb(i)]));
  const code = vector(entries.map(([, f]) => f.encode()));
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, types),
    ...section(2, imports),
    ...section(3, funcs),
    ...section(7, exports),
    ...section(10, code),
  ]);
}

type HeapFunction = (...args: number[]) => void;

/**
 * A function `build` writes, bound to a wasm heap: `(memory) => the exported function`, compiled once per kind of
 * memory (plain or shared) and instantiated once per memory. Compiling throws where WebAssembly SIMD is missing.
 */
export function heapFunction(build: () => FunctionBuilder): (memory: WebAssembly.Memory) => HeapFunction {
  const compiled = new Map<boolean, WebAssembly.Module>();
  const instances = new WeakMap<WebAssembly.Memory, HeapFunction>();
  return (memory) => {
    let fn = instances.get(memory);
    if (!fn) {
      const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
      let module = compiled.get(shared);
      if (!module) {
        module = new WebAssembly.Module(encodeModule({ run: build() }, { sharedMemory: shared }));
        compiled.set(shared, module);
      }
      fn = new WebAssembly.Instance(module, { env: { memory } }).exports.run as HeapFunction;
      instances.set(memory, fn);
    }
    return fn;
  };
}
