/**
 * Progress for long work: on a terminal one redrawn line with a bar, counts, the caller's fields and an ETA;
 * elsewhere (CI, pipes, logs) a plain line at most every `intervalMs` and at the end.
 */
export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** Numbers to 4 significant digits (integers as they are): `0.1235`, `123.5`, `1.235e+5`. */
export function formatValue(v: string | number): string {
  if (typeof v === 'string' || Number.isInteger(v) || !Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3 ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

export type ProgressFields = Record<string, string | number>;

export class ProgressBar {
  private readonly stream: ProgressStream;
  private readonly started: number;
  private lastPlain = 0;
  private lastTty = 0;

  constructor(
    private readonly o: {
      label: string;
      total: number;
      stream?: ProgressStream;
      intervalMs?: number;
      now?: () => number;
    },
  ) {
    this.stream = o.stream ?? process.stderr;
    this.started = this.now();
    this.lastPlain = this.started;
  }

  private now(): number {
    return this.o.now?.() ?? Date.now();
  }

  private line(done: number, fields: ProgressFields, final: boolean): string {
    const { total, label } = this.o;
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const elapsed = (this.now() - this.started) / 1000;
    const eta = final
      ? `took ${formatDuration(elapsed)}`
      : `ETA ${done > 0 ? formatDuration((elapsed * (total - done)) / done) : '?'}`;
    const extra = Object.entries(fields)
      .map(([k, v]) => `${k} ${formatValue(v)}`)
      .join('  ');
    const width = 24;
    const bar = this.stream.isTTY ? `[${'#'.repeat(Math.round(fraction * width)).padEnd(width, '.')}] ` : '';
    return `${label} ${bar}${(fraction * 100).toFixed(0).padStart(3)}% ${done}/${total}${extra ? `  ${extra}` : ''}  ${eta}`;
  }

  update(done: number, fields: ProgressFields = {}): void {
    const now = this.now();
    if (this.stream.isTTY) {
      if (now - this.lastTty < 100 && done < this.o.total) return; // redraw at most 10 times a second
      this.lastTty = now;
      this.stream.write(`\r\x1b[2K${this.line(done, fields, false)}`);
    } else if (now - this.lastPlain >= (this.o.intervalMs ?? 10_000)) {
      this.lastPlain = now;
      this.stream.write(`${this.line(done, fields, false)}\n`);
    }
  }

  finish(fields: ProgressFields = {}): void {
    this.stream.write(`${this.stream.isTTY ? '\r\x1b[2K' : ''}${this.line(this.o.total, fields, true)}\n`);
  }
}
