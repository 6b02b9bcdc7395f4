import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@pixel-models/nn';
import { checkOutputRoot, outputRootBase } from './output-paths';

describe('output roots', () => {
  it('resolve a given relative --out against the current directory, like every other path flag, and a default against the repository', () => {
    expect(outputRootBase('out', ['--preset', 'smoke', '--out', 'mine'], '/repo')).toBe(process.cwd());
    expect(outputRootBase('out', ['--out=mine'], '/repo')).toBe(process.cwd());
    expect(outputRootBase('reports', ['--out', 'mine'], '/repo')).toBe('/repo');
    expect(checkOutputRoot('--out', 'mine', outputRootBase('out', ['--out', 'mine'], '/repo'))).toBe(path.resolve('mine'));
  });

  it('refuse an empty value, a file in the way and an unwritable folder before anything runs', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'roots-'));
    fs.writeFileSync(path.join(tmp, 'file'), 'x');
    expect(() => checkOutputRoot('--out', '', tmp)).toThrow(ConfigError);
    expect(() => checkOutputRoot('--out', 'file/results', tmp)).toThrow(/is a file, not a folder/);
    expect(checkOutputRoot('--out', 'new/results', tmp)).toBe(path.join(tmp, 'new/results'));
    expect(fs.existsSync(path.join(tmp, 'new'))).toBe(false); // checked, not created
  });
});
