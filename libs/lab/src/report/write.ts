/** The only writer of reports/: one page per run and an index of every run. */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../results/atomic';
import { listRuns } from '../results/list-runs';
import { formatDuration } from '../progress';
import { escapeHtml } from './render';
import { headlineDiv, headlinePlot, headlineScripts } from './headline';

export function reportPath(root: string, experiment: string, runId: string): string {
  return path.join(root, experiment, `${runId}.html`);
}

export function writeReport({
  root,
  experiment,
  runId,
  html,
}: {
  root: string;
  experiment: string;
  runId: string;
  html: string;
}): string {
  const file = reportPath(root, experiment, runId);
  writeFileAtomic(file, html);
  return file;
}

const fmt = (v: unknown) =>
  typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : String(v ?? '');

/** reports/index.html: every run with a manifest, newest first per experiment, linked to its report. */
export function writeReportIndex({ reportsRoot, resultsRoot }: { reportsRoot: string; resultsRoot: string }): string {
  const runs = listRuns(resultsRoot);
  const experiments = [...new Set(runs.map((r) => r.experiment))];
  const headlines = experiments.map((exp, i) =>
    headlinePlot(
      `headline-${i}`,
      exp,
      runs.filter((r) => r.experiment === exp),
    ),
  );
  const sections = experiments.map((exp, i) => {
    const mine = runs.filter((r) => r.experiment === exp).reverse();
    const link = (runId: string) =>
      fs.existsSync(reportPath(reportsRoot, exp, runId))
        ? `${encodeURIComponent(exp)}/${encodeURIComponent(runId)}.html`
        : undefined;
    const latest = mine.map((r) => link(r.runId)).find(Boolean);
    const rows = mine.map((r) => {
      const m = r.manifest;
      const href = link(r.runId);
      const summary = Object.entries(m.summary ?? {})
        .map(([k, v]) => `${k}: ${fmt(v)}`)
        .join(', ');
      return `<tr><td>${href ? `<a href="${href}">${escapeHtml(r.runId)}</a>` : escapeHtml(r.runId)}</td><td>${escapeHtml((m.started ?? '').replace('T', ' ').slice(0, 16))}</td><td>${escapeHtml(m.status ?? '')}</td><td>${escapeHtml(m.preset ?? '')}</td><td>${escapeHtml(String(m.seed ?? ''))}</td><td>${escapeHtml(`${m.backend} (${m.device})`)}</td><td>${typeof m.wallSeconds === 'number' ? escapeHtml(formatDuration(m.wallSeconds)) : ''}</td><td>${escapeHtml(summary)}</td></tr>`;
    });
    return `<h2>${escapeHtml(exp)}</h2>${latest ? `<p><a href="${latest}">latest report</a></p>` : ''}${headlineDiv(headlines[i])}<table><thead><tr><th>run</th><th>started (UTC)</th><th>status</th><th>preset</th><th>seed</th><th>backend</th><th>wall time</th><th>summary</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
  });
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>pixel-models reports</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem}table{border-collapse:collapse}td,th{border:1px solid #cbd2d9;padding:.3rem .6rem;text-align:left}th{background:#f5f7fa}</style></head>
<body><h1>pixel-models: runs and reports</h1>${sections.length ? sections.join('\n') : '<p>No runs yet: try <code>npx nx run experiments:mnist-gated</code>.</p>'}${headlineScripts(headlines)}</body></html>
`;
  const file = path.join(reportsRoot, 'index.html');
  writeFileAtomic(file, html);
  return file;
}
