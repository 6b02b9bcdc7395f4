/**
 * Imports run one way: nn <- model libs <- lab <- experiments. nn (what a model is made of) and the model libs
 * load in a browser page, so their sources import nothing from Node; their tests may use the lab's backend
 * harness (`initBackend`, `@pixel-models/lab/testing`), nn's tests may not (nn is the bottom). Nothing imports
 * experiments. Within a lib, no source file imports itself through others (no import cycles).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const SELF = 'libs/lab/src/import-boundaries.test.ts'; // its negative controls are violations on purpose
const MODEL_LIBS = ['pixelrnn', 'gated-pixelcnn', 'conditioning'];

interface SourceFile {
  /** Relative to the repository root, e.g. `libs/nn/src/conv.ts`. */
  path: string;
  text: string;
}

/** The module specifiers a file imports (static, dynamic and re-exports). */
function specifiers(text: string): string[] {
  return [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'([^']+)'/g)].map((m) => m[1]);
}

const isNodeBuiltin = (spec: string) => spec.startsWith('node:');
const libOf = (file: string) => /^libs\/([^/]+)\//.exec(file)?.[1];

/** Which rule each import breaks, as `file: import` lines. */
function boundaryViolations(files: SourceFile[]): string[] {
  const found: string[] = [];
  for (const f of files) {
    const lib = libOf(f.path);
    const isTest = /\.test\.ts$/.test(f.path);
    for (const spec of specifiers(f.text)) {
      const target = /^@pixel-models\/([^/]+)/.exec(spec)?.[1];
      const escapes =
        spec.startsWith('.') && !path.normalize(path.join(path.dirname(f.path), spec)).startsWith(`libs/${lib}/`);
      const why =
        lib && (target === 'experiments' || escapes)
          ? 'reaches outside its lib or into experiments'
          : lib === 'nn' && target
            ? 'nn imports another lib'
            : lib === 'nn' && !isTest && isNodeBuiltin(spec)
              ? 'nn imports Node'
              : lib && MODEL_LIBS.includes(lib) && !isTest && (target === 'lab' || isNodeBuiltin(spec))
                ? 'a model lib imports the lab or Node'
                : lib === 'lab' && target && MODEL_LIBS.includes(target)
                  ? 'the lab imports a model lib'
                  : undefined;
      if (why) found.push(`${f.path}: '${spec}' (${why})`);
    }
  }
  return found;
}

/** The lib files `f` imports by relative path (`import type` too): `./x` is `x.ts` or `x/index.ts` among `paths`. */
function relativeImports(f: SourceFile, paths: Set<string>): string[] {
  return specifiers(f.text)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(f.path), spec));
      return [`${target}.ts`, `${target}/index.ts`, target].find((p) => paths.has(p));
    })
    .filter((p): p is string => p !== undefined);
}

/** The import cycles among the non-test files, each as `a.ts -> b.ts -> a.ts` (one per back edge of a walk). */
function importCycles(files: SourceFile[]): string[] {
  const sources = files.filter((f) => !/\.test\.ts$/.test(f.path));
  const paths = new Set(sources.map((f) => f.path));
  const imports = new Map(sources.map((f) => [f.path, relativeImports(f, paths)]));
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of imports.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].join(' -> '));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of paths) if (!state.has(file)) visit(file);
  return cycles;
}

function libSources(): SourceFile[] {
  const files: SourceFile[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory() && e.name !== 'node_modules') walk(rel);
      else if (e.isFile() && e.name.endsWith('.ts') && rel !== SELF)
        files.push({ path: rel, text: fs.readFileSync(path.join(ROOT, rel), 'utf8') });
    }
  };
  for (const lib of fs.readdirSync(path.join(ROOT, 'libs'))) walk(`libs/${lib}/src`);
  return files;
}

describe('import boundaries', () => {
  it('hold across the repository', () => {
    const files = libSources();
    expect(files.filter((f) => f.path.startsWith('libs/nn/')).length).toBeGreaterThan(20);
    expect(boundaryViolations(files)).toEqual([]);
  });

  it('are detected (negative controls)', () => {
    const bad: SourceFile[] = [
      { path: 'libs/nn/src/a.ts', text: "import { initBackend } from '@pixel-models/lab';" },
      { path: 'libs/nn/src/b.ts', text: "import fs from 'node:fs';" },
      { path: 'libs/nn/src/c.test.ts', text: "import { webgpuOrSkip } from '@pixel-models/lab/testing';" },
      { path: 'libs/nn/src/d.ts', text: "export * from '../../lab/src/backend';" },
      { path: 'libs/pixelrnn/src/e.ts', text: "import { runMain } from '@pixel-models/lab';" },
      { path: 'libs/gated-pixelcnn/src/f.ts', text: "const os = await import('node:os');" },
      { path: 'libs/lab/src/h.ts', text: "import { GatedPixelCnn } from '@pixel-models/gated-pixelcnn';" },
      { path: 'libs/lab/src/i.ts', text: "import { SWEEPS } from '@pixel-models/experiments';" },
    ];
    expect(boundaryViolations(bad)).toHaveLength(bad.length);
    const fine: SourceFile[] = [
      { path: 'libs/nn/src/a.test.ts', text: "import fs from 'node:fs';" },
      { path: 'libs/pixelrnn/src/b.test.ts', text: "import { webgpuOrSkip } from '@pixel-models/lab/testing';" },
      { path: 'libs/pixelrnn/src/c.ts', text: "import { Params } from '@pixel-models/nn';" },
      { path: 'libs/lab/src/d.ts', text: "import fs from 'node:fs';\nimport { Params } from '@pixel-models/nn';" },
    ];
    expect(boundaryViolations(fine)).toEqual([]);
  });

  it('leave no import cycle between the files of a lib', () => {
    const files = libSources();
    expect(files.filter((f) => f.path.startsWith('libs/lab/src/experiment/')).length).toBeGreaterThan(5);
    expect(importCycles(files)).toEqual([]);
  });

  it('cycles are detected (negative controls)', () => {
    const twoFiles: SourceFile[] = [
      { path: 'libs/lab/src/experiment/a.ts', text: "import { b } from './b';\nexport const a = 1;" },
      { path: 'libs/lab/src/experiment/b.ts', text: "import type { A } from './a';\nexport const b = 2;" },
    ];
    expect(importCycles(twoFiles)).toEqual([
      'libs/lab/src/experiment/a.ts -> libs/lab/src/experiment/b.ts -> libs/lab/src/experiment/a.ts',
    ]);
    const throughIndex: SourceFile[] = [
      { path: 'libs/nn/src/c.ts', text: "export * from './d';" },
      { path: 'libs/nn/src/d/index.ts', text: "export { e } from './e';" },
      { path: 'libs/nn/src/d/e.ts', text: "import { c } from '../c';" },
    ];
    expect(importCycles(throughIndex)).toEqual([
      'libs/nn/src/c.ts -> libs/nn/src/d/index.ts -> libs/nn/src/d/e.ts -> libs/nn/src/c.ts',
    ]);
    const fine: SourceFile[] = [
      { path: 'libs/nn/src/a.ts', text: "import { b } from './b';\nimport { c } from './c';" },
      { path: 'libs/nn/src/b.ts', text: "import { c } from './c';\nimport { Params } from '@pixel-models/nn';" },
      { path: 'libs/nn/src/c.ts', text: 'export const c = 1;' },
      { path: 'libs/nn/src/a.test.ts', text: "import { a } from './a';" }, // tests may import what imports them
    ];
    expect(importCycles(fine)).toEqual([]);
  });
});
