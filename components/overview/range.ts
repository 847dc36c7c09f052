/** Number and time formatting shared by the Overview page's KPI cards and charts. */

export const RANGES = ['1h', '24h', '7d', '30d'] as const;
export type RangeKey = (typeof RANGES)[number];
export const DEFAULT_RANGE: RangeKey = '24h';

const HOUR = 60 * 60 * 1000;
export const RANGE_MS: Record<RangeKey, number> = { '1h': HOUR, '24h': 24 * HOUR, '7d': 7 * 24 * HOUR, '30d': 30 * 24 * HOUR };
export const RANGE_LABEL: Record<RangeKey, string> = { '1h': 'last hour', '24h': 'last 24 hours', '7d': 'last 7 days', '30d': 'last 30 days' };

/** `?range=` as given, or the default for anything else. */
export function parseRange(value: string | string[] | undefined): RangeKey {
  const one = Array.isArray(value) ? value[0] : value;
  return (RANGES as readonly string[]).includes(one ?? '') ? (one as RangeKey) : DEFAULT_RANGE;
}

export function formatInt(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** 1234 → "1.2k", 2_500_000 → "2.5M". */
export function formatCompact(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${trim(value / 1e9)}B`;
  if (abs >= 1e6) return `${trim(value / 1e6)}M`;
  if (abs >= 1e3) return `${trim(value / 1e3)}k`;
  return formatInt(value);
}

function trim(value: number): string {
  return value.toFixed(value >= 100 ? 0 : 1).replace(/\.0$/, '');
}

export function formatPercent(ratio: number): string {
  if (ratio === 0) return '0%';
  const pct = ratio * 100;
  return `${pct < 10 ? pct.toFixed(1) : pct.toFixed(0)}%`;
}

/** 850 → "850 ms", 1234 → "1.23 s", 95_000 → "1m 35s". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '—';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes}m ${Math.round((ms % 60_000) / 1000)}s`;
}

/** Axis variant of {@link formatDuration}: shorter. */
export function formatDurationAxis(ms: number): string {
  if (ms === 0) return '0';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  return `${trim(ms / 1000)}s`;
}

/** Dollars with enough digits for tiny LLM costs: $12.35, $0.0042, $0.000018. */
export function formatUsd(value: number | null | undefined): string {
  if (value === null || value === undefined) return 'unpriced';
  if (value === 0) return '$0.00';
  const abs = Math.abs(value);
  if (abs >= 100) return `$${value.toLocaleString('en-US', { maximumFractionDigits: 0 })}`;
  if (abs >= 1) return `$${value.toFixed(2)}`;
  if (abs >= 0.01) return `$${value.toFixed(3)}`;
  return `$${value.toPrecision(2)}`;
}

const pad = (n: number) => String(n).padStart(2, '0');
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** An x-axis tick for a bucket start, in the viewer's time zone, at the range's granularity. */
export function formatTick(ms: number, range: RangeKey): string {
  const d = new Date(ms);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (range === '1h' || range === '24h') return time;
  if (range === '7d') return `${WEEKDAYS[d.getDay()]} ${d.getDate()}`;
  return `${MONTHS[d.getMonth()]} ${d.getDate()}`;
}

/**
 * Round x-axis ticks among the bucket starts, in the viewer's time zone: every 10 minutes (1h),
 * every 3 hours (24h), each day (7d), every few days (30d). Undefined (automatic ticks) when too
 * few round buckets exist.
 */
export function pickTicks(starts: number[], range: RangeKey): number[] | undefined {
  let ticks: number[];
  if (range === '1h') ticks = starts.filter((t) => new Date(t).getMinutes() % 10 === 0);
  else if (range === '24h') ticks = starts.filter((t) => new Date(t).getMinutes() === 0 && new Date(t).getHours() % 3 === 0);
  else {
    const dayStarts = starts.filter((t, i) => i > 0 && new Date(t).getDate() !== new Date(starts[i - 1]).getDate());
    const every = range === '30d' ? 5 : 1;
    ticks = dayStarts.filter((_, i) => (dayStarts.length - 1 - i) % every === 0);
  }
  return ticks.length >= 3 ? ticks : undefined;
}

/** A tooltip title for a bucket: "Mon, Nov 24 · 14:00–14:15". */
export function formatBucketRange(startMs: number, bucketMs: number): string {
  const start = new Date(startMs);
  const end = new Date(startMs + bucketMs);
  const day = `${WEEKDAYS[start.getDay()]}, ${MONTHS[start.getMonth()]} ${start.getDate()}`;
  const hm = (d: Date) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (bucketMs >= 24 * HOUR) return day;
  return `${day} · ${hm(start)}–${hm(end)}`;
}
