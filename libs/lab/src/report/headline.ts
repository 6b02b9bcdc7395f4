/**
 * The index page's plot per experiment: its headline metric across its completed runs, labelled for a person
 * ("test NLL (nats)", not `testNats`). Single runs plot their test NLL; comparisons (ablations, paper tables,
 * sweeps) plot each entry's mean over seeds, one line per entry.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import type { RunEntry } from '../results/list-runs';
import { escapeHtml, scriptJson } from './render';

/** Summary keys of single runs, in order of preference, and their labels. */
export const HEADLINE_METRICS: readonly { key: string; label: string }[] = [
  { key: 'testNats', label: 'test NLL (nats)' },
  { key: 'conditionalTestNats', label: 'conditional test NLL, -log p(x | c) (nats)' },
  { key: 'testBitsPerDim', label: 'test NLL (bits/dim)' },
];
const COMPARISON_LABEL = 'test NLL, mean over seeds (nats; bits/dim for CIFAR-10)';

export interface HeadlinePlot {
  id: string;
  title: string;
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
}

export function headlinePlot(id: string, experiment: string, runs: RunEntry[]): HeadlinePlot | undefined {
  const done = runs
    .filter((r) => r.manifest.status === 'completed' && r.manifest.summary)
    .sort((a, b) => (a.manifest.started ?? '').localeCompare(b.manifest.started ?? ''));
  const text = (r: RunEntry) => `${r.runId}<br>preset ${r.manifest.preset ?? '?'}, seed ${r.manifest.seed}`;
  const x = (r: RunEntry) => r.manifest.started;
  const metric = HEADLINE_METRICS.find((m) => done.some((r) => typeof r.manifest.summary?.[m.key] === 'number'));
  let data: Record<string, unknown>[];
  let label: string;
  if (metric) {
    const pts = done.filter((r) => typeof r.manifest.summary?.[metric.key] === 'number');
    data = [
      {
        type: 'scatter',
        mode: 'lines+markers',
        name: metric.label,
        x: pts.map(x),
        y: pts.map((r) => r.manifest.summary?.[metric.key]),
        text: pts.map(text),
        hovertemplate: '%{y:.3f}<br>%{text}<extra></extra>',
      },
    ];
    label = metric.label;
  } else {
    const keys = [
      ...new Set(
        done.flatMap((r) =>
          Object.entries(r.manifest.summary ?? {})
            .filter(([k, v]) => k.includes('/') && typeof v === 'number')
            .map(([k]) => k),
        ),
      ),
    ];
    if (!keys.length) return undefined;
    data = keys.map((k) => {
      const pts = done.filter((r) => typeof r.manifest.summary?.[k] === 'number');
      return {
        type: 'scatter',
        mode: 'lines+markers',
        name: k,
        x: pts.map(x),
        y: pts.map((r) => r.manifest.summary?.[k]),
        text: pts.map(text),
        hovertemplate: '%{y:.3f}<br>%{text}<extra></extra>',
      };
    });
    label = COMPARISON_LABEL;
  }
  return {
    id,
    title: `${experiment}: ${label} by run`,
    data,
    layout: {
      margin: { t: 20 },
      height: 320,
      xaxis: { title: { text: 'run started (UTC)' } },
      yaxis: { title: { text: `${label} (lower is better)` } },
    },
  };
}

export function headlineDiv(p: HeadlinePlot | undefined): string {
  return p
    ? `<p><strong>${escapeHtml(p.title)}</strong></p><div class="plot" id="${p.id}" style="width:100%;min-height:320px"></div>`
    : '';
}

/** Plotly (inlined, as in every report: the index opens offline) and the drawing code, when there is a plot. */
export function headlineScripts(plots: (HeadlinePlot | undefined)[]): string {
  const drawn = plots.filter((p): p is HeadlinePlot => p !== undefined);
  if (!drawn.length) return '';
  const plotly = fs.readFileSync(createRequire(import.meta.url).resolve('plotly.js-dist-min/plotly.min.js'), 'utf8');
  return `<script>${plotly}</script><script>const plots=${scriptJson(drawn)};Promise.all(plots.map(p=>Plotly.newPlot(p.id,p.data,p.layout,{responsive:true,displaylogo:false}))).then(()=>{document.body.dataset.plotsReady=String(plots.length)});</script>`;
}
