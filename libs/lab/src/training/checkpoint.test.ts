/**
 * Checkpoints verified and replaced atomically as a whole: every kind of damage (truncated or garbage index,
 * truncated binary, a flipped bit, garbage of the right size, tensors out of range) is a ConfigError naming the
 * file and the fault, never a raw RangeError/SyntaxError/tfjs error and never the learning rate; a binary written
 * by a save that crashed before committing its index leaves the previous checkpoint loadable, at its position;
 * checkpoints written before checksums still load.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '@pixel-models/nn';
import { useTestBackend } from '@pixel-models/nn/testing';
import {
  CHECKPOINT_BIN,
  CHECKPOINT_JSON,
  type Checkpoint,
  checkpointBinary,
  disposeCheckpoint,
  hasCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
} from './checkpoint';

beforeAll(async () => {
  await useTestBackend();
});

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'checkpoint-'));

/** Saves a small Adam checkpoint at `epoch` whose values all derive from `seed`; returns the values saved. */
async function save(dir: string, epoch: number, seed: number): Promise<number[][]> {
  const values = [
    [seed, seed + 1, seed + 2, seed + 3, seed + 4, seed + 5],
    [seed * 2, seed * 3],
    [seed / 2, seed / 4, seed / 8, seed / 16, seed / 32, seed / 64],
    [seed, seed],
    [1, 2, 3, 4, 5, 6],
    [7, 8],
  ];
  const [w0, w1, m0, m1, v0, v1] = values.map((v, i) => (i % 2 === 0 ? tf.tensor(v, [2, 3]) : tf.tensor(v, [2])));
  await saveCheckpoint(
    dir,
    {
      model: 'tiny',
      modelConfig: { levels: 2 },
      position: { epoch, batch: 1, partialLoss: 0.5, partialImages: 8, partialSeconds: 0.1 },
      history: [],
    },
    [w0, w1],
    { name: 'adam', state: { step: 3 + epoch, slots: { m: [m0, m1], v: [v0, v1] } } },
  );
  tf.dispose([w0, w1, m0, m1, v0, v1]);
  return values;
}

const valuesOf = (c: Checkpoint) =>
  [...c.weights, ...c.optimizer.state.slots.m, ...c.optimizer.state.slots.v].map((t) => Array.from(t.dataSync()));
const bins = (dir: string) =>
  fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.bin'))
    .sort();
const jsonOf = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, CHECKPOINT_JSON), 'utf8'));

/** Loading fails with a ConfigError whose message matches `message`, names `file`, and blames neither the learning rate nor a raw error. */
function expectDamaged(dir: string, file: string, message: RegExp): void {
  let error: unknown;
  try {
    disposeCheckpoint(loadCheckpoint(dir));
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigError);
  const text = (error as Error).message;
  expect(text).toMatch(message);
  expect(text).toContain(file);
  expect(text).not.toMatch(/learning rate|--lr|RangeError|SyntaxError/);
}

describe('checkpoints: verified', () => {
  it('records the binary by content-addressed name, size and SHA-256, and loads what was saved', async () => {
    const dir = tmp();
    const values = await save(dir, 1, 5);
    const meta = jsonOf(dir);
    expect(meta.binary).toMatch(/^checkpoint-[0-9a-f]{16}\.bin$/);
    expect(meta.sha256.startsWith(meta.binary.slice('checkpoint-'.length, -4))).toBe(true);
    expect(meta.bytes).toBe(fs.statSync(path.join(dir, meta.binary)).size);
    expect(bins(dir)).toEqual([meta.binary]);
    expect(checkpointBinary(dir)).toBe(path.join(dir, meta.binary));
    const c = loadCheckpoint(dir);
    expect(c.verified).toBe(true);
    expect(valuesOf(c)).toEqual(values.map((v) => Array.from(Float32Array.from(v))));
    disposeCheckpoint(c);
    // The next save replaces the pair and deletes the old binary.
    await save(dir, 2, 9);
    expect(bins(dir)).toEqual([jsonOf(dir).binary]);
    expect(jsonOf(dir).binary).not.toBe(meta.binary);
  });

  it('a truncated checkpoint.json is "not valid JSON"', async () => {
    const dir = tmp();
    await save(dir, 1, 5);
    const file = path.join(dir, CHECKPOINT_JSON);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').slice(0, 100));
    expect(hasCheckpoint(dir)).toBe(true); // present but damaged: loading says so, the run does not silently start over
    expectDamaged(dir, file, /damaged checkpoint: .*checkpoint\.json: not valid JSON/);
  });

  it('a garbage checkpoint.json is "not valid JSON"; valid JSON without a field names the field', async () => {
    const dir = tmp();
    await save(dir, 1, 5);
    const file = path.join(dir, CHECKPOINT_JSON);
    fs.writeFileSync(file, Buffer.from([0x00, 0xff, 0x13, 0x37, 0x7b, 0x22]));
    expectDamaged(dir, file, /not valid JSON/);
    fs.writeFileSync(file, '[1, 2, 3]');
    expectDamaged(dir, file, /not a JSON object/);
    await save(dir, 1, 5);
    for (const [key, message] of [
      ['position', /missing field "position"/],
      ['tensors', /missing field "tensors"/],
      ['sha256', /missing field "sha256"/],
    ] as const) {
      const { [key]: _dropped, ...rest } = jsonOf(dir);
      fs.writeFileSync(`${file}.good`, fs.readFileSync(file));
      fs.writeFileSync(file, JSON.stringify(rest));
      expectDamaged(dir, file, message);
      fs.renameSync(`${file}.good`, file);
    }
    const { position, ...rest } = jsonOf(dir);
    fs.writeFileSync(file, JSON.stringify({ ...rest, position: { ...position, epoch: 'one' } }));
    expectDamaged(dir, file, /field "position\.epoch" is not a finite number/);
  });

  it('a truncated binary is a size mismatch', async () => {
    const dir = tmp();
    await save(dir, 1, 5);
    const bin = checkpointBinary(dir)!;
    const size = fs.statSync(bin).size;
    fs.truncateSync(bin, size - 6);
    expectDamaged(dir, bin, new RegExp(`is ${size - 6} bytes but checkpoint\\.json records ${size} \\(truncated`));
  });

  it('one flipped bit in the binary is a checksum mismatch', async () => {
    const dir = tmp();
    await save(dir, 1, 5);
    const bin = checkpointBinary(dir)!;
    const data = fs.readFileSync(bin);
    data[13] ^= 0x01; // the lowest mantissa bit of one value: still a finite, plausible number
    fs.writeFileSync(bin, data);
    expectDamaged(dir, bin, /checksum mismatch/);
  });

  it('garbage of the right size in the binary is a checksum mismatch, not a diverged run', async () => {
    const dir = tmp();
    await save(dir, 1, 5);
    const bin = checkpointBinary(dir)!;
    const size = fs.statSync(bin).size;
    fs.writeFileSync(bin, Buffer.alloc(size, 0xff)); // every value NaN
    expectDamaged(dir, bin, /checksum mismatch/);
    fs.writeFileSync(bin, Buffer.alloc(size, 0x3c)); // every value 0.0115: finite, wrong
    expectDamaged(dir, bin, /checksum mismatch/);
  });

  it('tensor offsets out of range are named, not a RangeError', async () => {
    const dir = tmp();
    await save(dir, 1, 5);
    const meta = jsonOf(dir);
    meta.tensors[2].offset = 1000;
    fs.writeFileSync(path.join(dir, CHECKPOINT_JSON), JSON.stringify(meta));
    expectDamaged(
      dir,
      checkpointBinary(dir)!,
      /tensor adam\.m\.0 \[2,3\] at offset 1000 ends at value 1006, past the file's 24 values/,
    );
    meta.tensors[2].offset = -1;
    fs.writeFileSync(path.join(dir, CHECKPOINT_JSON), JSON.stringify(meta));
    expectDamaged(dir, path.join(dir, CHECKPOINT_JSON), /tensor 2 \(adam\.m\.0\) has no valid offset/);
  });
});

describe('checkpoints: replaced atomically as a whole', () => {
  it('a save that crashes after writing its binary, before its index, leaves the previous checkpoint at its position', async () => {
    const dir = tmp();
    const old = await save(dir, 1, 5);
    const oldBinary = jsonOf(dir).binary;
    // The crash: the rename that would put the new checkpoint.json in place never happens.
    const rename = fs.renameSync;
    const spy = vi.spyOn(fs, 'renameSync').mockImplementation((from, to) => {
      if (path.basename(String(to)) === CHECKPOINT_JSON)
        throw new Error('simulated crash before the index is committed');
      rename(from, to);
    });
    await expect(save(dir, 2, 9)).rejects.toThrow('simulated crash');
    spy.mockRestore();
    expect(bins(dir)).toHaveLength(2); // the new binary is there, beside the old one
    expect(jsonOf(dir).binary).toBe(oldBinary);
    expect(hasCheckpoint(dir)).toBe(true);
    const c = loadCheckpoint(dir);
    expect(c.meta.position.epoch).toBe(1);
    expect(c.optimizer.state.step).toBe(4);
    expect(valuesOf(c)).toEqual(old.map((v) => Array.from(Float32Array.from(v))));
    disposeCheckpoint(c);
    // The next save commits and clears the stray binary.
    await save(dir, 3, 11);
    expect(bins(dir)).toEqual([jsonOf(dir).binary]);
    expect(loadCheckpoint(dir).meta.position.epoch).toBe(3);
  });

  it('hasCheckpoint needs the index and the binary it names', async () => {
    const dir = tmp();
    expect(hasCheckpoint(dir)).toBe(false);
    await save(dir, 1, 5);
    expect(hasCheckpoint(dir)).toBe(true);
    fs.rmSync(checkpointBinary(dir)!);
    expect(hasCheckpoint(dir)).toBe(false);
    await save(dir, 1, 5);
    fs.rmSync(path.join(dir, CHECKPOINT_JSON));
    expect(hasCheckpoint(dir)).toBe(false);
    expect(() => loadCheckpoint(dir)).toThrow(ConfigError);
  });
});

describe('checkpoints written before checksums', () => {
  /** Rewrites a checkpoint as older code wrote it: the values in checkpoint.bin, no binary/bytes/sha256. */
  function makeOld(dir: string): void {
    const { binary, bytes, sha256, ...old } = jsonOf(dir);
    expect([typeof binary, typeof bytes, typeof sha256]).toEqual(['string', 'number', 'string']);
    fs.renameSync(path.join(dir, binary), path.join(dir, CHECKPOINT_BIN));
    fs.writeFileSync(path.join(dir, CHECKPOINT_JSON), JSON.stringify(old));
  }

  it('still load, unverified, and the next save replaces them with the new format', async () => {
    const dir = tmp();
    const values = await save(dir, 1, 5);
    makeOld(dir);
    expect(hasCheckpoint(dir)).toBe(true);
    expect(checkpointBinary(dir)).toBe(path.join(dir, CHECKPOINT_BIN));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const c = loadCheckpoint(dir);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('unverified: written before checksums'));
    warn.mockRestore();
    expect(c.verified).toBe(false);
    expect(c.meta.position.epoch).toBe(1);
    expect(valuesOf(c)).toEqual(values.map((v) => Array.from(Float32Array.from(v))));
    disposeCheckpoint(c);
    await save(dir, 2, 9);
    expect(bins(dir)).toEqual([jsonOf(dir).binary]);
    expect(loadCheckpoint(dir).verified).toBe(true);
  });

  it('a truncated old binary is still a clear error: sizes and extents are checked', async () => {
    const dir = tmp();
    await save(dir, 1, 5);
    makeOld(dir);
    const bin = path.join(dir, CHECKPOINT_BIN);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    fs.truncateSync(bin, fs.statSync(bin).size - 8);
    expectDamaged(dir, bin, /tensor adam\.v\.1 \[2\] at offset 22 ends at value 24, past the file's 22 values/);
    fs.truncateSync(bin, 7);
    expectDamaged(dir, bin, /7 bytes is not a whole number of float32 values/);
    fs.writeFileSync(bin, Buffer.alloc(96, 0xff)); // NaN everywhere: no checksum to catch it, the values do
    expectDamaged(dir, bin, /tensor weight\.0 holds a non-finite value \(NaN\)/);
    warn.mockRestore();
  });
});
