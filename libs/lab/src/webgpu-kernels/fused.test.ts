/**
 * Fused WebGPU kernels against their plain tfjs compositions: values and gradients of the fused path on 'webgpu'
 * versus the plain composition on 'cpu' (tfjs differentiates the plain one, so hand-written backward kernels are
 * checked against autodiff), the dispatch counts each op claims, and the fallbacks on cpu and wasm.
 *
 * Without a WebGPU adapter the webgpu tests are skipped with a printed reason, except under CI, where that fails.
 * On a machine without a GPU, run with SwiftShader: VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json.
 * Shapes are tiny because SwiftShader emulates the GPU on the CPU. Webgpu tensors are only read with `await
 * data()` (dataSync needs a DOM canvas in Node), and never used while another backend is active (tfjs would move
 * them with a synchronous read).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../backend';
import {
  BackendError,
  createRng,
  adamApplyPlain,
  adamMomentsPlain,
  countWebgpuDispatches,
  fusedAdamApply,
  fusedAdamMoments,
  gatedActivationPacked,
  gatedActivationPackedPlain,
  lstmCell,
  lstmCellPlain,
  registerFusedWebgpuKernels,
  softmaxCrossEntropyPerImage,
  softmaxCrossEntropyPerImagePlain,
} from '@pixel-models/nn';

/**
 * Elementwise tolerance: |fused - reference| <= RTOL·|reference| + ATOL·max|reference| (float32 on both sides; the
 * absolute part, relative to the array's scale, covers values near zero, e.g. tanh of a tiny argument).
 */
const RTOL = 1e-5;
const ATOL = 1e-6;

const unavailable = await initBackend('webgpu').then(
  () => '',
  (e: unknown) => {
    if (e instanceof BackendError) return e.message;
    throw e;
  },
);
if (unavailable && !process.env.CI)
  console.warn(`fused webgpu kernel tests skipped: no WebGPU adapter (${unavailable})`);
await initBackend('cpu');

describe.runIf(unavailable && process.env.CI)('webgpu under CI', () => {
  it('has an adapter (CI must not skip the fused kernel tests)', () => {
    throw new Error(`no WebGPU adapter under CI: ${unavailable}`);
  });
});

// ---- inputs and comparisons ----

const rng = createRng(20261129, 'fused-webgpu-test');
const normal = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
const randn = (shape: number[], scale = 1) =>
  Float32Array.from({ length: tf.util.sizeFromShape(shape) }, () => normal() * scale);
const randint = (shape: number[], n: number) =>
  Int32Array.from({ length: tf.util.sizeFromShape(shape) }, () => Math.floor(rng.next() * n));

interface Input {
  values: Float32Array | Int32Array;
  shape: number[];
}
const float = (shape: number[], scale = 1): Input => ({ values: randn(shape, scale), shape });
const int = (shape: number[], n: number): Input => ({ values: randint(shape, n), shape });

/** Runs `fn` on `backend` with fresh tensors of `inputs` and reads its outputs back. */
async function runOn(
  backend: string,
  inputs: Input[],
  fn: (...xs: tf.Tensor[]) => tf.Tensor[],
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const xs = inputs.map((x) => tf.tensor(x.values, x.shape, x.values instanceof Int32Array ? 'int32' : 'float32'));
  const outs = tf.tidy(() => fn(...xs));
  const values = await Promise.all(outs.map(async (t) => Float32Array.from(await t.data())));
  tf.dispose([...xs, ...outs]);
  return values;
}

const maxAbs = (x: Float32Array) => x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** The worst |a - e| / (RTOL·|e| + ATOL·max|e|) over all elements: ≤ 1 is a pass; NaN anywhere gives Infinity. */
function worstRatio(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length) return Infinity;
  let worst = 0;
  const floor = ATOL * maxAbs(expected);
  for (let k = 0; k < actual.length; k++) {
    const r = Math.abs(actual[k] - expected[k]) / (RTOL * Math.abs(expected[k]) + floor);
    worst = Number.isNaN(r) ? Infinity : Math.max(worst, r);
  }
  return worst;
}

/**
 * Asserts closeness, that the reference is not trivially small, and that the comparison would catch a wrong
 * reference: the same reference with one element off by 1e-4 relative must fail.
 */
function expectClose(what: string, actual: Float32Array, expected: Float32Array): void {
  expect(actual.length, what).toBe(expected.length);
  expect(maxAbs(expected), `${what}: reference magnitude`).toBeGreaterThan(1e-3);
  expect(worstRatio(actual, expected), `${what}: worst error / tolerance`).toBeLessThanOrEqual(1);
  const k = expected.indexOf(expected.reduce((m, v) => (Math.abs(v) > Math.abs(m) ? v : m), 0));
  const wrong = Float32Array.from(expected);
  wrong[k] *= 1 + 1e-4;
  expect(worstRatio(actual, wrong), `${what}: a 1e-4 error must be detected`).toBeGreaterThan(1);
}

function expectAllClose(what: string, actual: Float32Array[], expected: Float32Array[], names: string[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expectClose(`${what} ${names[i]}`, a, expected[i]));
}

/** The value of f and its gradients with respect to all inputs but the last, which is the upstream gradient dy. */
const valueAndGrads =
  (f: (...xs: tf.Tensor[]) => tf.Tensor) =>
  (...xs: tf.Tensor[]): tf.Tensor[] => {
    const dy = xs[xs.length - 1];
    const args = xs.slice(0, -1);
    return [f(...args), ...tf.grads((...a: tf.Tensor[]) => f(...a))(args, dy)];
  };

/** Fused on webgpu vs plain on cpu, values and gradients. */
async function compareWithPlain(
  what: string,
  inputs: Input[],
  fused: (...xs: tf.Tensor[]) => tf.Tensor,
  plain: (...xs: tf.Tensor[]) => tf.Tensor,
  names: string[],
) {
  const got = await runOn('webgpu', inputs, valueAndGrads(fused));
  const want = await runOn('cpu', inputs, valueAndGrads(plain));
  expectAllClose(what, got, want, names);
}

/** Dispatches of f on webgpu (inputs uploaded first), and that f leaks no tensors. */
async function dispatchesOf(inputs: Input[], f: (...xs: tf.Tensor[]) => unknown): Promise<number> {
  await tf.setBackend('webgpu');
  const xs = inputs.map((x) => tf.tensor(x.values, x.shape, x.values instanceof Int32Array ? 'int32' : 'float32'));
  const before = tf.memory().numTensors;
  const { dispatches } = countWebgpuDispatches(() => tf.tidy(() => void f(...xs)));
  expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
  tf.dispose(xs);
  return dispatches;
}

// ---- the ops ----

describe.skipIf(!!unavailable)('fused webgpu kernels vs plain tfjs on cpu', () => {
  /** Mostly N(0, 1), with a few large pre-activations where naive tanh/σ/softmax overflow. */
  const withExtremes = (x: Input, extremes = [30, -30, 90, -90]): Input => {
    const values = Float32Array.from(x.values);
    extremes.forEach((v, i) => (values[(i * 7919) % values.length] = v));
    return { values, shape: x.shape };
  };

  describe('gatedActivationPacked', () => {
    const fused = (fg: tf.Tensor) => gatedActivationPacked(fg);
    const plain = (fg: tf.Tensor) => gatedActivationPackedPlain(fg);

    it('matches the plain composition in value and gradient (rank 4, with saturated inputs)', async () => {
      const fg = withExtremes(float([2, 3, 3, 8], 1.5));
      await compareWithPlain('gated rank 4', [fg, float([2, 3, 3, 4])], fused, plain, ['y', 'd fg']);
    });

    it('accepts ranks 2, 3 and 5', async () => {
      for (const shape of [
        [5, 6],
        [2, 3, 4],
        [1, 2, 2, 2, 6],
      ]) {
        const dyShape = [...shape.slice(0, -1), shape[shape.length - 1] / 2];
        await compareWithPlain(`gated rank ${shape.length}`, [float(shape), float(dyShape)], fused, plain, [
          'y',
          'd fg',
        ]);
      }
    });

    it('keeps tanh relatively precise near 0 (where the e^-2|x| form cancels)', async () => {
      // f = ±1e-5 .. ±0.3 and g = 30 (σ(g) = 1 in float32): y must be tanh(f) to float32 rounding, relatively.
      const f = Float32Array.from({ length: 64 }, (_, k) => (k % 2 ? -1 : 1) * 10 ** (-5 + (4.5 * k) / 63));
      const fg = Float32Array.from({ length: 128 }, (_, k) => (k % 2 ? 30 : f[k >> 1]));
      const [y] = await runOn('webgpu', [{ values: fg, shape: [64, 2] }], (x) => [gatedActivationPacked(x)]);
      const worst = Math.max(...Array.from(y, (v, k) => Math.abs(v / Math.tanh(f[k]) - 1)));
      expect(worst).toBeLessThan(1e-6);
    });

    it('runs 1 dispatch forward and 1 backward', async () => {
      const inputs = [float([2, 3, 3, 8]), float([2, 3, 3, 4])];
      expect(await dispatchesOf(inputs, (fg) => gatedActivationPacked(fg))).toBe(1);
      expect(
        await dispatchesOf(inputs, (fg, dy) => tf.grads((x: tf.Tensor) => gatedActivationPacked(x))([fg], dy)),
      ).toBe(2);
    });

    it('rejects an odd channel axis and rank 1', () => {
      expect(() => gatedActivationPacked(tf.zeros([2, 3]))).toThrow(/even last axis/);
      expect(() => gatedActivationPacked(tf.zeros([4]))).toThrow(/rank 2\.\.5/);
    });
  });

  describe('softmaxCrossEntropyPerImage', () => {
    const shape = [2, 3, 3, 2, 7];
    const levels = int(shape.slice(0, 4), 7);
    const run = (f: typeof softmaxCrossEntropyPerImage) => (logits: tf.Tensor, lv: tf.Tensor) =>
      f(logits as tf.Tensor5D, lv as tf.Tensor4D);
    // levels are an input of the test function but not differentiated: valueAndGrads takes the last input as dy.
    const withLevels = (f: typeof softmaxCrossEntropyPerImage) => (logits: tf.Tensor, lv: tf.Tensor, dy: tf.Tensor) => [
      run(f)(logits, lv),
      ...tf.grads((x: tf.Tensor) => run(f)(x, lv))([logits], dy),
    ];

    it('matches the plain composition in value and gradient (incl. logits of ±90)', async () => {
      for (const [what, logits] of [
        ['N(0, 2)', float(shape, 2)],
        ['extremes', withExtremes(float(shape, 2))],
      ] as const) {
        const inputs = [logits, levels, float([2])];
        const got = await runOn('webgpu', inputs, withLevels(softmaxCrossEntropyPerImage));
        const want = await runOn('cpu', inputs, withLevels(softmaxCrossEntropyPerImagePlain));
        expectAllClose(`xent ${what}`, got, want, ['nll', 'd logits']);
      }
    });

    it('is the NLL: a uniform softmax costs log Q per position', async () => {
      await tf.setBackend('webgpu');
      const nll = softmaxCrossEntropyPerImage(
        tf.zeros<tf.Rank>(shape) as tf.Tensor5D,
        tf.tensor<tf.Rank>(levels.values, levels.shape, 'int32') as tf.Tensor4D,
      );
      const expected = 3 * 3 * 2 * Math.log(7);
      for (const v of await nll.data()) expect(v).toBeCloseTo(expected, 4);
    });

    it('runs 2 dispatches forward (NLL kernel + sum) and 1 backward', async () => {
      const inputs = [float(shape), levels, float([2])];
      expect(await dispatchesOf(inputs, (lg, lv) => run(softmaxCrossEntropyPerImage)(lg, lv))).toBe(2);
      const grads = (lg: tf.Tensor, lv: tf.Tensor, dy: tf.Tensor) =>
        tf.grads((x: tf.Tensor) => run(softmaxCrossEntropyPerImage)(x, lv))([lg], dy);
      expect(await dispatchesOf(inputs, grads)).toBe(3);
    });
  });

  describe('lstmCell', () => {
    const lead = [2, 3];
    const H = 5;
    // A loss that uses h, c or both, weighted so that every gradient entry differs.
    type Use = 'h and c' | 'h only' | 'c only';
    const cell =
      (f: typeof lstmCell, use: Use) =>
      (pre: tf.Tensor, cPrev: tf.Tensor | undefined, wh: tf.Tensor, wc: tf.Tensor) => {
        const { h, c } = f(pre, cPrev);
        if (use === 'h only') return tf.sum(tf.mul(h, wh));
        if (use === 'c only') return tf.sum(tf.mul(c, wc));
        return tf.add(tf.sum(tf.mul(h, wh)), tf.sum(tf.mul(c, wc)));
      };

    it('matches the plain composition: h and c values, and gradients for h and c, h only, c only', async () => {
      const pre = withExtremes(float([...lead, 4 * H], 1.5));
      const cPrev = float([...lead, H]);
      const w = [float([...lead, H]), float([...lead, H])];
      const both = (f: typeof lstmCell) => (p: tf.Tensor, c: tf.Tensor) => {
        const out = f(p, c);
        return [out.h, out.c];
      };
      expectAllClose(
        'lstm',
        await runOn('webgpu', [pre, cPrev], both(lstmCell)),
        await runOn('cpu', [pre, cPrev], both(lstmCellPlain)),
        ['h', 'c'],
      );
      for (const use of ['h and c', 'h only', 'c only'] as Use[]) {
        const grads = (f: typeof lstmCell) => (p: tf.Tensor, c: tf.Tensor, wh: tf.Tensor, wc: tf.Tensor) =>
          tf.grads((a: tf.Tensor, b: tf.Tensor) => cell(f, use)(a, b, wh, wc))([p, c]);
        const got = await runOn('webgpu', [pre, cPrev, ...w], grads(lstmCell));
        const want = await runOn('cpu', [pre, cPrev, ...w], grads(lstmCellPlain));
        expectAllClose(`lstm grads (${use})`, got, want, ['d pre', 'd cPrev']);
      }
    });

    it('without cPrev (zero state), rank 2: values and gradients', async () => {
      const pre = float([4, 4 * H]);
      const w = [float([4, H]), float([4, H])];
      const f = (impl: typeof lstmCell) => (p: tf.Tensor, wh: tf.Tensor, wc: tf.Tensor) => {
        const { h, c } = impl(p);
        return [h, c, ...tf.grads((a: tf.Tensor) => cell(impl, 'h and c')(a, undefined, wh, wc))([p])];
      };
      expectAllClose(
        'lstm first step',
        await runOn('webgpu', [pre, ...w], f(lstmCell)),
        await runOn('cpu', [pre, ...w], f(lstmCellPlain)),
        ['h', 'c', 'd pre'],
      );
    });

    it('runs 2 dispatches forward, 2 backward (1 without cPrev)', async () => {
      const inputs = [float([...lead, 4 * H]), float([...lead, H]), float([...lead, H]), float([...lead, H])];
      expect(await dispatchesOf(inputs, (pre, cPrev) => lstmCell(pre, cPrev))).toBe(2);
      // Gradients with explicit dy for h and c (tf.grads of a sum would add fill and mul dispatches of its own).
      const backward = (use: Use) => (pre: tf.Tensor, cPrev: tf.Tensor | undefined, dh: tf.Tensor, dc: tf.Tensor) =>
        tf.grads((p: tf.Tensor) => {
          const { h, c } = lstmCell(p, cPrev);
          return use === 'h only' ? h : c;
        })([pre], use === 'h only' ? dh : dc);
      expect(await dispatchesOf(inputs, backward('h only'))).toBe(4);
      expect(await dispatchesOf(inputs, backward('c only'))).toBe(4);
      expect(await dispatchesOf(inputs, (pre, _c, dh) => backward('h only')(pre, undefined, dh, dh))).toBe(3);
    });
  });

  describe('Adam (flat moments)', () => {
    const shapes = [[3, 4], [5], [2, 2, 2]];
    const sizes = shapes.map((s) => tf.util.sizeFromShape(s));
    const N = sizes.reduce((a, b) => a + b);
    const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
    const hp = { beta1: 0.9, beta2: 0.999, clipNorm: 1, lr: 0.01, epsilon: 1e-8 };
    // Per step: gradient scale and loss. Step 1 is within the clip norm (‖g‖ ≈ 0.25), step 2 is clipped (‖g‖ ≈ 25);
    // steps 3 and 4 have a NaN and an infinite loss (and NaN gradients) and must change nothing.
    const steps = [
      { scale: 0.05, loss: 2.5 },
      { scale: 5, loss: 2.0 },
      { scale: NaN, loss: NaN },
      { scale: 1, loss: Infinity },
      { scale: 0.5, loss: 1.5 },
    ].map((s) => ({ ...s, grad: Float32Array.from(randn([N]), (g) => g * s.scale) }));
    const params0 = shapes.map((s) => randn(s));

    /** mv and the params after each step, with the given moments and apply functions. */
    async function train(backend: string, moments: typeof fusedAdamMoments, apply: typeof fusedAdamApply) {
      await tf.setBackend(backend);
      let mv = tf.zeros([2 * N]) as tf.Tensor1D;
      let params = params0.map((p, i) => tf.tensor(p, shapes[i]));
      const history: { mv: Float32Array; params: Float32Array[]; dispatches: number }[] = [];
      for (const [t, step] of steps.entries()) {
        const lrT = (hp.lr * Math.sqrt(1 - hp.beta2 ** (t + 1))) / (1 - hp.beta1 ** (t + 1));
        const g = tf.tensor1d(step.grad);
        const sumSquares = tf.sum<tf.Scalar>(tf.square(g));
        const loss = tf.scalar(step.loss);
        let dispatches = -1;
        const update = () => {
          const mv1 = moments(mv, g, sumSquares, loss, hp);
          return [mv1, ...params.map((p, i) => apply(p, mv1, offsets[i], loss, { lrT, epsilon: hp.epsilon, N }))];
        };
        const [mv1, ...params1] =
          backend === 'webgpu'
            ? ((r) => ((dispatches = r.dispatches), r.result))(countWebgpuDispatches(update))
            : update();
        tf.dispose([mv, ...params, g, sumSquares, loss]);
        mv = mv1 as tf.Tensor1D;
        params = params1;
        history.push({
          mv: await mv.data<'float32'>(),
          params: await Promise.all(params.map((p) => p.data<'float32'>())),
          dispatches,
        });
      }
      tf.dispose([mv, ...params]);
      return history;
    }

    it('matches the plain update over 5 steps, with clipping, and skips NaN/Inf-loss steps on the device', async () => {
      const got = await train('webgpu', fusedAdamMoments, fusedAdamApply);
      const want = await train('cpu', adamMomentsPlain, adamApplyPlain);
      for (const [t, step] of got.entries()) {
        expectClose(`step ${t + 1} m|v`, step.mv, want[t].mv);
        step.params.forEach((p, i) => expectClose(`step ${t + 1} param ${i}`, p, want[t].params[i]));
        // 1 moments dispatch + 1 per variable
        expect(step.dispatches, `step ${t + 1} dispatches`).toBe(1 + shapes.length);
      }
      // Skipped steps leave everything bit for bit as it was.
      for (const t of [2, 3]) {
        expect(Array.from(got[t].mv)).toEqual(Array.from(got[1].mv));
        got[t].params.forEach((p, i) => expect(Array.from(p)).toEqual(Array.from(got[1].params[i])));
      }
      // Clipping, checked in float64: step 2's m = β1 m1 + (1 - β1) g · clipNorm/‖g‖ (step 1 was not clipped).
      const g2 = steps[1].grad;
      const norm = Math.sqrt(g2.reduce((s, g) => s + g * g, 0));
      expect(norm).toBeGreaterThan(hp.clipNorm);
      const norm1 = Math.sqrt(steps[0].grad.reduce((s, g) => s + g * g, 0));
      expect(norm1).toBeLessThan(hp.clipNorm);
      const m2 = Float32Array.from(
        g2,
        (g, k) => hp.beta1 * (1 - hp.beta1) * steps[0].grad[k] + (1 - hp.beta1) * g * (hp.clipNorm / norm),
      );
      expectClose('clipped m (float64 reference)', got[1].mv.subarray(0, N), m2);
      // The next finite step moves on from there.
      expect(worstRatio(got[4].mv, got[1].mv)).toBeGreaterThan(1);
    });
  });

  describe('countWebgpuDispatches and registration', () => {
    it('restores the backend after a throw, refuses async blocks and other backends', async () => {
      await tf.setBackend('webgpu');
      const b = tf.backend() as unknown as { recordAndSubmit: unknown };
      const original = b.recordAndSubmit;
      expect(() =>
        countWebgpuDispatches(() => {
          throw new Error('boom');
        }),
      ).toThrow('boom');
      expect(() => countWebgpuDispatches(async () => 1)).toThrow(/synchronous/);
      expect(b.recordAndSubmit).toBe(original);
      await tf.setBackend('cpu');
      expect(() => countWebgpuDispatches(() => 1)).toThrow(/active backend is cpu/);
    });

    it('registerFusedWebgpuKernels is idempotent', () => {
      registerFusedWebgpuKernels();
      registerFusedWebgpuKernels();
      for (const name of [
        'PixelModelsGatedActivation',
        'PixelModelsSoftmaxXentGrad',
        'PixelModelsLstmCell',
        'PixelModelsAdamApply',
      ]) {
        expect(tf.getKernel(name, 'webgpu'), name).toBeDefined();
      }
    });
  });
});

describe('fallbacks: the public ops on cpu and wasm equal the plain compositions on cpu', () => {
  const fg = float([2, 2, 2, 6]);
  const logits = float([1, 2, 2, 1, 4]);
  const levels = int([1, 2, 2, 1], 4);
  const pre = float([3, 8]);
  const cPrev = float([3, 2]);
  const mv = { values: Float32Array.from(randn([8]), Math.abs), shape: [8] };
  const g = float([4]);
  const all =
    (impl: {
      gated: typeof gatedActivationPacked;
      xent: typeof softmaxCrossEntropyPerImage;
      lstm: typeof lstmCell;
      moments: typeof fusedAdamMoments;
      apply: typeof fusedAdamApply;
    }) =>
    (fgT: tf.Tensor, lg: tf.Tensor, lv: tf.Tensor, p: tf.Tensor, c: tf.Tensor, mvT: tf.Tensor, gT: tf.Tensor) => {
      const { h, c: c1 } = impl.lstm(p, c);
      const ss = tf.sum<tf.Scalar>(tf.square(gT));
      const mv1 = impl.moments(mvT as tf.Tensor1D, gT as tf.Tensor1D, ss, tf.scalar(1), {
        beta1: 0.9,
        beta2: 0.99,
        clipNorm: 0.5,
      });
      return [
        impl.gated(fgT),
        ...tf.grads((x: tf.Tensor) => impl.gated(x))([fgT]),
        impl.xent(lg as tf.Tensor5D, lv as tf.Tensor4D),
        ...tf.grads((x: tf.Tensor) => impl.xent(x as tf.Tensor5D, lv as tf.Tensor4D))([lg]),
        h,
        c1,
        mv1,
        impl.apply(tf.ones([2, 2]), mv1, 0, tf.scalar(1), { lrT: 0.1, epsilon: 1e-8, N: 4 }),
      ];
    };
  const fused = {
    gated: gatedActivationPacked,
    xent: softmaxCrossEntropyPerImage,
    lstm: lstmCell,
    moments: fusedAdamMoments,
    apply: fusedAdamApply,
  };
  const plain = {
    gated: gatedActivationPackedPlain,
    xent: softmaxCrossEntropyPerImagePlain,
    lstm: lstmCellPlain,
    moments: adamMomentsPlain,
    apply: adamApplyPlain,
  };
  const names = ['gated', 'd fg', 'xent', 'd logits', 'h', 'c', 'mv', 'param'];

  it.each(['cpu', 'wasm'])('%s', async (backend) => {
    if (backend === 'wasm') await initBackend('wasm');
    const inputs = [fg, logits, levels, pre, cPrev, mv, g];
    const got = await runOn(backend, inputs, all(fused));
    const want = await runOn('cpu', inputs, all(plain));
    expectAllClose(backend, got, want, names);
  });
});
