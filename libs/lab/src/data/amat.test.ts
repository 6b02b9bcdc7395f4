import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '@pixel-models/nn';
import { parseAmat, readAmat } from './amat';
import { tmpDir } from './idx-fixtures';

const line = (values: number[]) => values.join(' ');

describe('parseAmat', () => {
  it('parses one image a line into 0/1 levels (side 2 for a small case)', () => {
    const set = parseAmat(`${line([0, 1, 1, 0])}\n${line([1, 1, 1, 1])}\n`, 'x.amat', 2);
    expect(set).toMatchObject({ count: 2, height: 2, width: 2 });
    expect(Array.from(set.levels)).toEqual([0, 1, 1, 0, 1, 1, 1, 1]);
  });

  it('accepts 784-value lines by default, extra spaces, CRLF and blank lines', () => {
    const a = Array.from({ length: 784 }, (_, i) => i % 2);
    const set = parseAmat(`  ${line(a)}  \r\n\r\n${line(a.map((v) => 1 - v))}`, 'x.amat');
    expect(set).toMatchObject({ count: 2, height: 28, width: 28 });
    expect([set.levels[0], set.levels[1], set.levels[784], set.levels[785]]).toEqual([0, 1, 1, 0]);
  });

  it('wrong line length: DataError with the line number', () => {
    expect(() => parseAmat('0 1 0\n', 'x.amat')).toThrow(DataError);
    expect(() => parseAmat('0 1 0\n', 'x.amat')).toThrow(
      /^x\.amat: line 1 has 3 values, expected 784 \(28x28 binary pixels\)/,
    );
    expect(() => parseAmat(`${line([0, 1, 1, 0])}\n0 1 1\n`, 'y.amat', 2)).toThrow(
      /^y\.amat: line 2 has 3 values, expected 4 \(2x2 binary pixels\)/,
    );
  });

  it('a value other than 0/1: DataError with line and value numbers', () => {
    expect(() => parseAmat(`${line([0, 1, 1, 0])}\n0 1 0.5 0`, 'x.amat', 2)).toThrow(
      /^x\.amat: line 2, value 3 is "0\.5", expected 0 or 1/,
    );
    expect(() => parseAmat('2 0 0 0', 'x.amat', 2)).toThrow(DataError);
  });

  it('line numbers count blank lines, as an editor shows them', () => {
    expect(() => parseAmat(`${line([0, 1, 1, 0])}\n\n\n1 1 7 1\n`, 'x.amat', 2)).toThrow(
      /^x\.amat: line 4, value 3 is "7"/,
    );
  });

  it('no images: DataError', () => {
    expect(() => parseAmat('\n \n', 'x.amat', 2)).toThrow(/^x\.amat: no images/);
  });
});

describe('readAmat', () => {
  it('reads a file, and a missing file names the expected files', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'binarized_mnist_valid.amat');
    fs.writeFileSync(file, `${line(new Array(784).fill(1))}\n`);
    expect(readAmat(file).levels.reduce((s, v) => s + v, 0)).toBe(784);
    const missing = path.join(dir, 'binarized_mnist_test.amat');
    expect(() => readAmat(missing)).toThrow(DataError);
    expect(() => readAmat(missing)).toThrow(
      `missing ${missing}: pass the directory holding binarized_mnist_{train,valid,test}.amat`,
    );
  });
});
