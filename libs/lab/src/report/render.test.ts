import fs from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { encodePng } from '../png';
import { escapeHtml, inlineMarkdown, renderReport, scriptJson, type ReportSection } from './render';

const plotlySource = fs.readFileSync(
  createRequire(import.meta.url).resolve('plotly.js-dist-min/plotly.min.js'),
  'utf8',
);
const evil = '</script><script>alert(1)</script>';

const png = encodePng({ pixels: new Uint8Array([0, 255, 255, 0]), width: 2, height: 2, channels: 1 }).toString(
  'base64',
);
const sections: ReportSection[] = [
  { kind: 'text', title: 'About', paragraphs: ['Run with `--epochs 2`, **not** <b>bold</b> & done.'] },
  {
    kind: 'plot',
    title: 'Loss',
    data: [{ x: [1, 2], y: [3, 2], type: 'scatter', name: evil }],
    layout: { xaxis: { title: { text: 'epoch' } } },
  },
  { kind: 'table', title: 'Results <1>', columns: ['model', 'nats'], rows: [['gated <x>', 81.2]], note: 'a & b' },
  { kind: 'image', title: 'Samples', pngBase64: png, alt: 'samples "grid"', caption: 'seed 1' },
  {
    kind: 'plot',
    title: 'Heatmap',
    data: [
      {
        z: [
          [1, 2],
          [3, 4],
        ],
        type: 'heatmap',
      },
    ],
  },
];
const html = renderReport({ title: 'MNIST <gated>', subtitle: 'smoke preset', sections });
const ours = html.replace(plotlySource, ''); // everything but the inlined library

describe('renderReport', () => {
  it('is one self-contained page: plotly inlined once, nothing fetched', () => {
    expect(html.split(plotlySource)).toHaveLength(2);
    expect(plotlySource.toLowerCase()).not.toContain('</script'); // else inlining it would end the element early
    expect(ours).not.toMatch(/\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(ours).not.toMatch(/url\(\s*["']?\s*(?:https?:)?\/\//i);
    expect(ours).not.toMatch(/<script[^>]*\ssrc\s*=/i);
    expect(ours).not.toMatch(/<link\b/i);
    expect(ours).not.toMatch(/@import/i);
  });

  it('escapes data so a value cannot close the script element', () => {
    expect(html).not.toContain(evil);
    expect(ours.match(/<\/script>/g)).toHaveLength(2); // the library's element and the drawing code's
    expect(ours).toContain('\\u003c/script>\\u003cscript>alert(1)\\u003c/script>');
    const json = ours.match(/const plots=(.*?);Promise\.all/)?.[1] ?? '';
    expect(JSON.parse(json)[0].data[0].name).toBe(evil);
  });

  it('draws every plot into its own div and marks the page when all are drawn', () => {
    expect(ours.match(/<div class="plot" id="plot-\d+"><\/div>/g)).toHaveLength(2);
    expect(ours).toContain('Plotly.newPlot');
    expect(ours).toContain('document.body.dataset.plotsReady');
  });

  it('escapes titles, tables, captions and text', () => {
    expect(ours).toContain('<title>MNIST &lt;gated&gt;</title>');
    expect(ours).toContain('<p class="sub">smoke preset</p>');
    expect(ours).toContain('<h2>Results &lt;1&gt;</h2>');
    expect(ours).toContain('<th>model</th><th>nats</th>');
    expect(ours).toContain('<td>gated &lt;x&gt;</td><td>81.2</td>');
    expect(ours).toContain('<p class="note">a &amp; b</p>');
    expect(ours).toContain(
      '<p>Run with <code>--epochs 2</code>, <strong>not</strong> &lt;b&gt;bold&lt;/b&gt; &amp; done.</p>',
    );
  });

  it('embeds images as pixelated data: URLs', () => {
    expect(ours).toContain(`<img class="px" alt="samples &quot;grid&quot;" src="data:image/png;base64,${png}">`);
    expect(ours).toMatch(/img\.px\{image-rendering:pixelated/);
    expect(ours).toContain('<p class="note">seed 1</p>');
  });
});

describe('escaping helpers', () => {
  it('escapeHtml covers the characters that matter in text and attributes', () => {
    expect(escapeHtml(`<a href="x">&</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
  });

  it('scriptJson escapes < and the JS line separators, and stays valid JSON', () => {
    const value = { s: '<!-- </script> \u2028 \u2029' };
    const out = scriptJson(value);
    expect(out).not.toMatch(/[<\u2028\u2029]/);
    expect(JSON.parse(out)).toEqual(value);
  });

  it('inlineMarkdown only knows `code` and **bold**', () => {
    expect(inlineMarkdown('a * b, `<i>`, **x**')).toBe('a * b, <code>&lt;i&gt;</code>, <strong>x</strong>');
  });
});
