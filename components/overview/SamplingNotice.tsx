import { formatCount, formatPercent } from '@/lib/format';

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
