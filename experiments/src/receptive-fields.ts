/**
 * Receptive fields of every model, measured, not drawn: for random (seeded) weights, the exact set of inputs
 * whose gradient into the logits of one pixel is non-zero (nn's `dependencyMap`, united over several random
 * inputs), against the ideal context (every earlier pixel), at depths 1..N.
 *
 *   npx nx run experiments:receptive-fields [--preset smoke|default|gpu] [--max-depth N] [--size S] ...
 *
 * The science (PixelRNN sec 3.4, Figure 2; Gated PixelCNN sec 2.2, Figure 1):
 *  - PixelCNN and gated masked convolutions without the stack split have a blind spot that no depth removes;
 *  - the Row LSTM sees a triangle above the pixel;
 *  - the Diagonal BiLSTM sees the whole context from its first layer (up to one edge pixel, see below);
 *  - the Gated PixelCNN's vertical and horizontal stacks cover the whole context once deep enough.
 * Depth d means the first masked convolution plus d further layers, for every model (PixelRNN `layers: d`,
 * Gated PixelCNN `layers: d + 1`); kernels are small (3x3 first, then 3) so the growth is visible.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  type AutoregressiveModel,
  checkSeed,
  contextCoverage,
  dependencyMap,
  futureDependencies,
  idealContext,
} from '@pixel-models/nn';
import {
  BACKEND_NAMES,
  type BackendInfo,
  type PlotlyLayout,
  type PlotlyTrace,
  type ReportSection,
  type RunFolder,
  defineFlags,
  describeBackend,
  finishRun,
  openRun,
  parseBackendName,
  parseFlags,
  renderReport,
  runMain,
  runRoots,
} from '@pixel-models/lab';
import { MODEL_KINDS, MODELS, type ModelKind, createModel } from './models/registry';
import { REPO_ROOT } from './repo-root';

export const EXPERIMENT = 'receptive-fields';

/** Every model of the registry, in its order. */
export const RF_MODELS = MODEL_KINDS;
export type RfModel = ModelKind;

export type RfPixel = 'centre' | 'row-end';

export interface RfPreset {
  size: number;
  maxDepth: number;
  /** Features per layer (PixelRNN h, Gated PixelCNN F); the width does not change the field, only the cost. */
  hidden: number;
  /** Random inputs whose non-zero gradients are united (more = less chance of a zero by accident). */
  trials: number;
  note: string;
}

export const RF_PRESETS = {
  smoke: { size: 7, maxDepth: 3, hidden: 4, trials: 2, note: 'seconds: for tests and CI' },
  default: { size: 15, maxDepth: 8, hidden: 8, trials: 3, note: 'under a minute on 2 CPU cores (wasm)' },
  gpu: { size: 28, maxDepth: 14, hidden: 16, trials: 3, note: 'MNIST-sized images and depth: for a GPU' },
} as const satisfies Record<string, RfPreset>;

const FIRST_KERNEL = 3;
const KERNEL = 3;

/** One model of `kind` whose depth is the first masked convolution plus `depth` layers. */
export function createRfModel(kind: RfModel, depth: number, hidden: number, seed: number): AutoregressiveModel {
  return createModel(
    kind,
    {
      channels: 1,
      levels: 2,
      firstKernel: FIRST_KERNEL,
      kernel: KERNEL,
      layers: MODELS[kind].layersAtDepth(depth),
      hidden,
    },
    seed,
  );
}

/** One measured dependency map. */
export interface RfMeasurement {
  model: RfModel;
  depth: number;
  pixel: RfPixel;
  position: [number, number, number];
  /** 0/1 per input pixel, row-major [H * W]. */
  map: Uint8Array;
  coverage: number;
  futureDependencies: number;
  /** Pixels of the ideal context the model does not see, as [row, col]. */
  missed: [number, number][];
}

export interface ReceptiveFieldsResult {
  folder: RunFolder;
  backend: BackendInfo;
  size: number;
  maxDepth: number;
  measurements: RfMeasurement[];
  reportPath: string;
}

const flagSpec = defineFlags({
  preset: { type: 'enum', choices: Object.keys(RF_PRESETS), default: 'default', help: 'image size, depths and trials' },
  'max-depth': { type: 'int', min: 1, max: 64, help: "deepest depth measured (default: the preset's)" },
  size: { type: 'int', min: 3, max: 64, help: "image height and width (default: the preset's)" },
  trials: { type: 'int', min: 1, max: 20, help: "random inputs per map (default: the preset's)" },
  seed: { type: 'int', min: 1, default: 1, help: 'seed for the random weights and inputs' },
  backend: { type: 'enum', choices: BACKEND_NAMES, default: 'auto', help: 'auto | tensorflow | webgpu | wasm | cpu' },
  out: { type: 'string', default: 'results', help: 'results root folder' },
  reports: { type: 'string', default: 'reports', help: 'reports root folder' },
  'run-id': { type: 'string', help: 'name of the run folder (default: a timestamp)' },
});

export function rfPositions(size: number): Record<RfPixel, [number, number, number]> {
  const mid = Math.floor(size / 2);
  return { centre: [mid, mid, 0], 'row-end': [mid, size - 1, 0] };
}

async function measure(
  model: AutoregressiveModel,
  kind: RfModel,
  depth: number,
  pixel: RfPixel,
  position: [number, number, number],
  size: number,
  trials: number,
  seed: number,
): Promise<RfMeasurement> {
  const map = await dependencyMap(model, { height: size, width: size, position, trials, seed });
  const ideal = idealContext(size, size, 1, position);
  const missed: [number, number][] = [];
  ideal.forEach((v, i) => {
    if (v && !map[i]) missed.push([Math.floor(i / size), i % size]);
  });
  return {
    model: kind,
    depth,
    pixel,
    position,
    map,
    coverage: contextCoverage(map, ideal),
    futureDependencies: futureDependencies(map, ideal, position, size, 1),
    missed,
  };
}

/** Runs the experiment from command-line arguments; `root` is the repository root. */
export async function runReceptiveFields(argv: string[], root: string): Promise<ReceptiveFieldsResult> {
  const flags = parseFlags(flagSpec, argv, { usage: `npx nx run experiments:${EXPERIMENT} [--flag value ...]` });
  const preset: RfPreset = RF_PRESETS[flags.preset as keyof typeof RF_PRESETS];
  const size = flags.size ?? preset.size;
  const maxDepth = flags['max-depth'] ?? preset.maxDepth;
  const trials = flags.trials ?? preset.trials;
  const seed = checkSeed(flags.seed);
  const roots = runRoots(argv, flags, root);
  const positions = rfPositions(size);
  const run = await openRun({
    experiment: EXPERIMENT,
    roots,
    backend: parseBackendName(flags.backend),
    seed,
    preset: flags.preset,
    seedGlobal: true,
    runId: flags['run-id'],
    header: (backend) =>
      `Receptive fields: preset ${flags.preset}, ${size}x${size} image, depths 1..${maxDepth}, seed ${seed}, ${describeBackend(backend)}`,
    config: {
      experiment: EXPERIMENT,
      preset: flags.preset,
      seed,
      size,
      maxDepth,
      trials,
      hidden: preset.hidden,
      firstKernel: FIRST_KERNEL,
      kernel: KERNEL,
      models: RF_MODELS,
      pixels: positions,
      depth:
        'the first masked convolution plus `depth` layers (PixelRNN layers = depth, Gated PixelCNN layers = depth + 1)',
    },
  });
  const { folder, backend } = run;

  const measurements: RfMeasurement[] = [];
  for (const kind of RF_MODELS) {
    const t0 = Date.now();
    for (let depth = 1; depth <= maxDepth; depth++) {
      const model = createRfModel(kind, depth, preset.hidden, seed);
      for (const [pixel, position] of Object.entries(positions) as [RfPixel, [number, number, number]][]) {
        measurements.push(await measure(model, kind, depth, pixel, position, size, trials, seed));
      }
      model.dispose();
    }
    console.log(
      `  ${MODELS[kind].label.padEnd(22)} depths 1..${maxDepth} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
  tf.disposeVariables();

  folder.writeCsv(
    'coverage.csv',
    measurements.map((m) => ({
      model: m.model,
      depth: m.depth,
      pixel: m.pixel,
      row: m.position[0],
      col: m.position[1],
      coverage: m.coverage,
      future_dependencies: m.futureDependencies,
      missed: m.missed.length,
    })),
    ['model', 'depth', 'pixel', 'row', 'col', 'coverage', 'future_dependencies', 'missed'],
  );
  const at = (kind: RfModel, depth: number, pixel: RfPixel) =>
    measurements.find((m) => m.model === kind && m.depth === depth && m.pixel === pixel)!;
  const summary: Record<string, number> = {};
  for (const kind of RF_MODELS) summary[`${kind} centre coverage`] = at(kind, maxDepth, 'centre').coverage;
  summary['future dependencies'] = measurements.reduce((n, m) => n + m.futureDependencies, 0);
  const rows = RF_MODELS.map((k) => [
    MODELS[k].label,
    at(k, maxDepth, 'centre').coverage.toFixed(3),
    at(k, maxDepth, 'row-end').coverage.toFixed(3),
    String(at(k, maxDepth, 'centre').futureDependencies + at(k, maxDepth, 'row-end').futureDependencies),
  ]);
  const head = ['model', 'centre', 'row end', 'future deps'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
  const { reportPath } = finishRun(run, {
    summary,
    cwd: root,
    html: (manifest) =>
      renderReport({
        title: 'Receptive fields: PixelCNN, Row LSTM, Diagonal BiLSTM, Gated PixelCNN',
        subtitle: `run ${folder.runId} · preset ${flags.preset} · ${size}x${size} image · seed ${seed} · ${describeBackend(backend)} · ${manifest.wallSeconds?.toFixed(0)} s`,
        sections: reportSections(measurements, size, maxDepth, positions),
      }),
    message: () =>
      `\ncoverage of the ideal context at depth ${maxDepth} (centre ${positions.centre.slice(0, 2).join(',')}, row end ${positions['row-end'].slice(0, 2).join(',')}):\n${[head, ...rows].map(line).join('\n')}`,
  });
  return { folder, backend, size, maxDepth, measurements, reportPath };
}

// ---- report ----

/** Cell categories of a heatmap: later pixel unseen, context missed, context seen, later pixel seen. */
const CATEGORY_NAMES = [
  'later pixel, not seen',
  'context, MISSED (blind spot)',
  'context, seen',
  'later pixel, SEEN (breaks the order)',
];
const CATEGORY_SCALE = [
  [0, '#f5f7fa'],
  [0.25, '#f5f7fa'],
  [0.25, '#e4572e'],
  [0.5, '#e4572e'],
  [0.5, '#2f6fad'],
  [0.75, '#2f6fad'],
  [0.75, '#000000'],
  [1, '#000000'],
];

function categories(map: Uint8Array | undefined, size: number, [r, c]: [number, number, number]): number[][] {
  const target = r * size + c;
  return Array.from({ length: size }, (_, row) =>
    Array.from({ length: size }, (_, col) => {
      const i = row * size + col;
      const inContext = i < target;
      const seen = map ? map[i] === 1 : inContext; // no map: the ideal context
      return inContext ? (seen ? 2 : 1) : seen ? 3 : 0;
    }),
  );
}

interface Panel {
  title: string;
  map?: Uint8Array;
}

/** Rows of heatmaps side by side (one Plotly subplot each), row 0 of each image at the top, the target marked. */
function heatmapGrid(
  rows: Panel[][],
  size: number,
  position: [number, number, number],
): { data: PlotlyTrace[]; layout: PlotlyLayout } {
  const columns = Math.max(...rows.map((r) => r.length));
  const data: PlotlyTrace[] = [];
  const annotations: Record<string, unknown>[] = [];
  const layout: PlotlyLayout = {
    grid: { rows: rows.length, columns, pattern: 'independent', xgap: 0.06, ygap: 0.14 },
    height: 40 + 200 * rows.length,
    margin: { t: 30, b: 5, l: 10, r: 10 },
    showlegend: false,
    annotations,
  };
  rows.forEach((row, ri) =>
    row.forEach((p, ci) => {
      const n = ri * columns + ci + 1;
      const s = n === 1 ? '' : String(n);
      const z = categories(p.map, size, position);
      data.push({
        type: 'heatmap',
        z,
        xaxis: `x${s}`,
        yaxis: `y${s}`,
        zmin: 0,
        zmax: 3,
        colorscale: CATEGORY_SCALE,
        showscale: false,
        xgap: 1,
        ygap: 1,
        text: z.map((r) => r.map((v) => CATEGORY_NAMES[v])),
        hovertemplate: 'row %{y}, col %{x}: %{text}<extra></extra>',
      });
      data.push({
        type: 'scatter',
        mode: 'markers',
        x: [position[1]],
        y: [position[0]],
        xaxis: `x${s}`,
        yaxis: `y${s}`,
        hoverinfo: 'skip',
        marker: { symbol: 'x', size: 11, color: '#ffd500', line: { color: '#000000', width: 1 } },
      });
      layout[`xaxis${s}`] = {
        showticklabels: false,
        ticks: '',
        showgrid: false,
        zeroline: false,
        constrain: 'domain',
        range: [-0.5, size - 0.5],
      };
      layout[`yaxis${s}`] = {
        autorange: 'reversed',
        showticklabels: false,
        ticks: '',
        showgrid: false,
        zeroline: false,
        scaleanchor: `x${s}`,
        constrain: 'domain',
      };
      annotations.push({
        text: p.title,
        xref: `x${s} domain`,
        yref: `y${s} domain`,
        x: 0.5,
        y: 1.02,
        xanchor: 'center',
        yanchor: 'bottom',
        showarrow: false,
        font: { size: 12 },
      });
    }),
  );
  return { data, layout };
}

const LEGEND =
  'Blue: earlier pixels the model sees; red: earlier pixels it misses (blind spot); light grey: later pixels, not seen; ' +
  'black (none expected): later pixels seen, which would break the autoregressive order. ✕ marks the predicted pixel.';

function reportSections(
  ms: RfMeasurement[],
  size: number,
  maxDepth: number,
  positions: Record<RfPixel, [number, number, number]>,
): ReportSection[] {
  const at = (kind: RfModel, depth: number, pixel: RfPixel) =>
    ms.find((m) => m.model === kind && m.depth === depth && m.pixel === pixel)!;
  const pct = (v: number) => `${(100 * v).toFixed(1)}%`;
  const rc = (p: [number, number, number] | [number, number]) => `(${p[0]}, ${p[1]})`;
  const centre = positions.centre;
  const rowEnd = positions['row-end'];
  const heatmaps = (pixel: RfPixel): ReportSection => ({
    kind: 'plot',
    title: `Dependency maps of the ${pixel === 'centre' ? 'centre' : 'last'} pixel ${rc(positions[pixel])}: depth ${maxDepth} (top) and depth 1 (bottom)`,
    ...heatmapGrid(
      [maxDepth, 1].map((depth) => [
        { title: 'ideal context' },
        ...RF_MODELS.map((k) => ({ title: `${MODELS[k].label}, depth ${depth}`, map: at(k, depth, pixel).map })),
      ]),
      size,
      positions[pixel],
    ),
    note: LEGEND,
  });

  const lines: PlotlyTrace[] = RF_MODELS.flatMap((k) =>
    (['centre', 'row-end'] as const).map((pixel) => ({
      type: 'scatter',
      mode: 'lines+markers',
      name: `${MODELS[k].label} (${pixel === 'centre' ? 'centre' : 'row end'})`,
      x: Array.from({ length: maxDepth }, (_, i) => i + 1),
      y: Array.from({ length: maxDepth }, (_, i) => at(k, i + 1, pixel).coverage),
      line: { color: MODELS[k].colour, dash: pixel === 'centre' ? 'solid' : 'dot' },
      marker: { color: MODELS[k].colour },
    })),
  );

  const diag = at('diagonal-bilstm', maxDepth, 'centre');
  const diagEnd = at('diagonal-bilstm', maxDepth, 'row-end');
  const gated = RF_MODELS.includes('gated-pixelcnn')
    ? ms.filter((m) => m.model === 'gated-pixelcnn' && m.pixel === 'centre' && m.coverage === 1).map((m) => m.depth)
    : [];
  const future = ms.reduce((n, m) => n + m.futureDependencies, 0);
  const blind = (k: RfModel) =>
    Math.max(...ms.filter((m) => m.model === k && m.pixel === 'centre').map((m) => m.coverage));
  const diagText =
    diag.missed.length === 0
      ? `The Diagonal BiLSTM sees the whole context of the centre pixel from depth 1.`
      : `The Diagonal BiLSTM misses ${diag.missed.length} pixel(s) of the centre pixel's context at every depth: ${diag.missed.map(rc).join(', ')} ` +
        `(coverage ${pct(diag.coverage)}). This is a real property of the model as implemented (documented in libs/pixelrnn/src/diagonal-bilstm.ts), ` +
        `not a measurement error: the mirrored right-to-left pass reads row r-1 only through features that never read the last pixel of that row, ` +
        `so (r-1, W-1) reaches (r, c) only through the first ${FIRST_KERNEL}x${FIRST_KERNEL} mask-A kernel, i.e. only when c + ${Math.floor(FIRST_KERNEL / 2)} >= W-1. ` +
        `For the last pixel of the row the kernel reaches it and the coverage is ${pct(diagEnd.coverage)}. A larger first kernel only narrows the effect: with the paper's 7x7 kernel, every pixel 4 or more columns from the right edge still misses (r-1, W-1).`;

  return [
    {
      kind: 'text',
      paragraphs: [
        `Each map is the set of input pixels with a non-zero gradient into the logits of one pixel, for random seeded weights, united over several random inputs ` +
          `(nn's dependencyMap). Coverage is the fraction of the ideal context (every earlier pixel in raster order) that the model sees. ` +
          `Depth d is the first ${FIRST_KERNEL}x${FIRST_KERNEL} masked convolution plus d layers (kernel ${KERNEL}); every model gets the same d.`,
        `PixelCNN (best centre coverage ${pct(blind('pixelcnn'))}) and the gated model without the vertical/horizontal split (${pct(blind('gated-masked'))}) keep a blind spot ` +
          `above-right of the pixel at every depth. The Row LSTM's field is a triangle above the pixel (${pct(at('row-lstm', maxDepth, 'centre').coverage)} at depth ${maxDepth}). ` +
          (gated.length
            ? `The Gated PixelCNN covers the whole context from depth ${Math.min(...gated)} on.`
            : `The Gated PixelCNN does not yet cover the whole context at depth ${maxDepth}: its field grows by one pixel per layer; try a larger --max-depth.`),
        diagText,
        future === 0
          ? 'No model depends on any later pixel or on the pixel it predicts (0 future dependencies in every map).'
          : `WARNING: ${future} future dependencies found: a model sees pixels it must not.`,
      ],
    },
    heatmaps('centre'),
    heatmaps('row-end'),
    {
      kind: 'plot',
      title: 'Coverage of the ideal context vs depth',
      data: lines,
      layout: {
        xaxis: { title: { text: 'depth (layers after the first masked convolution)' }, dtick: 1 },
        yaxis: { title: { text: 'coverage' }, range: [0, 1.05] },
        height: 420,
      },
      note: `Solid: centre pixel ${rc(centre)}; dotted: last pixel of the middle row ${rc(rowEnd)}.${overlapNote(ms)}`,
    },
    {
      kind: 'table',
      title: `Coverage at depth ${maxDepth}`,
      columns: ['model', `centre ${rc(centre)}`, `row end ${rc(rowEnd)}`, 'missed (centre)', 'future dependencies'],
      rows: RF_MODELS.map((k) => [
        MODELS[k].label,
        pct(at(k, maxDepth, 'centre').coverage),
        pct(at(k, maxDepth, 'row-end').coverage),
        at(k, maxDepth, 'centre').missed.length,
        at(k, maxDepth, 'centre').futureDependencies + at(k, maxDepth, 'row-end').futureDependencies,
      ]),
      note: 'Every depth and pixel is in coverage.csv in the run folder.',
    },
  ];
}

/** Names the models whose coverage curves coincide (their lines hide each other in the plot). */
function overlapNote(ms: RfMeasurement[]): string {
  const series = (k: RfModel) =>
    ms
      .filter((m) => m.model === k)
      .map((m) => m.coverage)
      .join(',');
  const pairs: string[] = [];
  RF_MODELS.forEach((a, i) =>
    RF_MODELS.slice(i + 1).forEach(
      (b) => series(a) === series(b) && pairs.push(`${MODELS[a].label} and ${MODELS[b].label}`),
    ),
  );
  return pairs.length
    ? ` Identical curves hide each other: ${pairs.join('; ')} have the same coverage at every depth.`
    : '';
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runMain(() => runReceptiveFields(process.argv.slice(2), REPO_ROOT).then(() => undefined));
}
