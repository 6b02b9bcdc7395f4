import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors';
import { colourGroups, maskValues } from './masks';
import { horizontalMask } from './conv';

/** The k x k spatial pattern of a single-channel mask (cin = cout = 1). */
function grid(type: 'A' | 'B', k: number): number[][] {
  const v = maskValues({ kernel: [k, k], type, inGroups: [0], outGroups: [0] });
  return Array.from({ length: k }, (_, r) => Array.from({ length: k }, (_, c) => v[r * k + c]));
}

describe('mask A and mask B (PixelRNN Figure 2)', () => {
  it('3x3, one channel', () => {
    expect(grid('A', 3)).toEqual([
      [1, 1, 1],
      [1, 0, 0],
      [0, 0, 0],
    ]);
    expect(grid('B', 3)).toEqual([
      [1, 1, 1],
      [1, 1, 0],
      [0, 0, 0],
    ]);
  });

  it('5x5 mask A opens exactly the 12 taps before the centre', () => {
    expect(grid('A', 5)).toEqual([
      [1, 1, 1, 1, 1],
      [1, 1, 1, 1, 1],
      [1, 1, 0, 0, 0],
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0],
    ]);
  });

  it('colour groups at the centre tap: R reads nothing (A) / R (B), G reads R (A) / R,G (B), B reads R,G (A) / R,G,B (B)', () => {
    // 3 input channels (R, G, B) -> 6 output features (2 per group), 3x3 kernel; centre tap = index 4.
    const spec = { kernel: [3, 3] as [number, number], inGroups: colourGroups(3, 3), outGroups: colourGroups(6, 3) };
    const centre = (type: 'A' | 'B') => {
      const v = maskValues({ ...spec, type });
      return Array.from({ length: 3 }, (_, i) => Array.from({ length: 6 }, (_, o) => v[(4 * 3 + i) * 6 + o]));
    };
    // rows: input R, G, B; columns: output features R R G G B B
    expect(centre('A')).toEqual([
      [0, 0, 1, 1, 1, 1],
      [0, 0, 0, 0, 1, 1],
      [0, 0, 0, 0, 0, 0],
    ]);
    expect(centre('B')).toEqual([
      [1, 1, 1, 1, 1, 1],
      [0, 0, 1, 1, 1, 1],
      [0, 0, 0, 0, 1, 1],
    ]);
    // Taps before the centre are fully open, taps after it fully closed, whatever the groups.
    const a = maskValues({ ...spec, type: 'A' });
    const tap = (t: number) => Array.from(a.subarray(t * 18, (t + 1) * 18));
    for (const t of [0, 1, 2, 3]) expect(tap(t).every((x) => x === 1)).toBe(true);
    for (const t of [5, 6, 7, 8]) expect(tap(t).every((x) => x === 0)).toBe(true);
  });

  it('the horizontal-stack mask puts the centre at the last column', () => {
    const m = horizontalMask(3, 'A', [0], [0]).dataSync();
    expect(Array.from(m)).toEqual([1, 1, 0]);
    expect(Array.from(horizontalMask(3, 'B', [0], [0]).dataSync())).toEqual([1, 1, 1]);
  });

  it('colour groups are contiguous blocks, and features must divide into them', () => {
    expect(colourGroups(6, 3)).toEqual([0, 0, 1, 1, 2, 2]);
    expect(colourGroups(4, 1)).toEqual([0, 0, 0, 0]);
    expect(() => colourGroups(8, 3)).toThrow(ConfigError);
    expect(() => colourGroups(8, 3)).toThrow(/multiple of 3/);
  });
});
