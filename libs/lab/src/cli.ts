/**
 * Command-line flags shared by every experiment: `--name value`, `--name=value`, `--flag` / `--no-flag`.
 * Unknown or invalid flags raise a UsageError carrying the usage text; `runMain` prints it and exits 2.
 */
import * as tf from '@tensorflow/tfjs';

type FlagType = 'int' | 'float' | 'string' | 'bool' | 'enum';

export interface FlagDef {
  type: FlagType;
  help: string;
  choices?: readonly string[];
  default?: number | string | boolean;
  min?: number;
  max?: number;
  /** Accepted but left out of the usage text. */
  hidden?: boolean;
  /** Old enum values and their new names: rejected with a message that names the new one. */
  renamed?: Readonly<Record<string, string>>;
}

export type FlagSpec = Record<string, FlagDef>;

type ValueOf<D> = D extends { type: 'int' | 'float' }
  ? number
  : D extends { type: 'bool' }
    ? boolean
    : D extends { type: 'enum'; choices: readonly (infer C)[] }
      ? C
      : string;

export type ParsedFlags<S extends FlagSpec> = {
  [K in keyof S]: S[K] extends { default: number | string | boolean } ? ValueOf<S[K]> : ValueOf<S[K]> | undefined;
};

export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

export class HelpRequested extends Error {
  override name = 'HelpRequested';
  constructor(readonly usage: string) {
    super('help requested');
  }
}

export function defineFlags<const S extends FlagSpec>(spec: S): S {
  return spec;
}

export function formatUsage(spec: FlagSpec, synopsis: string): string {
  const rows = Object.entries(spec)
    .filter(([, d]) => !d.hidden)
    .map(([name, d]) => {
      const arg = d.type === 'bool' ? '' : d.type === 'enum' ? ` <${d.choices?.join('|')}>` : ` <${d.type}>`;
      const def = d.default === undefined ? '' : ` (default: ${d.default})`;
      return [`  --${name}${arg}`, `${d.help}${def}`];
    });
  const width = Math.max(...rows.map(([a]) => a.length)) + 2;
  return `usage: ${synopsis}\n\nflags:\n${rows.map(([a, b]) => a.padEnd(width) + b).join('\n')}\n  --help${' '.repeat(Math.max(1, width - 8))}show this help`;
}

function convert(name: string, d: FlagDef, raw: string, fail: (m: string) => never): number | string | boolean {
  switch (d.type) {
    case 'int':
    case 'float': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n) || (d.type === 'int' && !Number.isInteger(n)))
        fail(`--${name} needs ${d.type === 'int' ? 'an integer' : 'a number'}, got "${raw}"`);
      if (d.min !== undefined && n < d.min) fail(`--${name} must be at least ${d.min}, got ${n}`);
      if (d.max !== undefined && n > d.max) fail(`--${name} must be at most ${d.max}, got ${n}`);
      return n;
    }
    case 'enum':
      if (d.renamed && Object.hasOwn(d.renamed, raw))
        fail(`--${name} ${raw} was renamed: use --${name} ${d.renamed[raw]} (the same settings)`);
      if (!d.choices?.includes(raw)) fail(`--${name} must be one of ${d.choices?.join(', ')}, got "${raw}"`);
      return raw;
    case 'bool':
      if (raw !== 'true' && raw !== 'false') fail(`--${name} takes no value or true/false, got "${raw}"`);
      return raw === 'true';
    default:
      // An empty value is a mistake (an unset variable), never "not given": `--out ""` must not mean the repo root.
      if (raw.trim() === '') fail(`--${name} needs a non-empty value`);
      return raw;
  }
}

export function parseFlags<S extends FlagSpec>(spec: S, argv: string[], { usage }: { usage: string }): ParsedFlags<S> {
  const text = formatUsage(spec, usage);
  const fail = (message: string): never => {
    throw new UsageError(message, text);
  };
  const out: Record<string, number | string | boolean | undefined> = {};
  for (const [name, d] of Object.entries(spec)) out[name] = d.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') throw new HelpRequested(text);
    if (arg === '--') continue; // the separator of `nx run target -- --flag`, if it is passed through
    if (!arg.startsWith('--')) fail(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    let name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    let raw: string | undefined = eq > 0 ? arg.slice(eq + 1) : undefined;
    if (!(name in spec) && name.startsWith('no-') && spec[name.slice(3)]?.type === 'bool' && raw === undefined) {
      name = name.slice(3);
      raw = 'false';
    }
    const d = spec[name];
    if (!d) fail(`unknown flag --${name}`);
    if (raw === undefined) {
      if (d.type === 'bool') raw = 'true';
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) raw = argv[++i];
      else fail(`--${name} needs a value`);
    }
    out[name] = convert(name, d, raw as string, fail);
  }
  return out as ParsedFlags<S>;
}

/** The flags given in `argv` (names without `--`; `--no-x` counts as `x`), to tell them from defaults. */
export function givenFlags(argv: string[]): string[] {
  return argv
    .filter((a) => a.startsWith('--'))
    .map((a) => {
      const name = a.slice(2).split('=')[0];
      return name.startsWith('no-') ? name.slice(3) : name;
    });
}

/**
 * Lets the GPU finish what was submitted before the process exits: exiting with WebGPU work in flight has ended
 * in a segfault during Dawn's teardown (shared/webgpu-on-cpu.md). Bounded, so a lost device cannot hang the exit.
 */
async function settleGpu(): Promise<void> {
  if (tf.engine().backendName !== 'webgpu') return;
  const queue = (tf.backend() as unknown as { queue?: { onSubmittedWorkDone(): Promise<void> } }).queue;
  if (!queue) return;
  await Promise.race([
    queue.onSubmittedWorkDone().catch(() => undefined),
    new Promise((resolve) => setTimeout(resolve, 5000).unref()),
  ]);
}

const KNOWN_ERRORS = new Set(['ConfigError', 'DataError', 'BackendError', 'TrainingDivergedError']);

export interface MainIo {
  exit: (code: number) => void;
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/**
 * Runs an entry point and turns errors into exit codes: usage errors print the usage and exit 2, known errors
 * print one line and exit 1, anything else prints its stack and exits 1. (Once the tfjs wasm backend is loaded
 * an uncaught error prints a huge minified line, so entry points never let one escape.)
 */
export async function runMain(
  main: () => Promise<void>,
  io: MainIo = { exit: (c) => process.exit(c), stdout: process.stdout, stderr: process.stderr },
): Promise<void> {
  try {
    await main();
    await settleGpu();
    io.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  } catch (e) {
    await settleGpu();
    if (e instanceof HelpRequested) {
      io.stdout.write(`${e.usage}\n`);
      io.exit(0);
    } else if (e instanceof UsageError) {
      io.stderr.write(`error: ${e.message}\n\n${e.usage}\n`);
      io.exit(2);
    } else if (e instanceof Error && KNOWN_ERRORS.has(e.name)) {
      io.stderr.write(`error: ${e.message}\n`);
      io.exit(1);
    } else {
      io.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      if (tf.engine().backendName === 'webgpu')
        io.stderr.write(
          '(on the webgpu backend: rerun with --backend wasm to tell a WebGPU failure from a bug of the run)\n',
        );
      io.exit(1);
    }
  }
}
