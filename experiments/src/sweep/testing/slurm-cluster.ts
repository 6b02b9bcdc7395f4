/**
 * A throwaway single-node Slurm cluster for tests: munged (as user munge, with a generated key) and slurmctld +
 * slurmd (as root, SlurmUser=root) on this host, every state, spool, socket and log file in a temp dir, ports
 * picked at random. `startSlurmCluster` returns the cluster, or the reason it cannot start one; `stop` ends the
 * daemons it started, by their pids.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface SlurmCluster {
  dir: string;
  /** Environment for sbatch/squeue/sacct: SLURM_CONF pointing at this cluster's slurm.conf. */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

const which = (cmd: string) =>
  ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].map((d) => path.join(d, cmd)).find((p) => fs.existsSync(p));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startSlurmCluster(): Promise<SlurmCluster | { skip: string }> {
  if (process.platform !== 'linux') return { skip: 'Slurm test needs Linux' };
  if (process.getuid?.() !== 0) return { skip: 'Slurm test needs root (SlurmUser=root, munged started as user munge)' };
  const bins = Object.fromEntries(
    ['munged', 'slurmctld', 'slurmd', 'sbatch', 'squeue', 'sinfo'].map((b) => [b, which(b)]),
  );
  const absent = Object.entries(bins)
    .filter(([, p]) => !p)
    .map(([b]) => b);
  if (absent.length)
    return {
      skip: `Slurm/munge not installed (missing ${absent.join(', ')}): apt-get install slurmctld slurmd slurm-client munge`,
    };
  let munge: { uid: number; gid: number };
  try {
    munge = {
      uid: Number(execFileSync('id', ['-u', 'munge'], { encoding: 'utf8' })),
      gid: Number(execFileSync('id', ['-g', 'munge'], { encoding: 'utf8' })),
    };
  } catch {
    return { skip: 'no user munge (the munge package creates it)' };
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slurm-test-'));
  fs.chmodSync(dir, 0o755);
  const host = os.hostname().split('.')[0];
  const mungeDir = path.join(dir, 'munge');
  fs.mkdirSync(mungeDir, { mode: 0o700 });
  const key = path.join(mungeDir, 'munge.key');
  fs.writeFileSync(key, crypto.randomBytes(1024), { mode: 0o400 });
  for (const p of [mungeDir, key]) fs.chownSync(p, munge.uid, munge.gid);
  const socket = path.join(mungeDir, 'munge.socket');
  for (const d of ['state', 'spool']) fs.mkdirSync(path.join(dir, d));
  const port = 20000 + crypto.randomInt(20000);
  const conf = path.join(dir, 'slurm.conf');
  fs.writeFileSync(
    conf,
    [
      'ClusterName=sweeptest',
      `SlurmctldHost=${host}`,
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `AuthInfo=socket=${socket}`,
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'MpiDefault=none',
      'ReturnToService=2',
      `SlurmctldPort=${port}`,
      `SlurmdPort=${port + 1}`,
      `StateSaveLocation=${dir}/state`,
      `SlurmdSpoolDir=${dir}/spool`,
      `SlurmctldPidFile=${dir}/slurmctld.pid`,
      `SlurmdPidFile=${dir}/slurmd.pid`,
      `SlurmctldLogFile=${dir}/slurmctld.log`,
      `SlurmdLogFile=${dir}/slurmd.log`,
      'SchedulerParameters=sched_interval=1',
      'MinJobAge=60',
      `NodeName=${host} CPUs=2 State=UNKNOWN`,
      'PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, SLURM_CONF: conf };

  const children: ChildProcess[] = [];
  const start = (bin: string, args: string[], opts: { uid?: number; gid?: number } = {}) => {
    const log = fs.openSync(path.join(dir, `${path.basename(bin)}.out`), 'a');
    const child = spawn(bin, args, { env, stdio: ['ignore', log, log], ...opts });
    fs.closeSync(log);
    children.push(child);
    return child;
  };
  const stop = async () => {
    for (const child of children.reverse()) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) continue;
      const gone = new Promise((r) => child.once('exit', r));
      process.kill(child.pid, 'SIGTERM');
      await Promise.race([gone, sleep(5000)]);
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
    }
  };
  const fail = async (why: string) => {
    await stop();
    const logs = ['munged.out', 'slurmctld.log', 'slurmd.log']
      .map((f) => path.join(dir, f))
      .filter((f) => fs.existsSync(f))
      .map((f) => `--- ${f}\n${fs.readFileSync(f, 'utf8').split('\n').slice(-8).join('\n')}`)
      .join('\n');
    return { skip: `${why}\n${logs}` };
  };

  start(
    bins.munged!,
    [
      '--foreground',
      '--force',
      `--key-file=${key}`,
      `--socket=${socket}`,
      `--pid-file=${path.join(mungeDir, 'munged.pid')}`,
      `--log-file=${path.join(mungeDir, 'munged.log')}`,
      `--seed-file=${path.join(mungeDir, 'munged.seed')}`,
    ],
    munge,
  );
  for (let i = 0; i < 50 && !fs.existsSync(socket); i++) await sleep(100);
  if (!fs.existsSync(socket)) return fail('munged did not start');
  start(bins.slurmctld!, ['-D', '-i', '-f', conf]);
  start(bins.slurmd!, ['-D', '-f', conf]);
  for (let i = 0; i < 100; i++) {
    if (children.some((c) => c.exitCode !== null)) return fail('a Slurm daemon exited at start');
    try {
      const state = execFileSync(bins.sinfo!, ['-h', '-o', '%T'], {
        env,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
      if (state === 'idle') return { dir, env, stop };
    } catch {
      /* slurmctld not answering yet */
    }
    await sleep(200);
  }
  return fail('the node did not become idle within 20 s');
}
