/**
 * A sweep's comparison runs (one model and seed each: `--only group/entry --seed S --seeds 1`) merged back into
 * their comparison: the groups and entries of the experiment (labels, paper numbers) with the models the sweep ran,
 * rows and curves in the in-process order (group, entry, seed), its budget line, and the first seed's check and
 * samples. Runs of one experiment with different other flags (e.g. two presets) stay separate comparisons.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  type ComparisonCurvePoint,
  type ComparisonExperiment,
  type ComparisonGroup,
  type ComparisonRow,
  type Manifest,
  type TrainOptions,
  RUN_COLUMNS,
  checkSection,
  comparisonBudgetLabel,
  samplesSection,
  selectGroups,
} from '@pixel-models/lab';
import type { CollectedPart } from './collect';
import type { PlannedRun } from './plan';
import type { FlagValue } from './spec';

/** Fields of a comparison's runs.csv that hold text; the others are numbers. */
const TEXT_COLUMNS = new Set(['group', 'entry', 'label', 'optimizer', 'measuredOn']);

/** One CSV line's fields (csv-stringify quotes a field with commas or quotes and doubles its quotes). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let j = i + 1;
      let value = '';
      while (j < line.length && !(line[j] === '"' && line[j + 1] !== '"')) {
        value += line[j];
        j += line[j] === '"' ? 2 : 1;
      }
      out.push(value);
      i = j + 2; // past the closing quote and the comma
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

/** Rows of a CSV written by a run folder, by column name. */
export function readCsvRecords(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trim().split('\n').filter(Boolean).map(csvFields);
  return lines.map((l) => Object.fromEntries(head.map((h, i) => [h, l[i] ?? ''])));
}

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;
const readRecords = (dir: string, file: string) =>
  fs.existsSync(path.join(dir, file)) ? readCsvRecords(fs.readFileSync(path.join(dir, file), 'utf8')) : [];

/** Runs that came from one comparison invocation: same experiment and flags but for --only and --seed. */
const comparisonKey = (run: PlannedRun) =>
  [
    run.experiment,
    ...Object.keys(run.flags)
      .filter((k) => !['only', 'seed', 'seeds'].includes(k))
      .sort()
      .map((k) => `${k}=${run.flags[k]}`),
  ].join(' ');

/** Loads each comparison experiment once (a sweep's plan names experiments; the modules declare them). */
export type ComparisonLoader = (experiment: string) => Promise<ComparisonExperiment>;

export async function collectComparisonRuns(runs: PlannedRun[], load: ComparisonLoader): Promise<CollectedPart[]> {
  const byComparison = new Map<string, PlannedRun[]>();
  for (const run of runs) byComparison.set(comparisonKey(run), [...(byComparison.get(comparisonKey(run)) ?? []), run]);
  const sameExperiment = (k: string) =>
    [...byComparison.keys()].filter((o) => o.split(' ')[0] === k.split(' ')[0]).length > 1;
  const parts: CollectedPart[] = [];
  for (const [key, members] of byComparison) {
    const exp = await load(members[0].experiment);
    // Two comparisons of one experiment in a sweep (e.g. two presets) get their flags in their group keys and titles.
    const suffix = sameExperiment(key) ? ` (${key.split(' ').slice(1).join(', ')})` : '';
    parts.push(mergeComparison(exp, members, suffix));
  }
  return parts;
}

function mergeComparison(exp: ComparisonExperiment, runs: PlannedRun[], suffix: string): CollectedPart {
  const flag = (k: string): FlagValue | undefined => runs[0].flags[k];
  const preset = String(flag('preset') ?? exp.defaultPreset);
  const cifarDir = flag('cifar-dir') === undefined ? undefined : String(flag('cifar-dir'));
  const cells = [...new Set(runs.map((r) => String(r.flags.only)))];
  const groups = selectGroups(exp.groups({ preset, cifarDir }), cells.join(','));
  const order = groups.flatMap((g) => g.entries.map((e) => `${g.key}/${e.key}`));
  const sorted = [...runs].sort(
    (a, b) =>
      order.indexOf(String(a.flags.only)) - order.indexOf(String(b.flags.only)) ||
      Number(a.flags.seed) - Number(b.flags.seed),
  );
  const rename = (group: string) => `${group}${suffix}`;
  const rows: ComparisonRow[] = sorted.flatMap((run) =>
    readRecords(run.dir, 'runs.csv').map(
      (r) =>
        ({
          ...Object.fromEntries(
            RUN_COLUMNS.map((c) => [c, TEXT_COLUMNS.has(c) ? r[c] : Number(r[c] === '' ? NaN : r[c])]),
          ),
          group: rename(r.group),
        }) as unknown as ComparisonRow,
    ),
  );
  const curves: ComparisonCurvePoint[] = sorted.flatMap((run) =>
    readRecords(run.dir, 'curves.csv').map((c) => ({
      group: rename(c.group),
      entry: c.entry,
      seed: Number(c.seed),
      epoch: Number(c.epoch),
      nats: Number(c.nats),
    })),
  );
  const extras = firstSeedSections(groups, sorted);
  const renamed: ComparisonGroup[] = groups.map((g) => ({ ...g, key: rename(g.key), title: `${g.title}${suffix}` }));
  const config = readJson<{ train: TrainOptions }>(path.join(sorted[0].dir, 'config.json'));
  const first = readJson<Manifest>(path.join(sorted[0].dir, 'manifest.json'));
  const budget = comparisonBudgetLabel(config.train, rows, { name: first.backend, device: first.device });
  return { groups: renamed, rows, curves, budgets: new Map(renamed.map((g) => [g.key, budget])), extras, first };
}

/** Each model's check and samples from its lowest seed, as the in-process comparison shows them. */
function firstSeedSections(groups: ComparisonGroup[], sorted: PlannedRun[]) {
  return groups.flatMap((g) =>
    g.entries.flatMap((e) => {
      const run = sorted.find((r) => r.flags.only === `${g.key}/${e.key}`);
      if (!run) return [];
      const check = path.join(run.dir, `check-${g.key}-${e.key}.txt`);
      const samples = path.join(run.dir, `samples-${g.key}-${e.key}.png`);
      return [
        ...(fs.existsSync(check) ? [checkSection(g, e, fs.readFileSync(check, 'utf8'))] : []),
        ...(fs.existsSync(samples) ? [samplesSection(g, e, fs.readFileSync(samples), Number(run.flags.seed))] : []),
      ];
    }),
  );
}
