/**
 * The few pieces of the WebAssembly binary format this library's own SIMD kernels need: a module that imports a
 * memory (the tfjs wasm backend's heap, so kernels read and write tensors where they are) and exports functions
 * of i32 arguments. Only the instructions the kernels use are here; the encoding follows the WebAssembly 2.0
 * specification (sections 5.2-5.5) and the fixed-width SIMD proposal's opcodes.
 */

/** Value types. */
export const I32 = 0x7f;
export const V128 = 0x7b;

/**
 * Whether `channels` come in whole 4 x f32 vectors: what every kernel here needs of the channels it tiles (output
 * channels of the convolution and the filter gradient, the summed channels).
 */
export const wholeVectors = (channels: number): boolean => channels % 4 === 0;

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

/** A parameter or local of a function being built. */
export class Local {
  constructor(readonly index: number) {}
}

/** Code that leaves one value on the stack. */
export class Expr {
  constructor(readonly write: (code: number[]) => void) {}
}

/** A value: a local, an i32 constant, or an expression. */
export type Operand = Local | number | Expr;

function push(code: number[], op: Operand): void {
  if (op instanceof Local) code.push(0x20, ...uleb(op.index));
  else if (op instanceof Expr) op.write(code);
  else code.push(0x41, ...sleb(op));
}

/** `ops` pushed in order, then `opcode` bytes. */
const instruction = (opcode: number[], ...ops: Operand[]) =>
  new Expr((code) => {
    for (const op of ops) push(code, op);
    code.push(...opcode);
  });
/** An i32 operation folded over two or more operands: a op b op c ... */
const fold =
  (opcode: number) =>
  (first: Operand, ...rest: Operand[]): Expr =>
    new Expr((code) => {
      push(code, first);
      for (const op of rest) (push(code, op), code.push(opcode));
    });

// i32 arithmetic and signed comparisons.
export const add = fold(0x6a);
export const mul = fold(0x6c);
export const sub = (a: Operand, b: Operand) => instruction([0x6b], a, b);
export const and = (a: Operand, b: Operand) => instruction([0x71], a, b);
export const eq = (a: Operand, b: Operand) => instruction([0x46], a, b);
export const lt = (a: Operand, b: Operand) => instruction([0x48], a, b);
export const gt = (a: Operand, b: Operand) => instruction([0x4a], a, b);
export const ge = (a: Operand, b: Operand) => instruction([0x4e], a, b);
/** cond ? a : b (both evaluated). */
export const select = (a: Operand, b: Operand, cond: Operand) => instruction([0x1b], a, b, cond);
export const max = (a: Operand, b: Operand) => select(a, b, gt(a, b));
/** condition ? a : b, of value type `type` (I32, V128), only the one taken evaluated. */
export const choose = (type: number, condition: Operand, a: Operand, b: Operand) =>
  new Expr((code) => {
    push(code, condition);
    code.push(0x04, type);
    push(code, a);
    code.push(0x05);
    push(code, b);
    code.push(0x0b);
  });
export const min = (a: Operand, b: Operand) => select(a, b, lt(a, b));

// 4 x f32 SIMD. Addresses are byte addresses; `offset` is added to them.
/** 16 bytes at address + offset. */
export const load = (address: Operand, offset = 0) => instruction([...simd(0x00), ...memarg(2, offset)], address);
/** One f32 at address + offset, in all four lanes. */
export const splat = (address: Operand, offset = 0) => instruction([...simd(0x09), ...memarg(2, offset)], address);
export const zeros = new Expr((code) => code.push(...simd(0x0c), ...new Array<number>(16).fill(0)));
export const f32x4Add = (a: Operand, b: Operand) => instruction(simd(0xe4), a, b);
export const f32x4Mul = (a: Operand, b: Operand) => instruction(simd(0xe6), a, b);

/**
 * One function's body. Parameters and locals are `Local`s: the first `params` are the i32 parameters, `local`
 * declares the others.
 */
export class FunctionBuilder {
  private readonly code: number[] = [];
  private readonly locals: number[] = [];
  readonly args: Local[];

  constructor(readonly params: number) {
    this.args = Array.from({ length: params }, (_, i) => new Local(i));
  }

  /** A new local of type `type` (I32, V128). */
  local(type: number): Local {
    this.locals.push(type);
    return new Local(this.params + this.locals.length - 1);
  }

  /** `count` new locals of type `type`. */
  localsOf(type: number, count: number): Local[] {
    return Array.from({ length: count }, () => this.local(type));
  }

  /** local = value. */
  assign(local: Local, value: Operand): void {
    push(this.code, value);
    this.code.push(0x21, ...uleb(local.index));
  }

  /** local += delta (i32). */
  increment(local: Local, delta: Operand): void {
    this.assign(local, add(local, delta));
  }

  /** acc += a * b (4 x f32). */
  multiplyAdd(acc: Local, a: Operand, b: Operand): void {
    this.assign(acc, f32x4Add(acc, f32x4Mul(a, b)));
  }

  /** 16 bytes of `value` to address + offset. */
  store(address: Operand, value: Operand, offset = 0): void {
    push(this.code, address);
    push(this.code, value);
    this.code.push(...simd(0x0b), ...memarg(2, offset));
  }

  /** One i32 to address + offset. */
  storeI32(address: Operand, value: Operand, offset = 0): void {
    push(this.code, address);
    push(this.code, value);
    this.code.push(0x36, ...memarg(2, offset));
  }

  /** `for (i = 0; i < limit; i += step) body()`. The test comes first, so a zero limit runs nothing. */
  forLoop(i: Local, limit: Operand, step: number, body: () => void): void {
    this.assign(i, 0);
    this.code.push(0x02, 0x40, 0x03, 0x40); // block, loop (no results)
    push(this.code, lt(i, limit));
    this.code.push(0x45, 0x0d, 1); // i32.eqz, br_if to the block's end
    body();
    this.increment(i, step);
    this.code.push(0x0c, 0, 0x0b, 0x0b); // br to the loop's start, end loop, end block
  }

  /**
   * Tiles of up to 16 channels, as 4 x f32 vectors: `tile(4)` with `co` = 0, 16, .. while 16 channels are left, then
   * `tile(v)` with the v = 1, 2 or 3 vectors of the 4, 8 or 12 channels left (`channels` a multiple of 4).
   */
  forChannelTiles(co: Local, channels: Operand, tile: (vectors: number) => void): void {
    const [whole, tail] = this.localsOf(I32, 2);
    this.assign(whole, and(channels, -16));
    this.assign(tail, sub(channels, whole));
    this.forLoop(co, whole, 16, () => tile(4));
    for (let v = 1; v < 4; v++)
      this.when(eq(tail, 4 * v), () => {
        this.assign(co, whole);
        tile(v);
      });
  }

  /** `if (condition) body()`. */
  when(condition: Operand, body: () => void): void {
    push(this.code, condition);
    this.code.push(0x04, 0x40);
    body();
    this.code.push(0x0b);
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

/** An exported function of i32 arguments bound to a heap. */
export type HeapFunction = (...args: number[]) => void;

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
