import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from './errors';
import { centreTapAllowed, colourGroups, mask, maskA, maskB, maskValues } from './masks';
import { horizontalMask } from './conv';
import { useTestBackend } from './testing/backend';

beforeAll(async () => {
  await useTestBackend();
});

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

  it('centreTapAllowed: A is strictly earlier groups, B includes the own group', () => {
    const table = (t: 'A' | 'B') => [0, 1, 2].map((i) => [0, 1, 2].map((o) => (centreTapAllowed(t, i, o) ? 1 : 0)));
    expect(table('A')).toEqual([
      [0, 1, 1],
      [0, 0, 1],
      [0, 0, 0],
    ]);
    expect(table('B')).toEqual([
      [1, 1, 1],
      [0, 1, 1],
      [0, 0, 1],
    ]);
  });

  it('maskA / maskB tensors: shape [k, k, C_in, C_out] and the colour rule entry by entry (3 -> 6 features)', () => {
    const a = maskA(3, 3, 6, 3);
    const b = maskB(3, 3, 6, 3);
    expect(a.shape).toEqual([3, 3, 3, 6]);
    const av = a.arraySync();
    const bv = b.arraySync();
    const outGroup = [0, 0, 1, 1, 2, 2];
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < 3; c++) {
        for (let i = 0; i < 3; i++) {
          for (let o = 0; o < 6; o++) {
            const before = r < 1 || (r === 1 && c < 1);
            const centre = r === 1 && c === 1;
            expect(av[r][c][i][o]).toBe(before || (centre && i < outGroup[o]) ? 1 : 0);
            expect(bv[r][c][i][o]).toBe(before || (centre && i <= outGroup[o]) ? 1 : 0);
          }
        }
      }
    }
    // R outputs read nothing at the centre under A; G reads R; B reads R and G.
    expect([0, 1, 2].map((i) => av[1][1][i][0])).toEqual([0, 0, 0]);
    expect([0, 1, 2].map((i) => av[1][1][i][2])).toEqual([1, 0, 0]);
    expect([0, 1, 2].map((i) => av[1][1][i][4])).toEqual([1, 1, 0]);
    // Under B each also reads its own group.
    expect([0, 1, 2].map((i) => bv[1][1][i][1])).toEqual([1, 0, 0]);
    expect([0, 1, 2].map((i) => bv[1][1][i][3])).toEqual([1, 1, 0]);
    expect([0, 1, 2].map((i) => bv[1][1][i][5])).toEqual([1, 1, 1]);
  });

  it('one channel: mask A closes the centre for every feature pair, mask B opens it', () => {
    const a = maskA(3, 2, 4).arraySync();
    const b = maskB(3, 2, 4).arraySync();
    expect(a[1][1].flat()).toEqual(Array(8).fill(0));
    expect(b[1][1].flat()).toEqual(Array(8).fill(1));
    expect(a[0][2].flat()).toEqual(Array(8).fill(1));
    expect(b[2][0].flat()).toEqual(Array(8).fill(0));
  });

  it('a custom centre: a 2x3 kernel centred on its last row opens the whole first row', () => {
    const v = maskValues({ kernel: [2, 3], center: [1, 1], type: 'A', inGroups: [0], outGroups: [0] });
    expect(Array.from(v)).toEqual([1, 1, 1, 1, 0, 0]);
    expect(mask({ kernel: [2, 3], center: [1, 1], type: 'B', inGroups: [0], outGroups: [0] }).shape).toEqual([
      2, 3, 1, 1,
    ]);
  });

  it('the horizontal-stack mask with colour groups: taps left of the centre open, centre per group', () => {
    // [1, 3, C_in = 3, C_out = 3]: flat index ((c * 3) + i) * 3 + o.
    const v = Array.from(horizontalMask(3, 'A', [0, 1, 2], [0, 1, 2]).dataSync());
    expect(v.slice(0, 18)).toEqual(Array(18).fill(1));
    expect(v.slice(18)).toEqual([0, 1, 1, 0, 0, 1, 0, 0, 0]);
    const w = Array.from(horizontalMask(2, 'B', [0, 1, 2], [0, 1, 2]).dataSync());
    expect(w).toEqual([...Array(9).fill(1), 1, 1, 1, 0, 1, 1, 0, 0, 1]);
  });
});
