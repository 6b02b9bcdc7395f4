import { describe, expect, it } from 'vitest';
import { defineFlags, HelpRequested, parseFlags, runMain, UsageError } from './cli';
import { BackendError, ConfigError, DataError } from '@pixel-models/nn';

const spec = defineFlags({
  epochs: { type: 'int', default: 2, min: 1, help: 'passes over the training set' },
  lr: { type: 'float', default: 1e-3, min: 0, max: 1, help: 'learning rate' },
  backend: { type: 'enum', choices: ['wasm', 'cpu', 'webgpu'] as const, default: 'wasm', help: 'tfjs backend' },
  'run-id': { type: 'string', help: 'run folder name' },
  report: { type: 'bool', default: true, help: 'write the HTML report' },
});
const usage = 'npx nx run experiments:mnist-gated -- [flags]';
const parse = (argv: string[]) => parseFlags(spec, argv, { usage });

/** The UsageError a bad command line throws. */
function usageError(argv: string[]): UsageError {
  try {
    parse(argv);
  } catch (e) {
    if (e instanceof UsageError) return e;
    throw e;
  }
  throw new Error(`no UsageError for ${argv.join(' ')}`);
}

describe('parseFlags', () => {
  it('gives the defaults, typed from the spec', () => {
    const f = parse([]);
    const typed: {
      epochs: number;
      lr: number;
      backend: 'wasm' | 'cpu' | 'webgpu';
      'run-id': string | undefined;
      report: boolean;
    } = f;
    expect(typed).toEqual({ epochs: 2, lr: 1e-3, backend: 'wasm', 'run-id': undefined, report: true });
  });

  it('reads --name value, --name=value, --bool and --no-bool', () => {
    expect(parse(['--epochs', '5', '--lr=0.01', '--backend', 'cpu', '--run-id=a', '--no-report'])).toEqual({
      epochs: 5,
      lr: 0.01,
      backend: 'cpu',
      'run-id': 'a',
      report: false,
    });
    expect(parse(['--report']).report).toBe(true);
    expect(parse(['--report=false']).report).toBe(false);
  });

  it('throws HelpRequested with the usage on --help', () => {
    expect(() => parse(['--epochs', '3', '--help'])).toThrow(HelpRequested);
    try {
      parse(['--help']);
    } catch (e) {
      const usageText = (e as HelpRequested).usage;
      expect(usageText).toContain(`usage: ${usage}`);
      for (const line of [
        '--epochs <int>',
        'passes over the training set (default: 2)',
        '--backend <wasm|cpu|webgpu>',
        '--run-id <string>',
        '--report',
        '--help',
      ]) {
        expect(usageText).toContain(line);
      }
    }
  });

  it.each([
    [['--epoch', '3'], 'unknown flag --epoch'],
    [['--epochs'], '--epochs needs a value'],
    [['--epochs', '--lr', '0.1'], '--epochs needs a value'],
    [['--epochs', 'three'], '--epochs needs an integer, got "three"'],
    [['--epochs', '2.5'], '--epochs needs an integer'],
    [['--lr', ''], '--lr needs a number'],
    [['--epochs', '0'], '--epochs must be at least 1, got 0'],
    [['--lr', '2'], '--lr must be at most 1, got 2'],
    [['--backend', 'tpu'], '--backend must be one of wasm, cpu, webgpu, got "tpu"'],
    [['--report=yes'], '--report takes no value or true/false'],
    [['data.bin'], 'unexpected argument "data.bin"'],
    [['--no-epochs'], 'unknown flag --no-epochs'],
  ])('rejects %j', (argv, message) => {
    const e = usageError(argv);
    expect(e.message).toContain(message);
    expect(e.usage).toContain('--lr <float>');
  });

  it('refuses a renamed enum value and names the new one, which it accepts', () => {
    const renamed = defineFlags({
      preset: {
        type: 'enum',
        choices: ['smoke', 'gpu'] as const,
        default: 'smoke',
        renamed: { paper: 'gpu' },
        help: 'size',
      },
    });
    const bad = () => parseFlags(renamed, ['--preset', 'paper'], { usage });
    expect(bad).toThrow(UsageError);
    expect(bad).toThrow('--preset paper was renamed: use --preset gpu');
    expect(parseFlags(renamed, ['--preset', 'gpu'], { usage }).preset).toBe('gpu');
    // Only own entries count as old names: 'toString' is an unknown value, not a rename.
    expect(() => parseFlags(renamed, ['--preset', 'toString'], { usage })).toThrow(
      '--preset must be one of smoke, gpu, got "toString"',
    );
  });
});

/** Runs runMain with captured output and exit code. */
async function run(main: () => Promise<void>) {
  const out = { code: -1, stdout: '', stderr: '' };
  await runMain(main, {
    exit: (c) => void (out.code = c),
    stdout: { write: (s: string) => (out.stdout += s) },
    stderr: { write: (s: string) => (out.stderr += s) },
  });
  return out;
}

describe('runMain', () => {
  it('exits 0 when main succeeds', async () => {
    expect(await run(async () => {})).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('prints usage to stdout and exits 0 on --help', async () => {
    const r = await run(async () => void parse(['--help']));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`usage: ${usage}`);
    expect(r.stderr).toBe('');
  });

  it('prints the problem and the usage to stderr and exits 2 on a usage error', async () => {
    const r = await run(async () => void parse(['--epochs', 'x']));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --epochs needs an integer, got "x"\n\nusage: /);
    expect(r.stdout).toBe('');
  });

  it.each([ConfigError, DataError, BackendError])('prints one line and exits 1 on %o', async (Type) => {
    const r = await run(async () => {
      throw new Type('mnist files are missing: run npm ci');
    });
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'error: mnist files are missing: run npm ci\n' });
  });

  it('matches known errors by name, not class', async () => {
    const e = Object.assign(new Error('bad preset'), { name: 'ConfigError' });
    expect((await run(async () => Promise.reject(e))).stderr).toBe('error: bad preset\n');
  });

  it('prints the stack and exits 1 on anything else', async () => {
    const r = await run(async () => {
      throw new TypeError('x is undefined');
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('TypeError: x is undefined\n    at ');
    const s = await run(() => Promise.reject('a string'));
    expect(s).toEqual({ code: 1, stdout: '', stderr: 'a string\n' });
  });
});
