import type { Metadata } from 'next';
import { IntentLink } from '@/components/shell/IntentLink';
import { PageHeader } from '@/components/shell/PageHeader';
import { TraceFilters } from '@/components/trace-list/TraceFilters';
import { TraceTable, type ListedTrace } from '@/components/trace-list/TraceTable';
import { TracesEmptyState } from '@/components/trace-list/TracesEmptyState';
import { filterQuery, filterValuesFrom, hasFilters } from '@/components/trace-list/filters';
import { decodeCursor, listRootSpans, recentFilterValues } from '@/lib/trace-store/read';
import { getAppContext } from '@/lib/server/context';
import { requirePageUser } from '@/lib/server/page-auth';
import { TraceQuery } from '@/lib/trace-store/api-query';
import { formatCount } from '@/lib/format';

export const metadata: Metadata = { title: 'Traces · LLMTrace' };
export const dynamic = 'force-dynamic';

const PAGE_SIZE = 50;
const KNOWN_PROVIDERS = ['openai', 'anthropic', 'demo'];

type SearchParams = Record<string, string | string[] | undefined>;

function firstValues(params: SearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined && first !== '') out[key] = first;
  }
  return out;
}

const buttonClass =
  'inline-flex h-8 items-center gap-1.5 rounded-md border border-slate-200 bg-white px-3 text-sm font-medium text-slate-700 shadow-sm hover:bg-slate-50 hover:text-slate-900';

export default async function TracesPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const user = await requirePageUser();
  const params = await searchParams;
  const raw = firstValues(params);
  // Every filter of the view is in the URL (tags repeat: ?tag=a&tag=b), so a view can be bookmarked and shared.
  const values = filterValuesFrom(params);

  const { database } = await getAppContext();
  const seen = await recentFilterValues(database, { userId: user.userId });
  const providers = [...new Set([...KNOWN_PROVIDERS, ...seen.map((r) => r.model_provider).filter((p): p is string => Boolean(p))])].sort();
  const models = [...new Set(seen.map((r) => r.model_name).filter((m): m is string => Boolean(m)))].sort();
  const services = [...new Set(seen.map((r) => r.service_name).filter((m): m is string => Boolean(m)))].sort();

  const parsed = TraceQuery.safeParse({ ...raw, tag: values.tag, limit: String(PAGE_SIZE) });
  const cursor = parsed.success && parsed.data.cursor ? decodeCursor(parsed.data.cursor) : null;
  const problems = parsed.success
    ? parsed.data.cursor && !cursor
      ? ['cursor: this page link is no longer valid']
      : []
    : parsed.error.issues.map((issue) => `${issue.path.join('.') || 'query'}: ${issue.message}`);

  let traces: ListedTrace[] = [];
  let nextCursor: string | null = null;
  if (parsed.success && problems.length === 0) {
    const { cursor: _c, limit, message_id: _m, trace_id: _t, ...filters } = parsed.data;
    // Rows carry one-line previews; the roots' whole inputs and outputs are not sent to the page.
    const result = await listRootSpans(database, { userId: user.userId, filters, limit, cursor, withData: false });
    traces = result.traces;
    nextCursor = result.nextCursor;
  }

  const filtered = hasFilters(values);
  const onLaterPage = Boolean(raw.cursor);
  const exportQuery = (format: string) => `/api/analytics/traces/export${filterQuery(values, { format })}`;

  return (
    <main data-testid="traces-page">
      <PageHeader
        title="Traces"
        description="Every traced request, newest first. Open one to see its spans."
        actions={
          problems.length > 0 ? undefined : (
          <>
            <a href={exportQuery('csv')} download className={buttonClass} data-testid="export-csv" title="Download the filtered list (up to 10,000 traces) as CSV">
              <DownloadIcon /> CSV
            </a>
            <a href={exportQuery('json')} download className={buttonClass} data-testid="export-json" title="Download the filtered list (up to 10,000 traces) as JSON">
              <DownloadIcon /> JSON
            </a>
          </>
          )
        }
      />
      <div className="space-y-4 p-6">
        <TraceFilters values={values} providers={providers} models={models} services={services} />

        {problems.length > 0 ? (
          <div className="rounded-xl border border-amber-200 bg-amber-50 px-5 py-4 text-sm text-amber-900" role="alert" data-testid="trace-query-error">
            <p className="font-medium">Some filters in the address are not valid, so no traces are shown.</p>
            <ul className="mt-2 list-disc space-y-0.5 pl-5 font-mono text-xs">
              {problems.map((problem) => (
                <li key={problem}>{problem}</li>
              ))}
            </ul>
            <IntentLink href="/analytics/traces" className="mt-3 inline-block font-medium text-amber-900 underline hover:text-amber-700">
              Reset filters
            </IntentLink>
          </div>
        ) : traces.length === 0 ? (
          onLaterPage ? (
            <div className="rounded-xl border border-dashed border-slate-300 bg-white px-8 py-10 text-center text-sm text-slate-500">
              No more traces.{' '}
              <IntentLink href={`/analytics/traces${filterQuery(values)}`} className="font-medium text-indigo-600 hover:text-indigo-800">
                Back to the first page
              </IntentLink>
            </div>
          ) : (
            <TracesEmptyState filtered={filtered} />
          )
        ) : (
          <>
            <TraceTable traces={traces} nowMs={Date.now()} filters={values} />
            <nav className="flex items-center justify-between text-sm" aria-label="Pagination">
              <span className="text-slate-500" data-testid="trace-count">
                {formatCount(traces.length)} trace{traces.length === 1 ? '' : 's'} on this page{nextCursor ? '' : onLaterPage ? ' (last page)' : ''}
              </span>
              <div className="flex items-center gap-2">
                {onLaterPage && (
                  <IntentLink href={`/analytics/traces${filterQuery(values)}`} className={buttonClass} data-testid="first-page">
                    « First page
                  </IntentLink>
                )}
                {nextCursor && (
                  <IntentLink href={`/analytics/traces${filterQuery(values, { cursor: nextCursor })}`} className={buttonClass} data-testid="next-page">
                    Next page »
                  </IntentLink>
                )}
              </div>
            </nav>
          </>
        )}
      </div>
    </main>
  );
}

function DownloadIcon() {
  return (
    <svg viewBox="0 0 24 24" className="h-3.5 w-3.5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden>
      <path d="M12 4v11m0 0-4-4m4 4 4-4M5 20h14" />
    </svg>
  );
}
