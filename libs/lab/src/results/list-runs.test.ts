import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listRuns } from './list-runs';

describe('listRuns', () => {
  it('finds every run with a manifest, sorted by experiment then run id', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'list-'));
    const put = (exp: string, id: string, manifest: string | undefined) => {
      fs.mkdirSync(path.join(root, exp, id), { recursive: true });
      if (manifest !== undefined) fs.writeFileSync(path.join(root, exp, id, 'manifest.json'), manifest);
    };
    put('b-exp', '2026-01-02', JSON.stringify({ runId: '2026-01-02' }));
    put('a-exp', '2026-02-01', JSON.stringify({ runId: '2026-02-01' }));
    put('a-exp', '2026-01-01', JSON.stringify({ runId: '2026-01-01' }));
    put('a-exp', 'no-manifest', undefined);
    put('a-exp', 'half-written', '{"runId":');
    fs.writeFileSync(path.join(root, 'README.md'), 'not an experiment');
    const runs = listRuns(root);
    expect(runs.map((r) => `${r.experiment}/${r.runId}`)).toEqual(['a-exp/2026-01-01', 'a-exp/2026-02-01', 'b-exp/2026-01-02']);
    expect(runs[0].dir).toBe(path.join(root, 'a-exp', '2026-01-01'));
    expect(runs[0].manifest.runId).toBe('2026-01-01');
  });

  it('is empty for a missing root', () => {
    expect(listRuns(path.join(os.tmpdir(), 'no-such-results-root-xyz'))).toEqual([]);
  });
});
