import { describe, expect, it } from 'vitest';
import { totalKernels } from './profile-step';

describe('totalKernels', () => {
  const kernels = [
    { name: 'Conv2D', inputShapes: [[1, 4, 4, 2]], ms: 3 },
    { name: 'unnamed scope', inputShapes: [[1, 4, 4, 2]], ms: 3.5 }, // contains the Conv2D above
    { name: 'Add', inputShapes: [[1, 4]], ms: 1 },
    { name: 'Conv2D', inputShapes: [[2, 4, 4, 2]], ms: 2 },
    { name: 'Add', inputShapes: [[1, 4]], ms: undefined }, // a backend without timer queries
  ];

  it('sums by kernel name, largest first, leaving out custom-gradient scopes and counting untimed calls', () => {
    expect(totalKernels(kernels, (k) => k.name)).toEqual([
      { key: 'Conv2D', calls: 2, ms: 5 },
      { key: 'Add', calls: 2, ms: 1 },
    ]);
  });

  it('sums by kernel and input shapes', () => {
    expect(
      totalKernels(kernels, (k) => `${k.name} ${JSON.stringify(k.inputShapes)}`).map((t) => [t.key, t.calls, t.ms]),
    ).toEqual([
      ['Conv2D [[1,4,4,2]]', 1, 3],
      ['Conv2D [[2,4,4,2]]', 1, 2],
      ['Add [[1,4]]', 2, 1],
    ]);
  });
});
