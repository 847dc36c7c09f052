import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { IntentLink } from '@/components/shell/IntentLink';
import { ShareTraceButton } from '@/components/share/ShareTraceButton';
import { TraceDetailClient } from '@/components/trace-detail/TraceDetailClient';
import { countTraceSpans, getRootSpan, getTraceSpans } from '@/lib/trace-store/read';
import { spansForPage } from '@/lib/trace-store/outline';
import { firstMatchingSpan } from '@/lib/trace-store/search';
import { getAppContext } from '@/lib/server/context';
import { requirePageUser } from '@/lib/server/page-auth';
import { TraceIdParam } from '@/lib/trace-store/api-query';
import { traceOutlineUrl } from '@/lib/trace-view/urls';

export const dynamic = 'force-dynamic';

const RETRY_ATTEMPTS = 8;
const RETRY_DELAY_MS = 350;
/**
 * Up to this many spans the page renders them on the server. A bigger trace's outline (every
 * span's waterfall fields in columns, no inputs or outputs: a few MB for 100k spans) is fetched
 * by the browser, and the details panel loads each selected span whole.
 */
const SERVER_RENDERED_MAX_SPANS = 200;

type Params = { traceId: string };
type SearchParams = Record<string, string | string[] | undefined>;

export async function generateMetadata({ params }: { params: Promise<Params> }): Promise<Metadata> {
  const { traceId } = await params;
  return { title: `Trace ${traceId.slice(0, 12)} · LLMTrace` };
}

export default async function TracePage({ params, searchParams }: { params: Promise<Params>; searchParams: Promise<SearchParams> }) {
  const user = await requirePageUser();
  const parsed = TraceIdParam.safeParse((await params).traceId);
  if (!parsed.success) notFound();
  const traceId = parsed.data;
  const { database } = await getAppContext();
  // Counted only as far as the choice needs: counting every span of a big trace is a scan of them all.
  const countSpans = () => countTraceSpans(database, { userId: user.userId, traceId, upTo: SERVER_RENDERED_MAX_SPANS + 1 });
  let count = await countSpans();
  // Spans reach the database in batches (TRACE_BATCH_INTERVAL_MS, 1 s by default): a trace opened
  // right after its request (the playground's "View trace") may not be written yet, so wait a little.
  for (let attempt = 0; count === 0 && attempt < RETRY_ATTEMPTS; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    count = await countSpans();
  }
  if (count === 0) notFound();
  const spans = count <= SERVER_RENDERED_MAX_SPANS ? spansForPage(await getTraceSpans(database, { userId: user.userId, traceId })) : null;
  const root = spans ? (spans.find((span) => span.parent_trace_id === null) ?? spans[0]) : await getRootSpan(database, { userId: user.userId, traceId });

  const { span: spanParam, q: qParam } = await searchParams;
  // Opened from a search (`?q=`): the text is highlighted and, unless a span is named, the first span holding it is selected.
  const highlight = typeof qParam === 'string' ? qParam.trim().slice(0, 200) : '';
  const initialSpanId =
    typeof spanParam === 'string' ? spanParam : highlight ? ((await firstMatchingSpan(database, { userId: user.userId, traceId, q: highlight })) ?? undefined) : undefined;

  return (
    <main className="flex h-screen min-h-[40rem] flex-col" data-testid="trace-page" data-trace-id={traceId}>
      {/* A big trace's outline is asked for by the page's HTML, so that the server reads it while
          the browser loads and runs the page's scripts; the trace view's own request (a `fetch` of
          the same URL, credentials and mode) is answered by it. See TraceDetailClient. */}
      {!spans && <link rel="preload" as="fetch" href={traceOutlineUrl(traceId, { parts: true })} crossOrigin="anonymous" />}
      <header className="flex flex-wrap items-center justify-between gap-2 border-b border-slate-200 bg-white px-6 py-3">
        <nav aria-label="Breadcrumb" className="flex min-w-0 items-center gap-1.5 text-sm">
          <IntentLink
            href={highlight ? `/analytics/traces?${new URLSearchParams({ q: highlight })}` : '/analytics/traces'}
            className="font-medium text-slate-500 hover:text-indigo-700"
            data-testid="breadcrumb-traces"
          >
            Traces
          </IntentLink>
          <span className="text-slate-300" aria-hidden>
            /
          </span>
          <span className="truncate font-medium text-slate-900" title={root?.span_name ?? 'Trace'}>
            {root?.span_name ?? 'Trace'}
          </span>
          <span className="hidden font-mono text-xs text-slate-400 sm:inline">{traceId}</span>
        </nav>
        <div className="flex items-center gap-3">
          {root?.conversation_id && (
            <IntentLink
              href={`/analytics/traces?conversation_id=${root.conversation_id}`}
              className="text-xs font-medium text-indigo-600 hover:text-indigo-800"
              data-testid="conversation-traces-link"
              title={root.message_id ? `Message ${root.message_id}` : undefined}
            >
              Other traces in this conversation →
            </IntentLink>
          )}
          <ShareTraceButton traceId={traceId} />
        </div>
      </header>
      <div className="min-h-0 flex-1 p-4">
        <TraceDetailClient spans={spans} traceId={traceId} initialSpanId={initialSpanId} highlight={highlight || undefined} />
      </div>
    </main>
  );
}
