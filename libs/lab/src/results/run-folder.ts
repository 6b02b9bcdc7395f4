/** Run folders: results/<experiment>/<run-id>/, created once and never overwritten. */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { ConfigError } from '@pixel-models/nn';
import { writeFileAtomic } from './atomic';

export interface RunFolder {
  dir: string;
  runId: string;
  experiment: string;
  path(name: string): string;
  writeJson(name: string, value: unknown): void;
  writeText(name: string, text: string): void;
  writeBuffer(name: string, data: Uint8Array): void;
  writeCsv(name: string, rows: Record<string, string | number>[], columns: string[]): void;
  readJson<T>(name: string): T;
}

/** A sortable id: UTC time to the second and 4 random hex digits. */
export function newRunId(now = new Date()): string {
  return `${now.toISOString().slice(0, 19).replace(/:/g, '-')}Z-${crypto.randomBytes(2).toString('hex')}`;
}

/**
 * A run folder deleted while its run is still writing must not be silently re-created (a checkpoint write would
 * make a folder without config.json, later listed as a run). Opening a folder leaves a token in it; every write
 * checks that the token is still there (inode numbers are no proof: a new folder may get the old one's).
 */
const TOKEN_FILE = '.writer';

function stillThere(dir: string, token: string): void {
  const file = path.join(dir, TOKEN_FILE);
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== token) {
    throw new ConfigError(`run folder ${dir} was deleted during the run: nothing more is written to it`);
  }
}

function folder(dir: string): RunFolder {
  const file = (name: string) => path.join(dir, name);
  const token = `${process.pid}-${crypto.randomBytes(8).toString('hex')}`;
  writeFileAtomic(file(TOKEN_FILE), token);
  const write = (name: string, data: string | Uint8Array) => {
    stillThere(dir, token);
    writeFileAtomic(file(name), data);
  };
  return {
    dir,
    runId: path.basename(dir),
    experiment: path.basename(path.dirname(dir)),
    path: file,
    writeJson: (name, value) => write(name, `${JSON.stringify(value, null, 2)}\n`),
    writeText: (name, text) => write(name, text),
    writeBuffer: (name, data) => write(name, data),
    writeCsv: (name, rows, columns) => write(name, stringify(rows, { header: true, columns })),
    readJson: <T>(name: string) => {
      if (!fs.existsSync(file(name))) throw new ConfigError(`${file(name)} is missing: is ${dir} a run folder?`);
      return JSON.parse(fs.readFileSync(file(name), 'utf8')) as T;
    },
  };
}

const VALID_ID = /^[A-Za-z0-9._-]+$/;

export function createRunFolder({ root, experiment, runId }: { root: string; experiment: string; runId?: string }): RunFolder {
  const id = runId ?? newRunId();
  if (!VALID_ID.test(id)) throw new ConfigError(`run id "${id}" may only contain letters, digits, '.', '_' and '-'`);
  const parent = path.join(root, experiment);
  fs.mkdirSync(parent, { recursive: true });
  const dir = path.join(parent, id);
  try {
    fs.mkdirSync(dir); // not recursive: fails if the run exists, atomically
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ConfigError(`run ${dir} already exists and is never overwritten: pass another --run-id, or --resume ${id} to continue it`);
    }
    throw e;
  }
  return folder(dir);
}

export function openRunFolder(dir: string): RunFolder {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new ConfigError(`no run folder at ${dir}`);
  return folder(dir);
}
