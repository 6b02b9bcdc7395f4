/** manifest.json: where, when and how a run ran, so its numbers can be trusted and reproduced. */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { BackendInfo } from '../backend';
import type { RunStatus } from './run-status';

export interface GitInfo {
  commit: string | null;
  dirty: boolean | null;
}

export function gitInfo(cwd = process.cwd()): GitInfo {
  const git = (args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  let commit: string | null = null;
  let dirty: boolean | null = null;
  try {
    commit = git(['rev-parse', 'HEAD']);
  } catch {
    /* not a git checkout, or no commit yet */
  }
  try {
    dirty = git(['status', '--porcelain', '--untracked-files=no']).length > 0;
  } catch {
    /* git unavailable */
  }
  return { commit, dirty };
}

export interface Manifest {
  experiment: string;
  runId: string;
  status: RunStatus;
  /** Why the run ended as it did, when not `completed` (the error, the signal). */
  reason?: string;
  preset?: string;
  seed: number;
  git: GitInfo;
  backend: string;
  device: string;
  /** Set when the device is a software emulation of a GPU (e.g. SwiftShader): its timings say nothing about a GPU. */
  softwareAdapter?: string;
  tfjsVersion: string;
  nodeVersion: string;
  platform: string;
  cpu: string;
  /** Threads training ran on (data-parallel on wasm), for training runs. */
  threads?: number;
  /** wasm: XNNPACK threads each convolution and product ran on (absent: 1). */
  kernelThreads?: number;
  started: string;
  ended?: string;
  wallSeconds?: number;
  imagesPerSecond?: number;
  command: string[];
  summary?: Record<string, number | string>;
}

export interface ManifestInput {
  experiment: string;
  runId: string;
  seed: number;
  backend: BackendInfo;
  started: Date;
  ended?: Date;
  status: Manifest['status'];
  reason?: string;
  preset?: string;
  imagesPerSecond?: number;
  summary?: Record<string, number | string>;
  cwd?: string;
}

export function buildManifest(m: ManifestInput): Manifest {
  return {
    experiment: m.experiment,
    runId: m.runId,
    status: m.status,
    reason: m.reason,
    preset: m.preset,
    seed: m.seed,
    git: gitInfo(m.cwd),
    backend: m.backend.name,
    device: m.backend.device,
    softwareAdapter: m.backend.softwareAdapter,
    tfjsVersion: m.backend.tfjsVersion,
    nodeVersion: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
    threads: m.backend.threads,
    kernelThreads: m.backend.kernelThreads,
    started: m.started.toISOString(),
    ended: m.ended?.toISOString(),
    wallSeconds: m.ended ? (m.ended.getTime() - m.started.getTime()) / 1000 : undefined,
    imagesPerSecond: m.imagesPerSecond,
    command: process.argv.slice(1),
    summary: m.summary,
  };
}
