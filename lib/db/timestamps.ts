/**
 * Instants as the database stores them. Postgres keeps timestamps from 4713 BC to 294276 AD, but
 * JavaScript writes years outside 0000–9999 with six digits and a sign (`+275760-09-13…`), which
 * Postgres cannot read, and no caller needs them: the span store keeps years 1 to 9999 (UTC).
 *
 * Postgres writes a timestamp as `0001-01-01 00:00:00+00`. `new Date()` reads that non-ISO text
 * with the legacy parser, which takes a year below 50 for 20xx and one below 100 for 19xx:
 * {@link parsePgTimestamp} reads it exactly.
 */

/** 0001-01-01T00:00:00.000Z, the first instant stored. */
export const MIN_STORABLE_MS = Date.parse('0001-01-01T00:00:00.000Z');
/** 9999-12-31T23:59:59.999Z, the last instant stored. */
export const MAX_STORABLE_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** Why an instant was refused, for a 422 or a per-span rejection. */
export const STORABLE_RANGE_MESSAGE = 'must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z';

/** The instant is valid and in years 1–9999 (UTC), so `toISOString()` gives text Postgres reads back exactly. */
export function isStorableInstant(date: Date): boolean {
  const ms = date.getTime();
  return ms >= MIN_STORABLE_MS && ms <= MAX_STORABLE_MS;
}

/** `YYYY-MM-DD HH:MM:SS[.ffffff][±HH[:MM[:SS]]][ BC]`, the ISO DateStyle output of timestamp and timestamptz. */
const PG_TIMESTAMP = /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?( BC)?$/;

/**
 * A Postgres timestamp or timestamptz, as text, to the instant it names (milliseconds kept,
 * microseconds dropped). Text without an offset (a `timestamp` column) is read as UTC; `infinity`
 * and anything unrecognised fall back to `new Date(text)`.
 *
 * @example
 * parsePgTimestamp('0001-01-01 00:00:00+00').toISOString();         // '0001-01-01T00:00:00.000Z'
 * parsePgTimestamp('2026-11-20 11:00:00.123456+01').toISOString();  // '2026-11-20T10:00:00.123Z'
 */
export function parsePgTimestamp(text: string): Date {
  const match = PG_TIMESTAMP.exec(text);
  if (!match) return new Date(text);
  const [, year, month, day, hours, minutes, seconds, fraction, sign, offsetHours, offsetMinutes, offsetSeconds, bc] = match;
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, takes years 0–99 as they are.
  date.setUTCFullYear(bc ? 1 - Number(year) : Number(year), Number(month) - 1, Number(day));
  date.setUTCHours(Number(hours), Number(minutes), Number(seconds), fraction ? Number(fraction.slice(0, 3).padEnd(3, '0')) : 0);
  if (!sign) return date;
  const offsetMs = (Number(offsetHours) * 3600 + Number(offsetMinutes ?? 0) * 60 + Number(offsetSeconds ?? 0)) * 1000;
  return new Date(date.getTime() - (sign === '-' ? -offsetMs : offsetMs));
}
