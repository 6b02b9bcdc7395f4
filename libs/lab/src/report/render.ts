/**
 * Self-contained HTML reports: plotly.js is inlined, images are data: URLs, and nothing is fetched, so a report
 * opens offline and stays readable years later. Data is embedded as JSON with `<` escaped, so no value can close
 * the <script> element.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';

export type PlotlyTrace = Record<string, unknown>;
export type PlotlyLayout = Record<string, unknown>;

export type ReportSection =
  | { kind: 'plot'; title: string; data: PlotlyTrace[]; layout?: PlotlyLayout; note?: string }
  | { kind: 'table'; title: string; columns: string[]; rows: (string | number)[][]; note?: string }
  | { kind: 'image'; title: string; pngBase64: string; alt: string; caption?: string }
  | { kind: 'text'; title?: string; paragraphs: string[] };

export interface ReportSpec {
  title: string;
  subtitle?: string;
  sections: ReportSection[];
}

let plotlySource: string | undefined;
function plotly(): string {
  plotlySource ??= fs.readFileSync(createRequire(import.meta.url).resolve('plotly.js-dist-min/plotly.min.js'), 'utf8');
  return plotlySource;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Escaped text with the two bits of markdown reports use: `code` and **bold**. */
export function inlineMarkdown(s: string): string {
  return escapeHtml(s)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
}

/** JSON safe inside <script>: `<` (and the JS line separators) escaped. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const CSS = `body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1f2933}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #e4e7eb}
.sub{color:#616e7c}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #cbd2d9;padding:.3rem .6rem;text-align:left;vertical-align:top}
th{background:#f5f7fa}.note{color:#616e7c;font-size:.9rem}.plot{width:100%;min-height:360px}.wide{overflow-x:auto;max-width:100%}img.px{image-rendering:pixelated;max-width:100%}
code{background:#f5f7fa;padding:0 .2rem}`;

function section(
  s: ReportSection,
  i: number,
  plots: { id: string; data: PlotlyTrace[]; layout: PlotlyLayout }[],
): string {
  const note = 'note' in s && s.note ? `<p class="note">${escapeHtml(s.note)}</p>` : '';
  switch (s.kind) {
    case 'plot': {
      const id = `plot-${i}`;
      plots.push({ id, data: s.data, layout: { margin: { t: 20 }, ...s.layout } });
      return `<h2>${escapeHtml(s.title)}</h2><div class="plot" id="${id}"></div>${note}`;
    }
    case 'table': {
      const head = s.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
      const body = s.rows.map((r) => `<tr>${r.map((v) => `<td>${escapeHtml(String(v))}</td>`).join('')}</tr>`).join('');
      return `<h2>${escapeHtml(s.title)}</h2><div class="wide"><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>${note}`;
    }
    case 'image':
      return `<h2>${escapeHtml(s.title)}</h2><img class="px" alt="${escapeHtml(s.alt)}" src="data:image/png;base64,${s.pngBase64}">${s.caption ? `<p class="note">${escapeHtml(s.caption)}</p>` : ''}`;
    case 'text':
      return `${s.title ? `<h2>${escapeHtml(s.title)}</h2>` : ''}${s.paragraphs.map((p) => `<p>${inlineMarkdown(p)}</p>`).join('')}`;
  }
}

export function renderReport(spec: ReportSpec): string {
  const plots: { id: string; data: PlotlyTrace[]; layout: PlotlyLayout }[] = [];
  const body = spec.sections.map((s, i) => section(s, i, plots)).join('\n');
  // Every plot draws, then the body gets data-plots-ready for browser tests to wait on.
  const draw = `const plots=${scriptJson(plots)};Promise.all(plots.map(p=>Plotly.newPlot(p.id,p.data,p.layout,{responsive:true,displaylogo:false}))).then(()=>{document.body.dataset.plotsReady=String(plots.length)});`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(spec.title)}</title><style>${CSS}</style><script>${plotly()}</script></head>
<body><h1>${escapeHtml(spec.title)}</h1>${spec.subtitle ? `<p class="sub">${escapeHtml(spec.subtitle)}</p>` : ''}
${body}
<script>${draw}</script></body></html>
`;
}
