import type { Metadata } from 'next';
import { KpiCards } from '@/components/overview/KpiCards';
import { OverviewCharts } from '@/components/overview/OverviewCharts';
import { OverviewEmptyState } from '@/components/overview/OverviewEmptyState';
import { RangePicker } from '@/components/overview/RangePicker';
import { AccountSamplingNotice, SamplingNotice } from '@/components/overview/SamplingNotice';
import { RANGE_LABEL, RANGE_MS, parseRange } from '@/components/overview/range';
import { PageHeader } from '@/components/shell/PageHeader';
import { overviewStats } from '@/lib/trace-store/stats';
import { getAppContext } from '@/lib/server/context';
import { requirePageUser } from '@/lib/server/page-auth';
import { traceService, tracingConfig } from '@llmtrace/sdk';

export const metadata: Metadata = { title: 'Overview · LLMTrace' };
export const dynamic = 'force-dynamic';

export default async function OverviewPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const range = parseRange((await searchParams).range);
  const user = await requirePageUser();
  const { database } = await getAppContext();
  const to = new Date();
  const from = new Date(to.getTime() - RANGE_MS[range]);
  const stats = await overviewStats(database, { userId: user.userId, from, to });
  const empty = stats.totals.requests === 0;
  const sampleRate = tracingConfig.sampleRate ?? 1;

  return (
    <main data-testid="overview" data-range={range}>
      <PageHeader
        title="Overview"
        description={`Requests, errors, latency, cost and tokens across your traced LLM calls — ${RANGE_LABEL[range]}.`}
        actions={<RangePicker value={range} />}
      />
      <div className="space-y-4 p-6">
        {sampleRate < 1 && <SamplingNotice rate={sampleRate} sampledOut={traceService.stats().sampledOut ?? 0} />}
        {(stats.sampling.success_rate < 1 || stats.sampling.sampled_out.traces > 0 || stats.sampling.sampled_out.late_spans > 0) && (
          <AccountSamplingNotice sampling={stats.sampling} />
        )}
        {empty ? (
          <OverviewEmptyState range={range} />
        ) : (
          <>
            <KpiCards totals={stats.totals} percentileError={stats.percentile_error} />
            <OverviewCharts series={stats.series} byModel={stats.by_model} range={range} bucketMs={stats.bucket_ms} />
          </>
        )}
      </div>
    </main>
  );
}
