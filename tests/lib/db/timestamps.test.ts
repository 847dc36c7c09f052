import { describe, expect, it } from 'vitest';
import { isStorableInstant, MAX_STORABLE_MS, MIN_STORABLE_MS, parsePgTimestamp } from '@/lib/db/timestamps';

describe('parsePgTimestamp', () => {
  it('reads years below 1000 as they are (new Date() reads 0001 as 2001)', () => {
    expect(new Date('0001-01-01 00:00:00+00').getUTCFullYear()).toBe(2001);
    expect(parsePgTimestamp('0001-01-01 00:00:00+00').toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(parsePgTimestamp('0049-06-15 12:30:45.123+00').toISOString()).toBe('0049-06-15T12:30:45.123Z');
    expect(parsePgTimestamp('0999-03-01 00:00:00+00').toISOString()).toBe('0999-03-01T00:00:00.000Z');
  });

  it('applies offsets of hours, minutes and seconds (old local mean times), and reads text without one as UTC', () => {
    expect(parsePgTimestamp('2026-11-20 11:00:00.5+01').toISOString()).toBe('2026-11-20T10:00:00.500Z');
    expect(parsePgTimestamp('2026-11-20 04:30:00-05:30').toISOString()).toBe('2026-11-20T10:00:00.000Z');
    expect(parsePgTimestamp('0001-01-01 00:53:28+00:53:28').toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(parsePgTimestamp('2026-11-20 10:00:00').toISOString()).toBe('2026-11-20T10:00:00.000Z');
  });

  it('keeps milliseconds and drops microseconds', () => {
    expect(parsePgTimestamp('2026-11-20 10:00:00.123456+00').toISOString()).toBe('2026-11-20T10:00:00.123Z');
    expect(parsePgTimestamp('2026-11-20 10:00:00.1+00').toISOString()).toBe('2026-11-20T10:00:00.100Z');
  });

  it('reads years BC and beyond 9999', () => {
    expect(parsePgTimestamp('0001-01-01 00:00:00+00 BC').getUTCFullYear()).toBe(0);
    expect(parsePgTimestamp('12345-01-01 00:00:00+00').getUTCFullYear()).toBe(12345);
  });
});

describe('isStorableInstant', () => {
  it('accepts years 1 to 9999 (UTC) and nothing else', () => {
    expect(new Date(MIN_STORABLE_MS).toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(new Date(MAX_STORABLE_MS).toISOString()).toBe('9999-12-31T23:59:59.999Z');
    expect(isStorableInstant(new Date(MIN_STORABLE_MS))).toBe(true);
    expect(isStorableInstant(new Date(MAX_STORABLE_MS))).toBe(true);
    expect(isStorableInstant(new Date(MIN_STORABLE_MS - 1))).toBe(false);
    expect(isStorableInstant(new Date(MAX_STORABLE_MS + 1))).toBe(false);
    expect(isStorableInstant(new Date(8640000000000000))).toBe(false);
    expect(isStorableInstant(new Date('-004713-11-24T00:00:00Z'))).toBe(false);
    expect(isStorableInstant(new Date(NaN))).toBe(false);
  });
});
