/** The Overview's time ranges (`?range=`) and the round ticks of its time axis. */

import type { TimeTickStep } from '@/lib/format';

export const RANGES = ['1h', '24h', '7d', '30d'] as const;
export type RangeKey = (typeof RANGES)[number];
export const DEFAULT_RANGE: RangeKey = '24h';

const HOUR = 60 * 60 * 1000;
export const RANGE_MS: Record<RangeKey, number> = { '1h': HOUR, '24h': 24 * HOUR, '7d': 7 * 24 * HOUR, '30d': 30 * 24 * HOUR };
export const RANGE_LABEL: Record<RangeKey, string> = { '1h': 'last hour', '24h': 'last 24 hours', '7d': 'last 7 days', '30d': 'last 30 days' };
/** What the x-axis ticks of a range show (`formatTimeTick` in `lib/format`). */
export const RANGE_TICK_STEP: Record<RangeKey, TimeTickStep> = { '1h': 'time', '24h': 'time', '7d': 'weekday', '30d': 'date' };

/** `?range=` as given, or the default for anything else. */
export function parseRange(value: string | string[] | undefined): RangeKey {
  const one = Array.isArray(value) ? value[0] : value;
  return (RANGES as readonly string[]).includes(one ?? '') ? (one as RangeKey) : DEFAULT_RANGE;
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
