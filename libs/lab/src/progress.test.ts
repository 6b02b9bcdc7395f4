import { describe, expect, it } from 'vitest';
import { formatDuration, formatValue, ProgressBar } from './progress';

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, isTTY, write: (s: string) => writes.push(s) };
}

/** A clock the test moves by hand. */
function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('formatDuration', () => {
  it('reads like a person would write it', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(59.4)).toBe('59s');
    expect(formatDuration(65)).toBe('1m 05s');
    expect(formatDuration(3600 + 120)).toBe('1h 02m');
    expect(formatDuration(Number.NaN)).toBe('?');
  });
});

describe('formatValue', () => {
  it('keeps four significant digits and integers as they are', () => {
    expect(formatValue(0.123456)).toBe('0.1235');
    expect(formatValue(123.456)).toBe('123.5');
    expect(formatValue(42)).toBe('42');
    expect(formatValue(1234567.8)).toBe('1.235e+6');
    expect(formatValue('1.50')).toBe('1.50');
  });
});

describe('ProgressBar', () => {
  it('redraws one line on a terminal with bar, counts, fields and ETA', () => {
    const s = fakeStream(true);
    const c = clock();
    const bar = new ProgressBar({ label: 'epoch 1/2', total: 10, stream: s, now: c.now });
    c.advance(2000);
    bar.update(5, { nats: 0.123456, 'img/s': 250 });
    expect(s.writes).toHaveLength(1);
    expect(s.writes[0].startsWith('\r')).toBe(true);
    expect(s.writes[0]).not.toContain('\n');
    expect(s.writes[0]).toContain('epoch 1/2 [############............]  50% 5/10  nats 0.1235  img/s 250  ETA 2s');
    bar.update(6, {}); // within 100 ms of the last redraw: skipped
    expect(s.writes).toHaveLength(1);
    c.advance(2000);
    bar.finish({ 'bits/dim': '0.1000' });
    expect(s.writes[1]).toMatch(/^\r.*100% 10\/10 {2}bits\/dim 0\.1000 {2}took 4s\n$/);
  });

  it('writes a plain line at most every intervalMs when not a terminal, and one at the end', () => {
    const s = fakeStream(false);
    const c = clock();
    const bar = new ProgressBar({ label: 'eval', total: 100, stream: s, intervalMs: 10_000, now: c.now });
    for (let i = 1; i <= 50; i++) {
      c.advance(1000);
      bar.update(i, { loss: 1 / i });
    }
    expect(s.writes).toHaveLength(5); // 50 s of updates, one line per 10 s
    expect(s.writes.every((w) => w.endsWith('\n') && !w.includes('\r') && !w.includes('['))).toBe(true);
    expect(s.writes[0]).toBe('eval  10% 10/100  loss 0.1  ETA 1m 30s\n');
    bar.finish({});
    expect(s.writes).toHaveLength(6);
    expect(s.writes[5]).toBe('eval 100% 100/100  took 50s\n');
  });
});
