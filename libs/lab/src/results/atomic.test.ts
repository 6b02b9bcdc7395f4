import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic';

describe('writeFileAtomic', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atomic-'));

  it('creates folders, writes, replaces, and leaves no temporary file', () => {
    const file = path.join(dir, 'a', 'b', 'x.json');
    writeFileAtomic(file, '{"v":1}');
    writeFileAtomic(file, Buffer.from('{"v":2}'));
    expect(fs.readFileSync(file, 'utf8')).toBe('{"v":2}');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['x.json']);
  });

  it('cleans up its temporary file when the rename fails', () => {
    const target = path.join(dir, 'is-a-folder');
    fs.mkdirSync(path.join(target, 'child'), { recursive: true });
    expect(() => writeFileAtomic(target, 'data')).toThrow();
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
