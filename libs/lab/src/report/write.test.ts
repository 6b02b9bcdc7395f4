import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../results/manifest';
import { reportPath, writeReport, writeReportIndex } from './write';

const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

function manifest(experiment: string, runId: string, extra: Partial<Manifest> = {}): Manifest {
  return {
    experiment,
    runId,
    status: 'completed',
    preset: 'smoke',
    seed: 1,
    git: { commit: null, dirty: null },
    backend: 'wasm',
    device: 'cpu',
    tfjsVersion: '4.22.0',
    nodeVersion: 'v20',
    platform: 'linux x64',
    cpu: 'x',
    started: '2026-11-28T10:00:00.000Z',
    wallSeconds: 65,
    command: [],
    ...extra,
  };
}

describe('writeReport', () => {
  it('writes <root>/<experiment>/<runId>.html, creating folders', () => {
    const root = path.join(tmp('reports-'), 'reports');
    const file = writeReport({ root, experiment: 'mnist-gated', runId: 'r1', html: '<p>hi</p>' });
    expect(file).toBe(path.join(root, 'mnist-gated', 'r1.html'));
    expect(file).toBe(reportPath(root, 'mnist-gated', 'r1'));
    expect(fs.readFileSync(file, 'utf8')).toBe('<p>hi</p>');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['r1.html']);
  });
});

describe('writeReportIndex', () => {
  it('lists every run newest first per experiment and links only reports that exist', () => {
    const resultsRoot = tmp('results-');
    const reportsRoot = tmp('reports-');
    const run = (m: Manifest) => {
      fs.mkdirSync(path.join(resultsRoot, m.experiment, m.runId), { recursive: true });
      fs.writeFileSync(path.join(resultsRoot, m.experiment, m.runId, 'manifest.json'), JSON.stringify(m));
    };
    run(manifest('mnist-gated', '2026-11-28T10-00-00Z-aaaa', { summary: { 'test nats': 81.23456, epochs: 2 } }));
    run(manifest('mnist-gated', '2026-11-28T11-00-00Z-bbbb', { started: '2026-11-28T11:00:00.000Z' }));
    run(manifest('mnist-gated', '2026-11-28T12-00-00Z-cccc', { status: 'running', wallSeconds: undefined }));
    run(manifest('ablation-<masks>', 'r1'));
    writeReport({ root: reportsRoot, experiment: 'mnist-gated', runId: '2026-11-28T10-00-00Z-aaaa', html: '' });
    writeReport({ root: reportsRoot, experiment: 'mnist-gated', runId: '2026-11-28T11-00-00Z-bbbb', html: '' });

    const file = writeReportIndex({ reportsRoot, resultsRoot });
    expect(file).toBe(path.join(reportsRoot, 'index.html'));
    const html = fs.readFileSync(file, 'utf8');

    expect(html).not.toMatch(/<script|<link|(?:src|href)="?https?:/i);
    expect(html.indexOf('<h2>ablation-&lt;masks&gt;</h2>')).toBeLessThan(html.indexOf('<h2>mnist-gated</h2>'));
    const order = ['cccc', 'bbbb', 'aaaa'].map((id) => html.indexOf(`Z-${id}</`));
    expect(order).toEqual([...order].sort((a, b) => a - b)); // newest first
    // Links: only the two reports that exist, and the latest of them.
    const hrefs = [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
    expect(hrefs).toEqual([
      'mnist-gated/2026-11-28T11-00-00Z-bbbb.html',
      'mnist-gated/2026-11-28T11-00-00Z-bbbb.html',
      'mnist-gated/2026-11-28T10-00-00Z-aaaa.html',
    ]);
    for (const href of hrefs) expect(fs.existsSync(path.join(reportsRoot, href))).toBe(true);
    expect(html).toContain('latest report');
    expect(html).toContain('<td>2026-11-28 10:00</td>');
    expect(html).toContain('<td>wasm (cpu)</td><td>1m 05s</td>');
    expect(html).toContain('test nats: 81.235, epochs: 2');
  });

  it('says how to make a run when there is none', () => {
    const html = fs.readFileSync(
      writeReportIndex({ reportsRoot: tmp('reports-'), resultsRoot: tmp('results-') }),
      'utf8',
    );
    expect(html).toContain('No runs yet');
  });
});
