import type { ReactNode } from 'react';
import type { StatsTotals } from '@/lib/trace-store/stats';
import { formatCost, formatCount, formatCountCompact, formatDuration, formatPercent } from '@/lib/format';

function Kpi({
  label,
  value,
  note,
  testId,
  rawValue,
  title,
  tone = 'default',
  compact = false,
}: {
  label: string;
  value: ReactNode;
  note?: ReactNode;
  testId?: string;
  rawValue?: number | null;
  title?: string;
  tone?: 'default' | 'bad';
  compact?: boolean;
}) {
  return (
    <div className="min-w-0 rounded-xl border border-slate-200 bg-white px-4 py-3 shadow-sm" data-testid={testId} data-value={rawValue ?? undefined}>
      <div className="text-xs font-medium text-slate-500">{label}</div>
      <div
        className={`mt-1 truncate font-semibold tabular-nums ${compact ? 'py-0.5 text-xl' : 'text-2xl'} ${tone === 'bad' ? 'text-red-600' : 'text-slate-900'}`}
        title={title}
        data-testid={testId ? `${testId}-value` : undefined}
      >
        {value}
      </div>
      {note && <div className="mt-0.5 truncate text-xs text-slate-500">{note}</div>}
    </div>
  );
}

/**
 * Headline numbers of the range: requests, error rate, latency percentiles, cost and tokens.
 * `percentileError` > 0 (ranges read from the hourly roll-ups) marks the percentiles as approximate.
 */
export function KpiCards({ totals, percentileError = 0 }: { totals: StatsTotals; percentileError?: number }) {
  const within = `±${Math.round(percentileError * 100)}%`;
  const approximate = percentileError > 0 ? `within ${within}: read from the hourly roll-ups` : undefined;
  /** A latency percentile: "≈" and its error bound when it comes from the roll-ups. */
  const latency = (label: string, ms: number | null, note: string, testId: string) => (
    <Kpi
      label={label}
      value={`${approximate && ms !== null ? '≈ ' : ''}${formatDuration(ms)}`}
      rawValue={ms}
      title={approximate}
      note={approximate ? `${note}, ${within}` : note}
      testId={testId}
    />
  );
  const { requests, errors, error_rate, p50_ms, p95_ms, cost_usd, unpriced_requests, input_tokens, output_tokens } = totals;
  return (
    <div className="grid grid-cols-2 gap-3 md:grid-cols-3 xl:grid-cols-6" data-testid="kpis">
      <Kpi label="Requests" value={formatCount(requests)} rawValue={requests} note={`${formatCount(errors)} failed`} testId="kpi-requests" />
      <Kpi
        label="Error rate"
        value={formatPercent(error_rate)}
        rawValue={error_rate}
        tone={error_rate > 0.05 ? 'bad' : 'default'}
        note={errors > 0 ? `${formatCount(errors)} of ${formatCount(requests)}` : 'no failures'}
        testId="kpi-error-rate"
      />
      {latency('Latency p50', p50_ms, 'median request', 'kpi-p50')}
      {latency('Latency p95', p95_ms, '95th percentile', 'kpi-p95')}
      <Kpi
        label="Total cost"
        value={formatCost(cost_usd)}
        rawValue={cost_usd}
        note={
          unpriced_requests > 0 ? (
            <span className="text-amber-700" title="These requests used a model that is not in the price table; their cost is not included.">
              + {formatCount(unpriced_requests)} unpriced request{unpriced_requests === 1 ? '' : 's'}
            </span>
          ) : (
            'all requests priced'
          )
        }
        testId="kpi-cost"
      />
      <Kpi
        label="Tokens in / out"
        value={
          <>
            {formatCountCompact(input_tokens)}
            <span className="text-slate-300"> / </span>
            {formatCountCompact(output_tokens)}
          </>
        }
        note={`${formatCount(input_tokens + output_tokens)} total`}
        title={`${formatCount(input_tokens)} input / ${formatCount(output_tokens)} output tokens`}
        compact
        testId="kpi-tokens"
      />
    </div>
  );
}
