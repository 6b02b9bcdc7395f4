/**
 * XNNPACK's own threads for the wasm backend under Node: one backend whose convolutions and matrix products run on
 * N threads. tfjs-backend-wasm 4.22 ships the threaded SIMD build but never starts it in Node, for three reasons,
 * each undone here before the backend starts (and only then: a started backend keeps its thread count):
 *  1. `WASM_HAS_MULTITHREAD_SUPPORT` is false whenever tfjs runs in Node (tfjs issue 3830): set to true.
 *  2. Emscripten's pthread workers are created from a `blob:` URL, which `worker_threads.Worker` rejects: the
 *     worker script (the package's `wasmWorkerContents`) is written to a file once, and a `blob:` URL given to
 *     `Worker` is replaced by that file. The script's own `importScripts(blob:)` of the main glue is pointed at
 *     the package's `tfjs-backend-wasm-threaded-simd.js`.
 *  3. The backend caps its threads at half the logical cores Emscripten reports (`os.cpus().length` in Node), so
 *     a 2-core machine gets 1: while the backend starts, `os.cpus` reports 2N cores.
 * XNNPACK's pool threads are unref'd so that they never keep a finished process alive. The count actually
 * started is read back (`getThreadsCount`) and returned; a caller that gets fewer than it asked for says so.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import workerThreads from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';

const require = createRequire(import.meta.url);

interface WasmPackage {
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

/** The pthread worker script as a file (written once per package version), with the glue's path baked in. */
function workerScriptFile(): string {
  const pkgDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  const version = (require('@tensorflow/tfjs-backend-wasm/package.json') as { version: string }).version;
  const glue = path.join(pkgDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  const { wasmWorkerContents } = require(
    path.join(pkgDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js'),
  ) as {
    wasmWorkerContents: string;
  };
  const file = path.join(os.tmpdir(), `pixel-models-wasm-pthread-${version}.cjs`);
  // tfjs escapes newlines the same way before it makes its Blob (the contents are one string literal's text).
  const script =
    `URL.createObjectURL = () => ${JSON.stringify(glue)}; URL.revokeObjectURL = () => {};\n` +
    wasmWorkerContents.replace(/\n/g, '\\n');
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== script) {
    const tmp = `${file}.${process.pid}.tmp`; // several processes may start at once: write, then rename
    fs.writeFileSync(tmp, script);
    fs.renameSync(tmp, file);
  }
  return file;
}

let patchedFor: string | undefined;

/** Routes `blob:` workers to the script file (the glue reads `require('worker_threads').Worker` when it starts). */
function patchWorker(scriptFile: string): void {
  if (patchedFor === scriptFile) return;
  const Base = workerThreads.Worker;
  workerThreads.Worker = class extends Base {
    constructor(url: string | URL, options?: workerThreads.WorkerOptions) {
      super(String(url).startsWith('blob:') ? scriptFile : url, options);
    }
  } as typeof workerThreads.Worker;
  patchedFor = scriptFile;
}

/**
 * Starts the wasm backend with `threads` XNNPACK threads; returns the number it runs. Must come before anything
 * starts the wasm backend in this process or thread. When the threaded start fails (no writable temp folder for the
 * worker script, workers refused, ...), says why and starts the one-thread build instead.
 */
export async function startThreadedWasm(threads: number, activate: () => Promise<void>): Promise<number> {
  const wasm = (await import('@tensorflow/tfjs-backend-wasm')) as unknown as WasmPackage;
  if (threads <= 1) {
    await activate();
    return 1;
  }
  try {
    patchWorker(workerScriptFile());
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasm.setThreadsCount(threads);
    const cpus = os.cpus;
    os.cpus = () => {
      const real = cpus();
      return Array.from({ length: 2 * threads }, (_, i) => real[i % real.length]);
    };
    try {
      await activate();
    } finally {
      os.cpus = cpus;
    }
  } catch (e) {
    console.log(`wasm: ${threads} XNNPACK threads could not start (${(e as Error).message}); using 1 thread`);
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasm.setThreadsCount(1);
    await activate();
    return 1;
  }
  // XNNPACK's pool threads run (and so are ref'd) for the backend's life: a finished process must not wait on them.
  const glue = (tf.backend() as unknown as { wasm?: { PThread?: { runningWorkers: { unref(): void }[] } } }).wasm;
  for (const worker of glue?.PThread?.runningWorkers ?? []) worker.unref();
  return wasm.getThreadsCount();
}
