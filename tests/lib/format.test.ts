import { describe, expect, it } from 'vitest';
import {
  formatCost,
  formatCount,
  formatCountCompact,
  formatDateTime,
  formatDuration,
  formatDurationShort,
  formatPercent,
  formatPeriod,
  formatRelative,
  formatTimeRange,
  formatTimeTick,
  MISSING,
  toEpochMs,
  truncate,
} from '@/lib/format';

const INVALID = [null, undefined, Number.NaN, Infinity, -Infinity];

describe('formatCount', () => {
  it.each([
    [0, '0'],
    [7, '7'],
    [12_345, '12,345'],
    [1_234_567_890, '1,234,567,890'],
    [Number.MAX_SAFE_INTEGER, '9,007,199,254,740,991'],
    [-1500.4, '-1,500'],
    [2.5, '3'],
    [-0, '0'],
    [-0.4, '0'],
  ])('%s reads as %s', (value, text) => {
    expect(formatCount(value)).toBe(text);
  });

  it('dashes missing and invalid values', () => {
    for (const v of INVALID) expect(formatCount(v)).toBe(MISSING);
  });
});

describe('formatCountCompact', () => {
  it.each([
    [0, '0'],
    [999, '999'],
    [999.4, '999'],
    [999.6, '1k'],
    [1000, '1k'],
    [1234, '1.2k'],
    [12_345, '12.3k'],
    [99_960, '100k'],
    [250_000, '250k'],
    [999_999, '1M'],
    [2_500_000, '2.5M'],
    [3_000_000_000, '3B'],
    [4.2e12, '4.2T'],
    [5e15, '5000T'],
    [-1234, '-1.2k'],
    [-12, '-12'],
  ])('%s reads as %s', (value, text) => {
    expect(formatCountCompact(value)).toBe(text);
  });

  it('dashes missing and invalid values', () => {
    for (const v of INVALID) expect(formatCountCompact(v)).toBe(MISSING);
  });
});

describe('formatCost', () => {
  it('says unpriced for a missing cost and never shows a made-up zero', () => {
    expect(formatCost(null)).toBe('unpriced');
    expect(formatCost(undefined)).toBe('unpriced');
  });

  it('dashes a cost that is not a number', () => {
    for (const v of [Number.NaN, Infinity, -Infinity]) expect(formatCost(v)).toBe(MISSING);
  });

  it.each([
    [0, '$0.00'],
    [-0, '$0.00'],
    [1, '$1.00'],
    [12.345, '$12.35'],
    [1234.5, '$1,234.50'],
    [1_234_567.891, '$1,234,567.89'],
    [0.5, '$0.50'],
    [0.1, '$0.10'],
    [0.123456, '$0.123'],
    [0.0123, '$0.0123'],
    [0.012, '$0.012'],
    [0.0031, '$0.0031'],
    [0.000483, '$0.000483'],
    [0.000042, '$0.000042'],
    [0.00001, '$0.00001'],
    [0.000001, '$0.000001'],
    [0.00000015, '<$0.000001'],
    [0.9996, '$1.00'],
    [0.09996, '$0.10'],
    [-1.5, '-$1.50'],
    [-0.0123, '-$0.0123'],
    [-0.0000001, '>-$0.000001'],
  ])('%s reads as %s', (usd, text) => {
    expect(formatCost(usd)).toBe(text);
  });

  it('reads the same value the same everywhere (the Overview once showed $0.012 for $0.0123)', () => {
    expect(formatCost(0.0123)).toBe('$0.0123');
  });
});

describe('formatPercent', () => {
  it.each([
    [0, '0%'],
    [0.0004, '<0.1%'],
    [0.001, '0.1%'],
    [0.042, '4.2%'],
    [0.0996, '10%'],
    [0.125, '13%'],
    [1, '100%'],
    [2.5, '250%'],
    [-0.05, '-5.0%'],
    [-0.0001, '>-0.1%'],
  ])('%s reads as %s', (ratio, text) => {
    expect(formatPercent(ratio)).toBe(text);
  });

  it('dashes missing and invalid values', () => {
    for (const v of INVALID) expect(formatPercent(v)).toBe(MISSING);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [0.004, '<0.01 ms'],
    [0.42, '0.42 ms'],
    [0.999, '1 ms'],
    [7.5, '7.5 ms'],
    [9.96, '10 ms'],
    [850, '850 ms'],
    [999.4, '999 ms'],
    [999.6, '1.00 s'],
    [1240, '1.24 s'],
    [1250, '1.25 s'],
    [9999, '10.0 s'],
    [12_340, '12.3 s'],
    [59_940, '59.9 s'],
    [59_990, '1m 00s'],
    [95_000, '1m 35s'],
    [123_000, '2m 03s'],
    [125_000, '2m 05s'],
    [3_599_400, '59m 59s'],
    [3_599_600, '1h 00m'],
    [3_900_000, '1h 05m'],
    [86_340_000, '23h 59m'],
    [86_399_999, '1d 00h'],
    [90_000_000, '1d 01h'],
    [400 * 86_400_000, '400d 00h'],
  ])('%s ms reads as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('dashes missing, invalid and negative values', () => {
    for (const v of [...INVALID, -1, -0.001]) expect(formatDuration(v)).toBe(MISSING);
  });
});

describe('formatDurationShort', () => {
  it.each([
    [0, '0'],
    [0.5, '0.5ms'],
    [250, '250ms'],
    [999, '999ms'],
    [1000, '1s'],
    [1500, '1.5s'],
    [59_000, '59s'],
    [60_000, '1m'],
    [65_000, '1m 05s'],
    [150_000, '2m 30s'],
    [3_600_000, '1h'],
    [3_900_000, '1h 05m'],
    [7_200_000, '2h'],
    [86_400_000, '1d'],
    [183_600_000, '2d 03h'],
  ])('%s ms reads as %s', (ms, text) => {
    expect(formatDurationShort(ms)).toBe(text);
  });

  it('reads 0 for zero, negative and invalid values', () => {
    for (const v of [...INVALID, -3]) expect(formatDurationShort(v)).toBe('0');
  });
});

describe('formatPeriod', () => {
  it.each([
    [1000, 'second'],
    [30_000, '30 seconds'],
    [60_000, 'minute'],
    [900_000, '15 minutes'],
    [90_000, '90 seconds'],
    [3_600_000, 'hour'],
    [21_600_000, '6 hours'],
    [86_400_000, 'day'],
    [7 * 86_400_000, '7 days'],
  ])('%s ms reads as %s', (ms, text) => {
    expect(formatPeriod(ms)).toBe(text);
  });

  it('dashes zero, negative and invalid values', () => {
    for (const v of [...INVALID, 0, -60_000]) expect(formatPeriod(v)).toBe(MISSING);
  });
});

describe('toEpochMs', () => {
  it('reads numbers, ISO strings and dates, and nulls anything invalid', () => {
    const ms = Date.UTC(2025, 0, 31, 14, 3, 7, 123);
    expect(toEpochMs(ms)).toBe(ms);
    expect(toEpochMs('2025-01-31T14:03:07.123Z')).toBe(ms);
    expect(toEpochMs(new Date(ms))).toBe(ms);
    for (const v of [null, undefined, Number.NaN, Infinity, 'not a date', '', new Date(Number.NaN), 9e15]) expect(toEpochMs(v)).toBeNull();
  });
});

describe('formatDateTime', () => {
  const iso = '2025-01-31T14:03:07.123Z';

  it('reads UTC, marked, with milliseconds on request', () => {
    expect(formatDateTime(iso, { utc: true })).toBe('2025-01-31 14:03:07 UTC');
    expect(formatDateTime(iso, { utc: true, milliseconds: true })).toBe('2025-01-31 14:03:07.123 UTC');
    expect(formatDateTime(Date.parse(iso), { utc: true })).toBe('2025-01-31 14:03:07 UTC');
    expect(formatDateTime(new Date(Date.UTC(2025, 0, 1, 0, 0, 0, 5)), { utc: true, milliseconds: true })).toBe('2025-01-01 00:00:00.005 UTC');
    expect(formatDateTime('0042-03-04T05:06:07Z', { utc: true })).toBe('0042-03-04 05:06:07 UTC');
  });

  it('reads local time in the viewer’s time zone, unmarked', () => {
    const local = new Date(2025, 10, 24, 9, 5, 3, 7);
    expect(formatDateTime(local)).toBe('2025-11-24 09:05:03');
    expect(formatDateTime(local.getTime(), { milliseconds: true })).toBe('2025-11-24 09:05:03.007');
    expect(formatDateTime(iso, { milliseconds: true })).toMatch(/^2025-0[12]-\d\d \d\d:\d\d:07\.123$/);
  });

  it('dashes missing and invalid times', () => {
    for (const v of [...INVALID, 'yesterday', '', new Date(Number.NaN), 1e16]) {
      expect(formatDateTime(v)).toBe(MISSING);
      expect(formatDateTime(v, { utc: true })).toBe(MISSING);
    }
  });
});

describe('formatRelative', () => {
  const now = Date.UTC(2025, 5, 15, 12, 0, 0);
  const ago = (ms: number) => formatRelative(now - ms, now);

  it.each([
    [0, 'just now'],
    [4_999, 'just now'],
    [5_000, '5 s ago'],
    [59_999, '59 s ago'],
    [60_000, '1 min ago'],
    [3_599_999, '59 min ago'],
    [3_600_000, '1 h ago'],
    [86_399_999, '23 h ago'],
    [86_400_000, '1 d ago'],
    [29 * 86_400_000, '29 d ago'],
    [30 * 86_400_000, '1 mo ago'],
    [364 * 86_400_000, '12 mo ago'],
    [365 * 86_400_000, '1 y ago'],
    [3 * 365 * 86_400_000, '3 y ago'],
  ])('%s ms ago reads as %s', (ms, text) => {
    expect(ago(ms)).toBe(text);
  });

  it('treats a few seconds ahead as now and more as the future (clock skew)', () => {
    expect(ago(-5_000)).toBe('just now');
    expect(ago(-5_001)).toBe('in the future');
  });

  it('reads ISO strings and dates, and defaults to the current time', () => {
    expect(formatRelative(new Date(now - 300_000).toISOString(), now)).toBe('5 min ago');
    expect(formatRelative(new Date(now - 7_200_000), now)).toBe('2 h ago');
    expect(formatRelative(Date.now() - 120_000)).toBe('2 min ago');
  });

  it('dashes missing and invalid times or an invalid now', () => {
    for (const v of [...INVALID, 'not a date']) expect(formatRelative(v, now)).toBe(MISSING);
    expect(formatRelative(now, Number.NaN)).toBe(MISSING);
  });
});

describe('formatTimeTick and formatTimeRange', () => {
  // Monday, November 24, 2025, 14:00 in the viewer's time zone.
  const monday = new Date(2025, 10, 24, 14, 0).getTime();

  it('labels axis ticks by the range’s step', () => {
    expect(formatTimeTick(monday, 'time')).toBe('14:00');
    expect(formatTimeTick(new Date(2025, 0, 2, 3, 7), 'time')).toBe('03:07');
    expect(formatTimeTick(monday, 'weekday')).toBe('Mon 24');
    expect(formatTimeTick(monday, 'date')).toBe('Nov 24');
    expect(formatTimeTick(Number.NaN, 'date')).toBe(MISSING);
  });

  it('names a bucket by its day and clock range, or only its day for a day or longer', () => {
    expect(formatTimeRange(monday, 15 * 60_000)).toBe('Mon, Nov 24 · 14:00–14:15');
    expect(formatTimeRange(monday, 86_400_000)).toBe('Mon, Nov 24');
    expect(formatTimeRange(null, 60_000)).toBe(MISSING);
    expect(formatTimeRange(monday, Number.NaN)).toBe(MISSING);
  });
});

describe('truncate', () => {
  it('keeps short text and cuts long text to max characters with an ellipsis', () => {
    expect(truncate('short', 12)).toBe('short');
    expect(truncate('exactly12chr', 12)).toBe('exactly12chr');
    expect(truncate('upstream timed out after 30 s', 12)).toBe('upstream ti…');
    expect(truncate('upstream timed out after 30 s', 12)).toHaveLength(12);
    expect(truncate('abc', 1)).toBe('…');
    expect(truncate('abc', 0)).toBe('');
    expect(truncate('', 0)).toBe('');
  });
});
