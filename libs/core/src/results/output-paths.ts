/**
 * Output roots (--out, --reports) checked before any data is loaded or any training starts: an empty value, a
 * file in the way or an unwritable folder is a ConfigError now, not a stack trace after hours of training.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors';

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
