/**
 * One process per run folder: `run.lock` holds the owner's pid, created exclusively (O_EXCL). A lock whose pid is
 * no longer alive (a killed run) is stale and taken over, so a crash never blocks a --resume.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '@pixel-models/nn';

export const RUN_LOCK = 'run.lock';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
};

/** Takes the folder's lock or throws a ConfigError naming the live owner; returns the release function. */
export function lockRunFolder(dir: string): () => void {
  const file = path.join(dir, RUN_LOCK);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      const release = () => {
        process.off('exit', release);
        try {
          if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.rmSync(file, { force: true });
        } catch {
          /* already gone */
        }
      };
      process.on('exit', release); // also released when the process exits at once (a second signal)
      return release;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(pid) && pid !== process.pid && alive(pid)) {
        throw new ConfigError(`run ${dir} is in use by process ${pid}: two processes cannot train the same run folder (wait for it, or stop it)`);
      }
      fs.rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new ConfigError(`cannot lock run ${dir}: ${file} keeps reappearing`);
}
