import { formatCount, formatDuration, formatPercent } from '@/lib/format';
import type { SamplingSummary } from '@/lib/trace-store/tail-sampling';

/**
 * Says that the charts undercount on purpose: this server records only a share of its own traces
 * (`TRACE_SAMPLE_RATE`), and how many it has left out since it started.
 */
export function SamplingNotice({ rate, sampledOut }: { rate: number; sampledOut: number }) {
  return (
    <div data-testid="sampling-notice" className="rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900">
      <strong>Sampling is on:</strong> this server records {formatPercent(rate)} of its own traces (chat API and proxy;{' '}
      <code>TRACE_SAMPLE_RATE</code>), whole traces only, so its requests, tokens and cost here are about {formatPercent(rate)} of the real
      ones. {formatCount(sampledOut)} traces were left out since the server started. Traces sent by other apps are shown as they arrive
      (they may sample on their side).
    </div>
  );
}

/**
 * Says that the charts leave out what the account's own sampling rule dropped (Settings → Privacy,
 * `sampling`): the rule, and how many traces and spans of this range it sampled out. Shown while
 * the rule is on, and afterwards as long as the range holds traces it dropped.
 */
export function AccountSamplingNotice({ sampling }: { sampling: SamplingSummary }) {
  const { success_rate: rate, keep_failed: keepFailed, slow_ms: slowMs, sampled_out: out } = sampling;
  const kept = [keepFailed ? 'every failed trace' : null, slowMs !== null ? `every trace with a span of ${formatDuration(slowMs)} or more` : null].filter(Boolean);
  return (
    <div data-testid="account-sampling-notice" className="rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-900">
      {rate < 1 ? (
        <>
          <strong>Sampling is on for your account:</strong> it keeps {formatPercent(rate)} of successful traces
          {kept.length > 0 ? <> and {kept.join(' and ')}</> : null}, whole traces only (Settings → Privacy).{' '}
        </>
      ) : (
        <>
          <strong>Sampling was on for your account</strong> during part of this range.{' '}
        </>
      )}
      <span data-testid="account-sampled-out">
        In this range {formatCount(out.traces)} {out.traces === 1 ? 'trace' : 'traces'} ({formatCount(out.spans)} spans) were sampled out
      </span>
      : they are missing from the requests, tokens, cost and latency here{keepFailed ? ', while failed traces are all kept, so the error rate reads higher than the real one' : ''}.
      {out.late_spans > 0 && (
        <>
          {' '}
          {formatCount(out.late_spans)} more spans arrived after their trace had been sampled out and were dropped too
          {out.late_failed_spans > 0 ? <>, {formatCount(out.late_failed_spans)} of them failed</> : null}.
        </>
      )}{' '}
      Counted by the hour the trace started.
    </div>
  );
}
