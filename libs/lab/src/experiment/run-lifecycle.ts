/**
 * The pieces of a run's life that the single-model runner and the comparisons share: reopening a run for
 * --resume, recording its status in manifest.json, the command that continues it, and how a failure is recorded.
 */
import fs from 'node:fs';
import path from 'node:path';
import { givenFlags } from '../cli';
import { ConfigError } from '@pixel-models/nn';
import {
  buildManifest,
  endOfError,
  type Manifest,
  type ManifestInput,
  openRunFolder,
  type RunFolder,
  type RunStatus,
} from '../results';
import type { StopFlag } from '../signals';
import { isMemoryFailure, memoryError } from './memory-error';
import { resumeCommand } from './resume-flags';

/** A run to continue: an id under `experimentDir`, or a path. A completed run is refused and its record left as it is. */
export function openRunToResume(run: string, experimentDir: string): RunFolder {
  const dir = run.includes(path.sep) || run.startsWith('.') ? path.resolve(run) : path.join(experimentDir, run);
  const folder = openRunFolder(dir);
  const manifest = fs.existsSync(folder.path('manifest.json')) ? folder.readJson<Manifest>('manifest.json') : undefined;
  if (manifest?.status === 'completed') {
    throw new ConfigError(
      `run ${dir} already completed (${manifest.ended ?? 'its manifest says so'}): there is nothing to resume, and its record is left as it is; start a new run to train again`,
    );
  }
  return folder;
}

export type StatusRecorder = (status: RunStatus, extra?: Partial<ManifestInput>) => void;

/** Writes the run's manifest.json with a status (and, once it is no longer running, its end time). */
export function statusRecorder(
  folder: RunFolder,
  base: Omit<ManifestInput, 'runId' | 'status' | 'ended'>,
): StatusRecorder {
  return (status, extra = {}) =>
    folder.writeJson(
      'manifest.json',
      buildManifest({
        ...base,
        runId: folder.runId,
        ended: status === 'running' ? undefined : new Date(),
        status,
        ...extra,
      }),
    );
}

/** The command that continues the run, with the roots and backend this command was given (absolute roots). */
export function continueCommand(
  target: string,
  runId: string,
  argv: string[],
  roots: { out: string; reports: string; backend: string },
): string {
  const given = new Set(givenFlags(argv));
  return resumeCommand(target, {
    runId,
    out: given.has('out') ? roots.out : undefined,
    reports: given.has('reports') ? roots.reports : undefined,
    backend: given.has('backend') ? roots.backend : undefined,
  });
}

/** The manifest's reason for a stopped run: what stopped it and how to continue. */
export function stoppedReason(stop: StopFlag, command: string): string {
  return `stopped by ${stop.cause ?? stop.signal ?? 'a signal'}; continue with: ${command}`;
}

/**
 * Records how a run failed (failed or diverged, with the reason) and returns the error to throw: a backend out of
 * memory becomes one clear error with a hint instead of a raw "Aborted()".
 */
export function recordFailure(e: unknown, record: StatusRecorder, backend: string, batch: number): unknown {
  const error = isMemoryFailure(e) ? memoryError(e, backend, batch) : e;
  const end = endOfError(error);
  record(end.status, { reason: end.reason });
  return error;
}
