/**
 * Sweep specs: a JSON file listing runs of existing experiments, expanded (every combination of each block's
 * `grid`) and validated before anything starts. An unknown experiment, flag or value is a ConfigError. A block of a
 * comparison (paper-tables, the ablations) expands further into one run per model and seed (`--only group/entry
 * --seed S --seeds 1`), so each is its own task; --collect merges them back into the comparison.
 *
 *   { "name": "pixelrnn-seeds",
 *     "runs": [ { "experiment": "mnist-pixelrnn", "flags": { "preset": "smoke" },
 *                 "grid": { "model": ["pixelcnn", "row-lstm"], "seed": [1, 2, 3] } } ],
 *     "slurm": { "partition": "gpu", "time": "04:00:00", "gres": "gpu:1", "cpusPerTask": 4, "mem": "16G" } }
 */
import fs from 'node:fs';
import { ConfigError, LR_SCHEDULES, OPTIMIZER_NAMES } from '@pixel-models/nn';
import { BACKEND_NAMES, type ComparisonExperiment, type TrainingExperiment, selectGroups } from '@pixel-models/lab';

export type FlagValue = string | number | boolean;

/** One run: an experiment and its flags (without --out, --reports, --run-id and --resume, which the sweep sets). */
export interface SweepRun {
  experiment: string;
  flags: Record<string, FlagValue>;
}

export interface SlurmOptions {
  partition?: string;
  time?: string;
  gres?: string;
  cpusPerTask?: number;
  mem?: string;
  /** Further `#SBATCH` lines, e.g. "--account=abc". */
  extra?: string[];
}

export interface SweepSpec {
  name: string;
  runs: SweepRun[];
  slurm: SlurmOptions;
}

type TrainingEntry = {
  kind: 'training';
  script: string;
  load: () => Promise<TrainingExperiment<unknown, never>>;
};
type ComparisonEntry = { kind: 'comparison'; script: string; load: () => Promise<ComparisonExperiment> };

const training = (script: string, load: () => Promise<unknown>): TrainingEntry => ({
  kind: 'training',
  script: `experiments/src/${script}.ts`,
  load: load as TrainingEntry['load'],
});
const comparison = (script: string, load: () => Promise<ComparisonExperiment>): ComparisonEntry => ({
  kind: 'comparison',
  script: `experiments/src/${script}.ts`,
  load,
});

/** The experiments a sweep can run, and the module that declares each. */
export const SWEEP_EXPERIMENTS: Record<string, TrainingEntry | ComparisonEntry> = {
  'mnist-gated': training('mnist-gated', async () => (await import('../mnist-gated')).mnistGated),
  'mnist-pixelrnn': training('mnist-pixelrnn', async () => (await import('../mnist-pixelrnn')).mnistPixelRnn),
  'mnist-class-conditional': training(
    'mnist-class-conditional',
    async () => (await import('../mnist-class-conditional')).mnistClassConditional,
  ),
  'mnist-embedding-conditional': training(
    'mnist-embedding-conditional',
    async () => (await import('../mnist-embedding-conditional')).mnistEmbeddingConditional,
  ),
  'mnist-autoencoder': training(
    'mnist-autoencoder',
    async () => (await import('../mnist-autoencoder')).mnistAutoencoder,
  ),
  'paper-tables': comparison('paper-tables', async () => (await import('../paper-tables')).paperTables),
  'ablation-blind-spot': comparison(
    'ablation-blind-spot',
    async () => (await import('../ablation-blind-spot')).ablationBlindSpot,
  ),
  'ablation-masks': comparison('ablation-masks', async () => (await import('../ablation-masks')).ablationMasks),
};

type Kind = 'int' | 'float' | 'string' | 'bool' | 'enum';
/**
 * The flags of the training runner (libs/lab/src/experiment/run-training.ts), with their types. Kept in step
 * by hand: that module does not export its flag spec. `preset` and `model` are checked against the experiment.
 */
type FlagDef = { kind: Kind; choices?: readonly string[]; min?: number; max?: number };
const TRAINING_FLAGS: Record<string, FlagDef> = {
  model: { kind: 'enum' },
  preset: { kind: 'enum' },
  levels: { kind: 'int', min: 2, max: 256 },
  epochs: { kind: 'int', min: 1 },
  batch: { kind: 'int', min: 1 },
  lr: { kind: 'float', min: 0 },
  'lr-schedule': { kind: 'enum', choices: LR_SCHEDULES },
  optimizer: { kind: 'enum', choices: OPTIMIZER_NAMES },
  clip: { kind: 'float', min: 0 },
  seed: { kind: 'int', min: 1 },
  backend: { kind: 'enum', choices: BACKEND_NAMES },
  'data-dir': { kind: 'string' },
  'binarized-mnist': { kind: 'string' },
  'train-images': { kind: 'int', min: 1 },
  'test-images': { kind: 'int', min: 1 },
  samples: { kind: 'int', min: 0 },
  temperature: { kind: 'float', min: 0 },
  threads: { kind: 'int', min: 1 },
};
/** The flags of runComparison (libs/lab/src/experiment/comparison.ts); `preset` is checked against the experiment. */
const COMPARISON_FLAGS: Record<string, FlagDef> = {
  preset: { kind: 'enum' },
  seed: { kind: 'int', min: 1 },
  seeds: { kind: 'int', min: 1 },
  epochs: { kind: 'int', min: 1 },
  'train-images': { kind: 'int', min: 1 },
  'test-images': { kind: 'int', min: 1 },
  only: { kind: 'string' },
  backend: { kind: 'enum', choices: BACKEND_NAMES },
  'data-dir': { kind: 'string' },
  'binarized-mnist': { kind: 'string' },
  'cifar-dir': { kind: 'string' },
  optimizer: { kind: 'enum', choices: OPTIMIZER_NAMES },
  'lr-schedule': { kind: 'enum', choices: LR_SCHEDULES },
  threads: { kind: 'int', min: 1 },
};
/** Set by the sweep for every run: a spec that names them is refused. */
export const SWEEP_OWNED_FLAGS = ['out', 'reports', 'run-id', 'resume'];

const SLURM_KEYS = ['partition', 'time', 'gres', 'cpusPerTask', 'mem', 'extra'];
const NAME = /^[A-Za-z0-9._-]+$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every combination of the grid's values, in the order the grid lists them (last key fastest). */
function product(grid: Record<string, FlagValue[]>): Record<string, FlagValue>[] {
  return Object.entries(grid).reduce<Record<string, FlagValue>[]>(
    (acc, [k, values]) => acc.flatMap((a) => values.map((v) => ({ ...a, [k]: v }))),
    [{}],
  );
}

/** Checks one run's flags against its experiment; `where` names the run in messages. */
export function checkRunFlags(
  exp: TrainingExperiment<unknown, never> | ComparisonExperiment,
  flags: Record<string, FlagValue>,
  where: string,
): void {
  const known = 'groups' in exp ? COMPARISON_FLAGS : TRAINING_FLAGS;
  const variants = 'variants' in exp ? exp.variants : undefined;
  const renamed = 'renamedPresets' in exp ? exp.renamedPresets : undefined;
  for (const [name, value] of Object.entries(flags)) {
    if (SWEEP_OWNED_FLAGS.includes(name))
      throw new ConfigError(`${where}: --${name} is set by the sweep for every run; leave it out of the spec`);
    const def = known[name];
    if (!def)
      throw new ConfigError(
        `${where}: unknown flag --${name} for ${exp.name}; flags: ${Object.keys(known).join(', ')}`,
      );
    const choices =
      name === 'preset' ? Object.keys(exp.presets) : name === 'model' ? (variants?.choices ?? []) : def.choices;
    if (name === 'model' && !variants)
      throw new ConfigError(`${where}: ${exp.name} has one model: --model is not a flag of it`);
    if (name === 'preset' && renamed && Object.hasOwn(renamed, String(value))) {
      throw new ConfigError(`${where}: --preset ${value} was renamed: use --preset ${renamed[String(value)]}`);
    }
    const bad = (what: string) => new ConfigError(`${where}: --${name} ${what}, got ${JSON.stringify(value)}`);
    switch (def.kind) {
      case 'int':
      case 'float':
        if (typeof value !== 'number' || !Number.isFinite(value) || (def.kind === 'int' && !Number.isInteger(value)))
          throw bad(`needs ${def.kind === 'int' ? 'an integer' : 'a number'}`);
        if (def.min !== undefined && value < def.min) throw bad(`must be at least ${def.min}`);
        if (def.max !== undefined && value > def.max) throw bad(`must be at most ${def.max}`);
        break;
      case 'enum':
        if (!choices?.includes(String(value))) throw bad(`must be one of ${choices?.join(', ')}`);
        break;
      case 'bool':
        if (typeof value !== 'boolean') throw bad('needs true or false');
        break;
      default:
        if (typeof value !== 'string' || value === '') throw bad('needs a non-empty string');
    }
  }
}

/**
 * One run per model and seed of a comparison: the groups and models --only selects (all by default), seeds
 * --seed .. --seed + --seeds - 1 (the preset's count by default), each as `--only group/entry --seed S --seeds 1`.
 */
export function comparisonCells(
  exp: ComparisonExperiment,
  flags: Record<string, FlagValue>,
  where: string,
): Record<string, FlagValue>[] {
  const { only, seed = 1, seeds, ...rest } = flags;
  const preset = String(flags.preset ?? exp.defaultPreset);
  const cifarDir = flags['cifar-dir'] === undefined ? undefined : String(flags['cifar-dir']);
  let groups = exp.groups({ preset, cifarDir });
  try {
    if (only !== undefined) groups = selectGroups(groups, String(only));
  } catch (e) {
    throw new ConfigError(`${where}: ${(e as Error).message}`);
  }
  const count = Number(seeds ?? exp.presets[preset].seeds);
  return groups.flatMap((g) =>
    g.entries.flatMap((e) =>
      Array.from({ length: count }, (_, i) => ({
        ...rest,
        only: `${g.key}/${e.key}`,
        seed: Number(seed) + i,
        seeds: 1,
      })),
    ),
  );
}

/** Parses and validates a spec (already read as JSON); loads each named experiment to check presets and models. */
export async function validateSpec(raw: unknown, source = 'spec'): Promise<SweepSpec> {
  if (!isObject(raw)) throw new ConfigError(`${source}: a sweep spec is a JSON object with "name" and "runs"`);
  const unknownKeys = Object.keys(raw).filter((k) => !['name', 'runs', 'slurm', 'description'].includes(k));
  if (unknownKeys.length)
    throw new ConfigError(`${source}: unknown key(s) ${unknownKeys.join(', ')}; keys: name, runs, slurm, description`);
  const name = raw.name;
  if (typeof name !== 'string' || !NAME.test(name))
    throw new ConfigError(`${source}: "name" must be letters, digits, '.', '_' or '-', got ${JSON.stringify(name)}`);
  if (!Array.isArray(raw.runs) || raw.runs.length === 0)
    throw new ConfigError(`${source}: "runs" must be a non-empty list of { experiment, flags, grid }`);
  const runs: SweepRun[] = [];
  for (const [i, block] of raw.runs.entries()) {
    const where = `${source}: runs[${i}]`;
    if (!isObject(block)) throw new ConfigError(`${where} must be an object { experiment, flags, grid }`);
    const extra = Object.keys(block).filter((k) => !['experiment', 'flags', 'grid'].includes(k));
    if (extra.length)
      throw new ConfigError(`${where}: unknown key(s) ${extra.join(', ')}; keys: experiment, flags, grid`);
    const entry = typeof block.experiment === 'string' ? SWEEP_EXPERIMENTS[block.experiment] : undefined;
    if (!entry)
      throw new ConfigError(
        `${where}: unknown experiment ${JSON.stringify(block.experiment)}; a sweep runs one of ${Object.keys(SWEEP_EXPERIMENTS).join(', ')}`,
      );
    const exp = await entry.load();
    const flags = block.flags ?? {};
    const grid = block.grid ?? {};
    if (!isObject(flags)) throw new ConfigError(`${where}: "flags" must be an object of flag: value`);
    if (!isObject(grid) || Object.values(grid).some((v) => !Array.isArray(v) || v.length === 0))
      throw new ConfigError(`${where}: "grid" must be an object of flag: [values, ...] (non-empty lists)`);
    const both = Object.keys(grid).filter((k) => k in flags);
    if (both.length) throw new ConfigError(`${where}: ${both.join(', ')} in both "flags" and "grid"`);
    for (const combo of product(grid as Record<string, FlagValue[]>)) {
      const all = { ...(flags as Record<string, FlagValue>), ...combo };
      checkRunFlags(exp, all, `${where} (${JSON.stringify(combo)})`);
      const cells = 'groups' in exp ? comparisonCells(exp, all, `${where} (${JSON.stringify(combo)})`) : [all];
      runs.push(...cells.map((cell) => ({ experiment: exp.name, flags: cell })));
    }
  }
  const slurm = raw.slurm ?? {};
  if (!isObject(slurm)) throw new ConfigError(`${source}: "slurm" must be an object`);
  const badSlurm = Object.keys(slurm).filter((k) => !SLURM_KEYS.includes(k));
  if (badSlurm.length)
    throw new ConfigError(
      `${source}: unknown slurm option(s) ${badSlurm.join(', ')}; options: ${SLURM_KEYS.join(', ')}`,
    );
  for (const k of ['partition', 'time', 'gres', 'mem'])
    if (slurm[k] !== undefined && typeof slurm[k] !== 'string')
      throw new ConfigError(`${source}: slurm.${k} must be a string`);
  if (slurm.cpusPerTask !== undefined && !(Number.isInteger(slurm.cpusPerTask) && (slurm.cpusPerTask as number) > 0))
    throw new ConfigError(`${source}: slurm.cpusPerTask must be a positive integer`);
  if (slurm.extra !== undefined && !(Array.isArray(slurm.extra) && slurm.extra.every((x) => typeof x === 'string')))
    throw new ConfigError(`${source}: slurm.extra must be a list of strings`);
  return { name, runs, slurm: slurm as SlurmOptions };
}

export async function readSpec(file: string): Promise<SweepSpec> {
  if (!fs.existsSync(file)) throw new ConfigError(`no sweep spec at ${file}`);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return validateSpec(raw, file);
}
