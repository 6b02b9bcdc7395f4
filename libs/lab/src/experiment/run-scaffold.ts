/**
 * The frame of every run, in two calls: `openRun` (start the backend, print the resolved run, create or reopen the
 * run folder, write config.json, and for stoppable runs lock the folder, record `running` and handle stop
 * signals) and `finishRun` (the completed manifest, the report, the reports index and the closing lines).
 * The training runner, the comparisons, receptive-fields and speed all open and finish their runs here; what
 * happens in between is theirs.
 */
import { type BackendInfo, type BackendName, type BackendOptions, initBackend } from '../backend';
import { seedGlobalRandom } from '@pixel-models/nn';
import { writeReport, writeReportIndex } from '../report';
import {
  buildManifest,
  checkOutputRoot,
  createRunFolder,
  lockRunFolder,
  type Manifest,
  type ManifestInput,
  outputRootBase,
  type RunFolder,
} from '../results';
import { handleStopSignals, signalExitCode, type StopFlag } from '../signals';
import { continueCommand, recordFailure, type StatusRecorder, statusRecorder, stoppedReason } from './run-lifecycle';

/** Where a run writes: the results and reports roots, absolute and checked. */
export interface RunRoots {
  results: string;
  reports: string;
}

/** `--out` and `--reports`, checked before anything is written (relative paths as `outputRootBase` says). */
export function runRoots(argv: string[], flags: { out: string; reports: string }, root: string): RunRoots {
  return {
    results: checkOutputRoot('--out', flags.out, outputRootBase('out', argv, root)),
    reports: checkOutputRoot('--reports', flags.reports, outputRootBase('reports', argv, root)),
  };
}

/** A run that can be stopped and continued: locked, `running` from its first second, stopped cleanly by signals. */
export interface Lifecycle {
  /** This command's arguments, for the command that continues the run. */
  argv: string[];
  /** The `--backend` flag as given, repeated in that command when it was given. */
  backendFlag: string;
  /** Printed when a stop signal arrives, given the command that continues the run. */
  stopMessage: (command: string) => string;
}

export interface OpenRunOptions {
  experiment: string;
  roots: RunRoots;
  /** The backend to start, or one already started (speed starts several itself). */
  backend: BackendName | BackendInfo;
  /** How to start it (wasm: XNNPACK threads). */
  backendOptions?: BackendOptions;
  seed: number;
  preset: string;
  /** Seed the global random generator once the backend is up (runs that draw from it). */
  seedGlobal?: boolean;
  /** The run's first line, once the backend is known. */
  header?: (backend: BackendInfo) => string;
  /** The run folder's name (default: a timestamp). */
  runId?: string;
  /** The folder of a run being continued (--resume); a new one is created otherwise. */
  resumed?: RunFolder;
  /** Written as config.json into a new folder; a resumed run keeps its own. */
  config?: object;
  /** When the run began, if before it was opened (default: now). */
  started?: Date;
  lifecycle?: Lifecycle;
}

export interface RunHandle {
  experiment: string;
  preset: string;
  seed: number;
  folder: RunFolder;
  roots: RunRoots;
  backend: BackendInfo;
  started: Date;
  /** Set by a stop signal (lifecycle runs only). */
  stop: StopFlag;
  /** The command that continues the run (lifecycle runs; '' otherwise). */
  command: string;
  /** Writes manifest.json with a status. */
  record: StatusRecorder;
  /** Records `interrupted` and why, prints `what; continue with: COMMAND` and sets the signal's exit code. */
  interrupted(what: string): void;
  /** Records how the run failed (failed, diverged; out of memory made one clear error) and returns the error to throw. */
  failed(e: unknown, batchSize: number): unknown;
  /** Lets go of the stop signals and the folder's lock. */
  close(): void;
}

/** Starts a run: backend, header line, run folder, config.json, and for lifecycle runs lock, status and signals. */
export async function openRun(o: OpenRunOptions): Promise<RunHandle> {
  const backend = typeof o.backend === 'string' ? await initBackend(o.backend, o.backendOptions) : o.backend;
  if (o.seedGlobal) seedGlobalRandom(o.seed);
  if (o.header) console.log(o.header(backend));
  const folder = o.resumed ?? createRunFolder({ root: o.roots.results, experiment: o.experiment, runId: o.runId });
  const unlock = o.lifecycle ? lockRunFolder(folder.dir) : () => {};
  if (o.config && !o.resumed) folder.writeJson('config.json', o.config);
  const started = o.started ?? new Date();
  const record = statusRecorder(folder, { experiment: o.experiment, seed: o.seed, backend, started, preset: o.preset });
  const stop: StopFlag = { interrupted: false };
  let command = '';
  let release = () => {};
  if (o.lifecycle) {
    record('running'); // from its first second the run is in the index, whatever its end
    command = continueCommand(`experiments:${o.experiment}`, folder.runId, o.lifecycle.argv, {
      out: o.roots.results,
      reports: o.roots.reports,
      backend: o.lifecycle.backendFlag,
    });
    release = handleStopSignals(stop, o.lifecycle.stopMessage(command));
  }
  return {
    experiment: o.experiment,
    preset: o.preset,
    seed: o.seed,
    folder,
    roots: o.roots,
    backend,
    started,
    stop,
    command,
    record,
    interrupted(what) {
      record('interrupted', { reason: stoppedReason(stop, command) });
      console.log(`${what}; continue with: ${command}`);
      process.exitCode = signalExitCode(stop.signal);
    },
    failed: (e, batchSize) => recordFailure(e, record, backend.name, batchSize),
    close() {
      release();
      unlock();
    },
  };
}

export interface FinishRunOptions {
  summary: Record<string, number | string>;
  imagesPerSecond?: number;
  /** Where the manifest reads the git commit (default: the current directory). */
  cwd?: string;
  /** The report's HTML, given the completed manifest. */
  html: (manifest: Manifest) => string;
  /** Printed before the run folder and report lines, given the end time; nothing is printed when absent. */
  message?: (ended: Date) => string;
}

/** Completes a run: manifest.json `completed`, the report, the reports index, and the closing lines. */
export function finishRun(
  run: RunHandle,
  o: FinishRunOptions,
): { manifest: Manifest; reportPath: string; ended: Date } {
  const ended = new Date();
  const input: ManifestInput = {
    experiment: run.experiment,
    runId: run.folder.runId,
    seed: run.seed,
    backend: run.backend,
    started: run.started,
    ended,
    status: 'completed',
    preset: run.preset,
    imagesPerSecond: o.imagesPerSecond,
    summary: o.summary,
    cwd: o.cwd,
  };
  const manifest = buildManifest(input);
  run.folder.writeJson('manifest.json', manifest);
  const reportPath = writeReport({
    root: run.roots.reports,
    experiment: run.experiment,
    runId: run.folder.runId,
    html: o.html(manifest),
  });
  writeReportIndex({ reportsRoot: run.roots.reports, resultsRoot: run.roots.results });
  if (o.message) console.log(`${o.message(ended)}\nrun folder: ${run.folder.dir}\nreport: ${reportPath}`);
  return { manifest, reportPath, ended };
}
