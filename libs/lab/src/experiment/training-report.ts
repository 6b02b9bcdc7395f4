/**
 * The report of one training run: learning curves, the sample grid, and the test NLL beside the papers'
 * binarized-MNIST numbers (labelled as paper numbers, with this run's budget on its own bar). A conditional NLL
 * (-log p(x | code of x)) is labelled as such and never drawn beside the papers' unconditional numbers.
 */
import { PAPER_BINARIZED_MNIST_NATS } from '../paper-results';
import { renderReport, type ReportSection } from '../report';
import type { Manifest } from '../results';
import type { NllResult } from '../training/evaluate';
import { OPTIMIZER_LABELS } from '@pixel-models/nn';
import { type EpochMetrics, learningRateLabel, optimizerOf } from '../training/trainer';
import type { CurvePoint } from './fit';
import type { RunConfig } from './run-config';

/** What a conditional NLL is conditioned on, e.g. `the code of x` (read as -log p(x | the code of x)). */
export interface ConditionalNll {
  given: string;
  /** Where the condition comes from, e.g. `computed from the very test image it scores`. */
  source: string;
}

/** The name of the test NLL in printed lines and reports: conditional ones say what they are conditioned on. */
export function testNllName(conditional?: ConditionalNll): string {
  return conditional ? `conditional test NLL -log p(x | ${conditional.given})` : 'test NLL';
}

/** Why a conditional NLL stands alone: the code is computed from the image it scores. */
export function conditionalNllNote(conditional: ConditionalNll, hasBaseline: boolean): string {
  return (
    `This is -log p(x | ${conditional.given}), with ${conditional.given} ${conditional.source}, so it is not ` +
    "an NLL of x alone and is not comparable to unconditional NLLs -log p(x): the papers' binarized-MNIST numbers " +
    '(PixelRNN paper, Table 4) are left out of this report for that reason' +
    (hasBaseline ? '; the unconditional baseline is shown for reference, not as a like-for-like comparison.' : '.')
  );
}

export interface TrainingReportInput<M> {
  experiment: {
    name: string;
    title: string;
    conditionalNll?: ConditionalNll;
    presets?: Record<string, { note: string }>;
  };
  config: RunConfig<M>;
  history: EpochMetrics[];
  curve: CurvePoint[];
  test: NllResult;
  manifest: Manifest;
  samplesPng?: Buffer;
  samplesCaption?: string;
  parameters: number;
  modelName: string;
  baseline?: { name: string; test: NllResult; history: EpochMetrics[] };
  extraSections?: ReportSection[];
  /** Which binarization the NLLs were measured on (binarized MNIST only): fixed (.amat) or stochastic. */
  binarization?: string;
}

export function budgetLabel(history: EpochMetrics[], manifest: Manifest): string {
  const minutes = history.reduce((s, h) => s + h.seconds, 0) / 60;
  return `${history.length} epoch(s), ${minutes.toFixed(1)} min training on ${manifest.backend} (${manifest.device})`;
}

/** A y range that keeps the interesting part visible: from the best value to the 90th-percentile curve value. */
function yRange<M>(r: TrainingReportInput<M>): [number, number] | undefined {
  const values = [...r.curve.map((c) => c.nats), ...r.history.flatMap((h) => [h.trainNats, h.validationNats])].sort(
    (a, b) => a - b,
  );
  if (values.length < 3) return undefined;
  const lo = values[0];
  const hi = values[Math.floor(values.length * 0.9)];
  return [lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)];
}

export function trainingReport<M>(r: TrainingReportInput<M>): string {
  const epochs = r.history.map((h) => h.epoch);
  const curve = (name: string, y: number[], dash?: string) => ({
    type: 'scatter',
    mode: 'lines+markers',
    name,
    x: epochs,
    y,
    line: dash ? { dash } : {},
  });
  const binary = r.config.model.levels === 2 && r.config.model.channels === 1;
  const toBits = r.test.bitsPerDim / r.test.nats; // 1 / (H W C ln 2)
  const sections: ReportSection[] = [
    {
      kind: 'plot',
      title: 'Learning curves (NLL, nats per image)',
      data: [
        {
          type: 'scatter',
          mode: 'lines',
          name: 'train (mean over each ~2% of an epoch)',
          x: r.curve.map((c) => c.epoch),
          y: r.curve.map((c) => c.nats),
        },
        curve(
          'train (epoch mean)',
          r.history.map((h) => h.trainNats),
        ),
        curve(
          'validation (end of epoch)',
          r.history.map((h) => h.validationNats),
          'dot',
        ),
      ],
      layout: { xaxis: { title: { text: 'epoch' } }, yaxis: { title: { text: 'nats / image' }, range: yRange(r) } },
      note: 'The first batches of a fresh model lose hundreds of nats; the axis starts where training settles.',
    },
    {
      kind: 'plot',
      title: 'Learning curves (bits per dimension)',
      data: [
        {
          type: 'scatter',
          mode: 'lines',
          name: 'train (mean over each ~2% of an epoch)',
          x: r.curve.map((c) => c.epoch),
          y: r.curve.map((c) => c.nats * toBits),
        },
        curve(
          'validation (end of epoch)',
          r.history.map((h) => h.validationBitsPerDim),
          'dot',
        ),
      ],
      layout: {
        xaxis: { title: { text: 'epoch' } },
        yaxis: { title: { text: 'bits / dim' }, range: yRange(r)?.map((v) => v * toBits) },
      },
    },
  ];
  const measuredOn = r.binarization ?? 'data in the Run table';
  const trainedWith = `${OPTIMIZER_LABELS[optimizerOf(r.config.train)]} (${learningRateLabel(r.config.train)})`;
  const conditional = r.experiment.conditionalNll;
  const scored = `${r.test.images.toLocaleString('en')} test images`;
  if (binary && !conditional) {
    const label = `this run: ${r.modelName} (${budgetLabel(r.history, r.manifest)}; ${scored})`;
    const rows = [
      ...PAPER_BINARIZED_MNIST_NATS.map((p) => ({ name: `paper: ${p.model}`, value: p.value, paper: true })),
      ...(r.baseline
        ? [{ name: `this run, baseline: ${r.baseline.name}`, value: r.baseline.test.nats, paper: false }]
        : []),
      { name: label, value: r.test.nats, paper: false },
    ];
    sections.push({
      kind: 'plot',
      title: `Test NLL on binarized MNIST: paper numbers beside this run (scored on ${scored})`,
      data: [
        {
          type: 'bar',
          orientation: 'h',
          x: rows.map((x) => x.value),
          y: rows.map((x) => x.name),
          marker: { color: rows.map((x) => (x.paper ? '#9aa5b1' : '#d9480f')) },
          text: rows.map((x) => x.value.toFixed(2)),
          textposition: 'outside',
          cliponaxis: false,
        },
      ],
      layout: {
        xaxis: {
          title: { text: 'test NLL, nats (lower is better)' },
          range: [0, Math.max(...rows.map((x) => x.value)) * 1.15],
        },
        yaxis: { automargin: true },
        margin: { l: 20 },
        height: 380,
      },
    });
    sections.push({
      kind: 'table',
      title: 'Test NLL',
      columns: ['model', 'test NLL (nats)', 'source'],
      rows: [
        ...PAPER_BINARIZED_MNIST_NATS.map((p) => [p.model, p.value.toFixed(2), `paper number: ${p.source}`]),
        ...(r.baseline
          ? [
              [
                r.baseline.name,
                r.baseline.test.nats.toFixed(2),
                `measured by this run (baseline, same data, budget and seed) on ${r.baseline.test.images.toLocaleString('en')} test images: ${budgetLabel(r.baseline.history, r.manifest)}`,
              ],
            ]
          : []),
        [
          r.modelName,
          r.test.nats.toFixed(2),
          `measured by this run on ${scored} (${measuredOn}), trained with ${trainedWith}: ${budgetLabel(r.history, r.manifest)}`,
        ],
      ],
      note: `Paper numbers use the fixed binarization of Larochelle & Murray and train to convergence; this run's NLLs are measured on the ${measuredOn}, trained with ${trainedWith} for the budget shown.`,
    });
  } else {
    const row = (name: string, t: NllResult) => [name, t.nats.toFixed(2), t.bitsPerDim.toFixed(4), t.images];
    const baselineName =
      r.baseline && `${r.baseline.name} (baseline${conditional ? ': unconditional, -log p(x)' : ''})`;
    sections.push({
      kind: 'table',
      title: conditional ? 'Conditional test NLL' : 'Test NLL',
      columns: ['model', 'nats / image', 'bits / dim', 'test images scored'],
      rows: [
        ...(r.baseline && baselineName ? [row(baselineName, r.baseline.test)] : []),
        row(conditional ? `${r.modelName}: ${testNllName(conditional)}` : r.modelName, r.test),
      ],
      note: conditional ? conditionalNllNote(conditional, r.baseline !== undefined) : undefined,
    });
  }
  if (r.samplesPng) {
    sections.push({
      kind: 'image',
      title: 'Samples',
      pngBase64: r.samplesPng.toString('base64'),
      alt: 'sampled images',
      caption: `${r.config.samples} samples, temperature ${r.config.temperature}, seed ${r.config.seed}. ${r.samplesCaption ?? ''}`,
    });
  }
  sections.push(...(r.extraSections ?? []));
  sections.push({
    kind: 'table',
    title: 'Run',
    columns: ['field', 'value'],
    rows: [
      ['model', `${r.modelName}, ${r.parameters.toLocaleString('en')} parameters`],
      ['preset', `${r.config.preset}: ${r.experiment.presets?.[r.config.preset]?.note ?? ''}`],
      ['model config', JSON.stringify(r.config.model)],
      ['optimizer', trainedWith],
      ['training', JSON.stringify(r.config.train)],
      ...(r.binarization ? [['NLLs measured on', r.binarization]] : []),
      ['data', JSON.stringify(r.config.data)],
      ['backend', `${r.manifest.backend} on ${r.manifest.device}`],
      ['commit', `${r.manifest.git.commit ?? 'unknown'}${r.manifest.git.dirty ? ' (dirty)' : ''}`],
      ['wall time', `${r.manifest.wallSeconds?.toFixed(0) ?? '?'} s`],
    ],
  });
  return renderReport({
    title: `${r.experiment.title} — run ${r.manifest.runId}`,
    subtitle: `preset ${r.config.preset}, seed ${r.config.seed}`,
    sections,
  });
}
