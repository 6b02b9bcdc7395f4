/** Every run under a results root that has a manifest. */
import fs from 'node:fs';
import path from 'node:path';
import type { Manifest } from './manifest';

export interface RunEntry {
  experiment: string;
  runId: string;
  dir: string;
  manifest: Manifest;
}

export function listRuns(root: string): RunEntry[] {
  if (!fs.existsSync(root)) return [];
  const runs: RunEntry[] = [];
  for (const experiment of fs.readdirSync(root).sort()) {
    const expDir = path.join(root, experiment);
    if (!fs.statSync(expDir).isDirectory()) continue;
    for (const runId of fs.readdirSync(expDir).sort()) {
      const file = path.join(expDir, runId, 'manifest.json');
      if (!fs.existsSync(file)) continue;
      try {
        runs.push({ experiment, runId, dir: path.dirname(file), manifest: JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest });
      } catch {
        /* a manifest being written by another process: skip it */
      }
    }
  }
  return runs;
}
