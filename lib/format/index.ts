/**
 * How every number, duration, cost and time reads, on every page: one function per kind of value,
 * so the same value always reads the same (the trace list, the trace view, the Overview, Quality,
 * the chat playground and Settings all call these).
 *
 * Pure functions without React or Node APIs: safe in server and client components. Output is
 * locale-independent (en-US digits, `,` thousands, `.` decimals); only the `local` time functions
 * depend on the viewer's time zone, so server components render them with `utc: true` and switch
 * to local time after hydration.
 *
 * The rules, in short:
 * - missing or invalid values read `—` (a null cost reads `unpriced`: the model has no price);
 * - counts are whole numbers with thousands separators (`12,345`), or compact for tight spots (`1.2k`);
 * - costs have cents from $1 up and three significant digits below (`$0.0123`, `$0.000042`);
 * - durations pick their unit (`850 ms`, `1.24 s`, `2m 05s`, `1h 05m`, `2d 03h`), with a
 *   shorter form for chart axes (`250ms`, `1.5s`, `2m 30s`);
 * - absolute times are `2025-01-31 14:03:07` (24-hour, sortable), relative ones `5 min ago`.
 */

/** What a missing or invalid value reads as. */
export const MISSING = '—';

/** A point in time: epoch milliseconds, an ISO 8601 string or a `Date`. */
export type TimeInput = number | string | Date | null | undefined;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const GROUPED = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const CENTS = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

function isNumber(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** `value` with `decimals` decimals and trailing zeros (and a trailing `.`) removed. */
function trimNumber(value: number, decimals: number): string {
  const text = value.toFixed(decimals);
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

function pad(value: number, width = 2): string {
  return String(value).padStart(width, '0');
}

// ---------------------------------------------------------------------------------------------
// Counts
// ---------------------------------------------------------------------------------------------

/**
 * A count (tokens, spans, requests, characters): rounded to a whole number, with thousands
 * separators. `—` for null, undefined, NaN or ±Infinity.
 *
 * @example
 * formatCount(12345)    // '12,345'
 * formatCount(0)        // '0'
 * formatCount(-1500.4)  // '-1,500'
 * formatCount(null)     // '—'
 */
export function formatCount(value: number | null | undefined): string {
  if (!isNumber(value)) return MISSING;
  return GROUPED.format(Math.round(value) || 0);
}

const COMPACT_UNITS: Array<[number, string]> = [
  [1e3, 'k'],
  [1e6, 'M'],
  [1e9, 'B'],
  [1e12, 'T'],
];

/**
 * A count where room is short (KPI cards, chart axes): below 1,000 as {@link formatCount}, then
 * `k`, `M`, `B`, `T` with one decimal below 100 of the unit and none above (a trailing `.0`
 * dropped). A value that rounds up to 1,000 of a unit moves to the next one. `—` when missing or
 * invalid.
 *
 * @example
 * formatCountCompact(999)        // '999'
 * formatCountCompact(1234)       // '1.2k'
 * formatCountCompact(250_000)    // '250k'
 * formatCountCompact(2_500_000)  // '2.5M'
 * formatCountCompact(999_999)    // '1M'
 */
export function formatCountCompact(value: number | null | undefined): string {
  if (!isNumber(value)) return MISSING;
  const abs = Math.abs(value);
  if (Math.round(abs) < 1000) return formatCount(value);
  let i = 0;
  while (i + 1 < COMPACT_UNITS.length && abs >= COMPACT_UNITS[i + 1][0]) i++;
  const scaled = abs / COMPACT_UNITS[i][0];
  let text = trimNumber(scaled, scaled >= 99.95 ? 0 : 1);
  if (Number(text) >= 1000 && i + 1 < COMPACT_UNITS.length) {
    i++;
    text = trimNumber(abs / COMPACT_UNITS[i][0], 1);
  }
  return `${value < 0 ? '-' : ''}${text}${COMPACT_UNITS[i][1]}`;
}

// ---------------------------------------------------------------------------------------------
// Costs
// ---------------------------------------------------------------------------------------------

/** Costs below this read as `<$0.000001`. */
const SMALLEST_COST = 0.000001;

/**
 * A cost in US dollars. From $1 up: cents and thousands separators. Below $1: three significant
 * digits, at least two decimals, trailing zeros dropped; below $0.000001: `<$0.000001`. Exactly 0
 * is `$0.00`. `unpriced` for null or undefined (the model has no price: never shown as $0);
 * `—` for NaN or ±Infinity.
 *
 * @example
 * formatCost(1234.5)    // '$1,234.50'
 * formatCost(0.5)       // '$0.50'
 * formatCost(0.0123)    // '$0.0123'
 * formatCost(0.000042)  // '$0.000042'
 * formatCost(0)         // '$0.00'
 * formatCost(null)      // 'unpriced'
 */
export function formatCost(usd: number | null | undefined): string {
  if (usd === null || usd === undefined) return 'unpriced';
  if (!Number.isFinite(usd)) return MISSING;
  if (usd === 0) return '$0.00';
  const sign = usd < 0 ? '-' : '';
  const abs = Math.abs(usd);
  if (abs < SMALLEST_COST) return usd < 0 ? `>-$${SMALLEST_COST.toFixed(6)}` : `<$${SMALLEST_COST.toFixed(6)}`;
  if (abs >= 1) return `${sign}$${CENTS.format(abs)}`;
  const decimals = Math.max(2, 2 - Math.floor(Math.log10(abs)));
  const text = abs.toFixed(decimals).replace(/(\.\d\d\d*?)0+$/, '$1');
  return `${sign}$${text}`;
}

// ---------------------------------------------------------------------------------------------
// Percentages
// ---------------------------------------------------------------------------------------------

/**
 * A ratio (0.042 = 4.2 %) as a percentage: one decimal below 10 %, none from 10 % up; `0%` for 0
 * and `<0.1%` for a positive ratio below 0.1 %, so a few failures never read as none. `—` when
 * missing or invalid.
 *
 * @example
 * formatPercent(0)        // '0%'
 * formatPercent(0.0004)   // '<0.1%'
 * formatPercent(0.042)    // '4.2%'
 * formatPercent(0.125)    // '13%'
 * formatPercent(1)        // '100%'
 */
export function formatPercent(ratio: number | null | undefined): string {
  if (!isNumber(ratio)) return MISSING;
  if (ratio === 0) return '0%';
  const pct = ratio * 100;
  const abs = Math.abs(pct);
  if (abs < 0.1) return pct > 0 ? '<0.1%' : '>-0.1%';
  const oneDecimal = abs.toFixed(1);
  const text = Number(oneDecimal) < 10 ? oneDecimal : abs.toFixed(0);
  return `${pct < 0 ? '-' : ''}${text}%`;
}

// ---------------------------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------------------------

/**
 * A duration in milliseconds as people read it, about three significant digits:
 * `0.42 ms`, `7.5 ms`, `850 ms`, `1.25 s`, `12.3 s`, then two units: `2m 03s`, `1h 05m`,
 * `2d 03h`. `0 ms` for 0, `<0.01 ms` below that; `—` for null, NaN, ±Infinity or a negative
 * value. A value that rounds up to the next unit reads in that unit (999.6 ms → `1.00 s`).
 *
 * @example
 * formatDuration(850)        // '850 ms'
 * formatDuration(1240)       // '1.24 s'
 * formatDuration(125_000)    // '2m 05s'
 * formatDuration(3_900_000)  // '1h 05m'
 * formatDuration(null)       // '—'
 */
export function formatDuration(ms: number | null | undefined): string {
  if (!isNumber(ms) || ms < 0) return MISSING;
  if (ms === 0) return '0 ms';
  if (ms < 0.01) return '<0.01 ms';
  if (ms < 0.995) return `${ms.toFixed(2)} ms`;
  if (ms < 9.95) return `${trimNumber(ms, 1)} ms`;
  if (Math.round(ms) < SECOND) return `${Math.round(ms)} ms`;
  const seconds = ms / SECOND;
  if (seconds < 9.995) return `${seconds.toFixed(2)} s`;
  if (seconds < 59.95) return `${seconds.toFixed(1)} s`;
  const totalSeconds = Math.round(seconds);
  if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)}m ${pad(totalSeconds % 60)}s`;
  const totalMinutes = Math.round(ms / MINUTE);
  if (totalMinutes < 24 * 60) return `${Math.floor(totalMinutes / 60)}h ${pad(totalMinutes % 60)}m`;
  const totalHours = Math.round(ms / HOUR);
  return `${Math.floor(totalHours / 24)}d ${pad(totalHours % 24)}h`;
}

/**
 * The short form of {@link formatDuration} for chart axes and time rulers: no space before the
 * unit, and a zero part dropped. `0` for 0, a negative or an invalid value.
 *
 * @example
 * formatDurationShort(0)          // '0'
 * formatDurationShort(250)        // '250ms'
 * formatDurationShort(1500)       // '1.5s'
 * formatDurationShort(150_000)    // '2m 30s'
 * formatDurationShort(7_200_000)  // '2h'
 */
export function formatDurationShort(ms: number | null | undefined): string {
  if (!isNumber(ms) || ms <= 0) return '0';
  if (ms < SECOND) return `${trimNumber(ms, 3)}ms`;
  if (ms < MINUTE) return `${trimNumber(ms / SECOND, 3)}s`;
  if (ms < HOUR) {
    const seconds = Math.round(ms / SECOND);
    const m = Math.floor(seconds / 60);
    const s = seconds % 60;
    return s === 0 ? `${m}m` : `${m}m ${pad(s)}s`;
  }
  if (ms < DAY) {
    const minutes = Math.round(ms / MINUTE);
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    return m === 0 ? `${h}h` : `${h}h ${pad(m)}m`;
  }
  const hours = Math.round(ms / HOUR);
  const d = Math.floor(hours / 24);
  const h = hours % 24;
  return h === 0 ? `${d}d` : `${d}d ${pad(h)}h`;
}

/**
 * A period in words, for "per …" labels (a chart's bucket size): the largest of day, hour and
 * minute that divides it; `second`s for anything shorter. `—` for 0, a negative or an invalid value.
 *
 * @example
 * formatPeriod(60_000)      // 'minute'
 * formatPeriod(900_000)     // '15 minutes'
 * formatPeriod(21_600_000)  // '6 hours'
 * formatPeriod(86_400_000)  // 'day'
 */
export function formatPeriod(ms: number | null | undefined): string {
  if (!isNumber(ms) || ms <= 0) return MISSING;
  const units: Array<[number, string]> = [
    [DAY, 'day'],
    [HOUR, 'hour'],
    [MINUTE, 'minute'],
  ];
  for (const [size, name] of units) {
    if (ms >= size && ms % size === 0) {
      const n = ms / size;
      return n === 1 ? name : `${formatCount(n)} ${name}s`;
    }
  }
  const seconds = ms / SECOND;
  return seconds === 1 ? 'second' : `${trimNumber(seconds, 3)} seconds`;
}

// ---------------------------------------------------------------------------------------------
// Times
// ---------------------------------------------------------------------------------------------

/** Epoch milliseconds of `value`, or null when it is missing or not a valid time. */
export function toEpochMs(value: TimeInput): number | null {
  if (value === null || value === undefined) return null;
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? Date.parse(value) : value.getTime();
  if (!Number.isFinite(ms)) return null;
  // Beyond ±8.64e15 ms a Date is invalid.
  return Number.isNaN(new Date(ms).getTime()) ? null : ms;
}

/** Options of {@link formatDateTime}. */
export interface DateTimeOptions {
  /** Add milliseconds: `14:03:07.123`. Default false. */
  milliseconds?: boolean;
  /** In UTC, marked ` UTC`, instead of the viewer's time zone (server rendering). Default false. */
  utc?: boolean;
}

/**
 * An absolute time, 24-hour and sortable: `2025-01-31 14:03:07` in the viewer's time zone, or in
 * UTC marked ` UTC`; milliseconds on request. `—` when missing or invalid.
 *
 * @example
 * formatDateTime('2025-01-31T14:03:07.123Z', { utc: true })                      // '2025-01-31 14:03:07 UTC'
 * formatDateTime('2025-01-31T14:03:07.123Z', { utc: true, milliseconds: true })  // '2025-01-31 14:03:07.123 UTC'
 * formatDateTime(Date.now())                                                    // '2025-01-31 15:03:07' (local)
 * formatDateTime(null)                                                          // '—'
 */
export function formatDateTime(value: TimeInput, options: DateTimeOptions = {}): string {
  const ms = toEpochMs(value);
  if (ms === null) return MISSING;
  const d = new Date(ms);
  const utc = options.utc === true;
  const year = utc ? d.getUTCFullYear() : d.getFullYear();
  const parts = utc
    ? [d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()]
    : [d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds(), d.getMilliseconds()];
  const [month, day, hours, minutes, seconds, millis] = parts;
  const yearText = year >= 0 && year <= 9999 ? pad(year, 4) : String(year);
  let text = `${yearText}-${pad(month)}-${pad(day)} ${pad(hours)}:${pad(minutes)}:${pad(seconds)}`;
  if (options.milliseconds) text += `.${pad(millis, 3)}`;
  return utc ? `${text} UTC` : text;
}

/**
 * How long ago `value` was, at `nowMs`: `just now` under 5 s, then `42 s ago`, `5 min ago`,
 * `3 h ago`, `4 d ago`, `2 mo ago` (30-day months), `1 y ago` (365-day years), each rounded
 * down. `in the future` when more than 5 s ahead (clock skew); `—` when missing or invalid.
 *
 * @example
 * formatRelative(now - 42_000, now)       // '42 s ago'
 * formatRelative(now - 300_000, now)      // '5 min ago'
 * formatRelative(now - 4 * 86_400_000, now)  // '4 d ago'
 * formatRelative('2025-01-01T00:00:00Z')  // relative to Date.now()
 */
export function formatRelative(value: TimeInput, nowMs: number = Date.now()): string {
  const ms = toEpochMs(value);
  if (ms === null || !Number.isFinite(nowMs)) return MISSING;
  const diff = nowMs - ms;
  if (diff < -5 * SECOND) return 'in the future';
  const seconds = Math.max(0, Math.floor(diff / SECOND));
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  if (days < 30) return `${days} d ago`;
  if (days < 365) return `${Math.floor(days / 30)} mo ago`;
  return `${Math.floor(days / 365)} y ago`;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** What a time-axis tick shows: the clock time, the weekday and day, or the month and day. */
export type TimeTickStep = 'time' | 'weekday' | 'date';

/**
 * A tick on a calendar time axis, in the viewer's time zone: `14:00` (`time`), `Mon 24`
 * (`weekday`) or `Nov 24` (`date`). `—` when missing or invalid.
 *
 * @example
 * formatTimeTick(ms, 'time')     // '14:00'
 * formatTimeTick(ms, 'weekday')  // 'Mon 24'
 * formatTimeTick(ms, 'date')     // 'Nov 24'
 */
export function formatTimeTick(value: TimeInput, step: TimeTickStep): string {
  const ms = toEpochMs(value);
  if (ms === null) return MISSING;
  const d = new Date(ms);
  if (step === 'time') return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (step === 'weekday') return `${WEEKDAYS[d.getDay()]} ${d.getDate()}`;
  return `${MONTHS[d.getMonth()]} ${d.getDate()}`;
}

/**
 * A stretch of time starting at `start` and `lengthMs` long, in the viewer's time zone, for a
 * chart bucket's tooltip: `Mon, Nov 24 · 14:00–14:15`, or only the day for a day or longer.
 * `—` when missing or invalid.
 *
 * @example
 * formatTimeRange(ms, 15 * 60_000)  // 'Mon, Nov 24 · 14:00–14:15'
 * formatTimeRange(ms, 86_400_000)   // 'Mon, Nov 24'
 */
export function formatTimeRange(start: TimeInput, lengthMs: number): string {
  const startMs = toEpochMs(start);
  if (startMs === null || !Number.isFinite(lengthMs)) return MISSING;
  const from = new Date(startMs);
  const day = `${WEEKDAYS[from.getDay()]}, ${MONTHS[from.getMonth()]} ${from.getDate()}`;
  if (lengthMs >= DAY) return day;
  const to = new Date(startMs + lengthMs);
  const hm = (d: Date) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return `${day} · ${hm(from)}–${hm(to)}`;
}

// ---------------------------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------------------------

/**
 * `text` cut to at most `max` characters, the last one an ellipsis when cut.
 *
 * @example
 * truncate('upstream timed out after 30 s', 12)  // 'upstream ti…'
 * truncate('short', 12)                          // 'short'
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return max <= 1 ? '…'.slice(0, Math.max(0, max)) : `${text.slice(0, max - 1)}…`;
}
