import { describe, expect, it } from 'vitest';
import { ConfigError } from '@pixel-models/nn';
import { type ComparisonGroup, type ComparisonRow, markdownTable, selectGroups, summarize } from './comparison';

const entry = (key: string) => ({
  key,
  label: key.toUpperCase(),
  createModel: () => {
    throw new Error('not built here');
  },
});
const group: ComparisonGroup = {
  key: 'g',
  title: 'G',
  description: '',
  data: 'mnist',
  levels: 2,
  unit: 'nats',
  entries: [entry('a'), entry('b')],
};
// Only the fields these tests read; the rest of a row does not matter here.
const row = (e: string, seed: number, testNats: number, parameters: number) =>
  ({
    group: 'g',
    entry: e,
    label: e.toUpperCase(),
    seed,
    testNats,
    testBitsPerDim: testNats / 543,
    validationNats: testNats,
    epochs: 1,
    trainImages: 96,
    trainSeconds: 10,
    parameters,
    testImages: 64,
  }) as ComparisonRow;
const cells = (line: string) =>
  line
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim());

describe('comparison summary and table', () => {
  const summary = summarize([row('a', 1, 100, 16290), row('a', 2, 102, 16290), row('b', 1, 98, 24818)], [group]);

  it("carries each model's parameter count and the number of test images scored", () => {
    expect(summary.map((s) => [s.entry, s.mean, s.seeds, s.parameters, s.testImages])).toEqual([
      ['a', 101, 2, 16290, 64],
      ['b', 98, 1, 24818, 64],
    ]);
  });

  it('prints both in the Markdown table, in their own columns', () => {
    const lines = markdownTable([group], summary, 'a budget').split('\n');
    const head = cells(lines[2]);
    const at = (line: string, column: string) => cells(line)[head.indexOf(column)];
    expect(head.slice(0, 2)).toEqual(['model', 'parameters']);
    expect([
      at(lines[4], 'model'),
      at(lines[4], 'parameters'),
      at(lines[4], 'test images scored'),
      at(lines[4], 'this repo (nats, mean ± std over seeds)'),
    ]).toEqual(['A', '16,290', '64', '101.00 ± 1.41']);
    expect([at(lines[5], 'model'), at(lines[5], 'parameters'), at(lines[5], 'test images scored')]).toEqual([
      'B',
      '24,818',
      '64',
    ]);
  });
});

describe('--only (selectGroups)', () => {
  const other: ComparisonGroup = { ...group, key: 'h', entries: [entry('c')] };
  const keys = (gs: ComparisonGroup[]) => gs.map((g) => `${g.key}:${g.entries.map((e) => e.key).join('+')}`);

  it('keeps whole groups and single models, in the experiment order', () => {
    expect(keys(selectGroups([group, other], 'h,g/b'))).toEqual(['g:b', 'h:c']);
    expect(keys(selectGroups([group, other], 'g'))).toEqual(['g:a+b']);
  });

  it('refuses an unknown group or model, naming the choices', () => {
    expect(() => selectGroups([group, other], 'g/z')).toThrow(ConfigError);
    expect(() => selectGroups([group, other], 'x')).toThrow(/choices: g, g\/a, g\/b, h, h\/c/);
  });
});
