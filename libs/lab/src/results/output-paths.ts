/**
 * Output roots (--out, --reports) checked before any data is loaded or any training starts: an empty value, a
 * file in the way or an unwritable folder is a ConfigError now, not a stack trace after hours of training.
 */
import fs from 'node:fs';
import path from 'node:path';
import { givenFlags } from '../cli';
import { ConfigError } from '@pixel-models/nn';

/**
 * The folder a root flag's relative value is resolved against: the current directory when the user gave the flag,
 * as for every other path flag (--data-dir, --binarized-mnist, --cifar-dir, --resume; under `npx nx run` the
 * current directory is the workspace root); the repository when the flag keeps its default (`results`, `reports`).
 */
export function outputRootBase(flag: string, argv: string[], repoRoot: string): string {
  return givenFlags(argv).includes(flag) ? process.cwd() : repoRoot;
}

/** Resolves `value` against `base` and checks that it is (or can be created as) a writable folder. */
export function checkOutputRoot(flag: string, value: string, base: string): string {
  if (value.trim() === '') throw new ConfigError(`${flag} is empty: give a folder`);
  const dir = path.resolve(base, value);
  // The nearest part of the path that exists must be a folder we may write into.
  let existing = dir;
  while (!fs.existsSync(existing)) existing = path.dirname(existing);
  const stat = fs.statSync(existing);
  if (!stat.isDirectory()) throw new ConfigError(`${flag} ${dir}: ${existing} is a file, not a folder`);
  try {
    fs.accessSync(existing, fs.constants.W_OK | fs.constants.X_OK);
  } catch {
    throw new ConfigError(`${flag} ${dir}: ${existing} is not writable`);
  }
  return dir;
}
