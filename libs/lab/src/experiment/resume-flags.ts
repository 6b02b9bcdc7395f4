/**
 * --resume continues a run as its config.json says, so flags that would change the run are refused rather than
 * silently ignored. Allowed: where and how it runs and writes (--backend, --threads, --out, --reports) and --optimizer (checked
 * against the checkpoint's, which names the right one when it differs).
 */
import { givenFlags } from '../cli';
import { ConfigError } from '@pixel-models/nn';

export const RESUME_ALLOWED = ['resume', 'backend', 'out', 'reports', 'optimizer', 'threads'];

export function checkResumeFlags(argv: string[]): void {
  const conflicting = [...new Set(givenFlags(argv).filter((f) => f !== '' && !RESUME_ALLOWED.includes(f)))];
  if (conflicting.length) {
    throw new ConfigError(
      `--resume continues the run with its own settings (config.json): ${conflicting.map((f) => `--${f}`).join(', ')} cannot change them. ` +
        `Drop ${conflicting.length > 1 ? 'them' : 'it'}, or start a new run; only --backend, --threads, --out and --reports go with --resume`,
    );
  }
}

/** The command that continues a run, with the roots it was given (absolute: it may be typed from anywhere). */
export function resumeCommand(
  target: string,
  args: { runId: string; out?: string; reports?: string; backend?: string },
): string {
  const q = (s: string) => (/^[\w./@:+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
  const extra = [
    args.out && `--out ${q(args.out)}`,
    args.reports && `--reports ${q(args.reports)}`,
    args.backend && `--backend ${args.backend}`,
  ].filter(Boolean);
  return `npx nx run ${target} -- --resume ${q(args.runId)}${extra.length ? ` ${extra.join(' ')}` : ''}`;
}
