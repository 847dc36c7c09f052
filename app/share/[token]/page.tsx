import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
import { SharedTraceClient } from '@/components/share/SharedTraceClient';
import { Logo } from '@/components/shell/Logo';
import { getAppContext } from '@/lib/server/context';
import { findShareByToken, readSharedTrace } from '@/lib/share/shares';
import { countTraceSpans, getRootSpan } from '@/lib/trace-store/read';
import type { ApiSpan } from '@/lib/trace-view/types';

export const dynamic = 'force-dynamic';

export const metadata: Metadata = {
  title: 'Shared trace · LLMTrace',
  robots: { index: false, follow: false },
  referrer: 'no-referrer',
};

/** Up to this many spans the page renders them on the server; a bigger trace is fetched by the browser, as on the owner's trace page. */
const SERVER_RENDERED_MAX_SPANS = 200;

type SearchParams = Record<string, string | string[] | undefined>;

/**
 * The public page of a share link: the one trace, read-only, without signing in. It sits outside
 * the dashboard (no sidebar, no link into the account, no API key): what it shows is what
 * `GET /api/share/{token}` serves (lib/share/shares.ts), redacted when the owner chose so.
 */
export default async function SharedTracePage({ params, searchParams }: { params: Promise<{ token: string }>; searchParams: Promise<SearchParams> }) {
  const { token } = await params;
  const { database } = await getAppContext();
  const share = await findShareByToken(database, token);
  if (!share) notFound();
  const owner = { userId: share.userId, traceId: share.traceId };
  const count = await countTraceSpans(database, owner);
  if (count === 0) notFound();
  const spans = count <= SERVER_RENDERED_MAX_SPANS ? ((await readSharedTrace(database, share, { include_data: 'true' })).traces as ApiSpan[]) : null;
  const rootName = spans ? (spans.find((span) => span.parent_trace_id === null) ?? spans[0])?.span_name : (await getRootSpan(database, owner))?.span_name;

  const spanParam = (await searchParams).span;
  const initialSpanId = typeof spanParam === 'string' ? spanParam : undefined;

  return (
    <main className="flex h-screen min-h-[40rem] flex-col bg-slate-50" data-testid="share-page" data-redacted={share.redact ? 'true' : 'false'}>
      <header className="flex flex-wrap items-center justify-between gap-3 border-b border-slate-200 bg-white px-6 py-3">
        <div className="flex min-w-0 items-center gap-3">
          <Logo />
          <span className="text-slate-300" aria-hidden>
            /
          </span>
          <span className="truncate text-sm font-medium text-slate-900" title={rootName ?? 'Trace'}>
            {rootName ?? 'Trace'}
          </span>
        </div>
        <div className="flex items-center gap-2 text-xs">
          {share.redact && (
            <span className="rounded-full bg-amber-50 px-2 py-0.5 font-medium text-amber-800 ring-1 ring-inset ring-amber-600/20" data-testid="share-redacted">
              Inputs, outputs and metadata redacted
            </span>
          )}
          <span className="rounded-full bg-slate-100 px-2 py-0.5 font-medium text-slate-600" data-testid="share-read-only">
            Shared trace · read-only
          </span>
        </div>
      </header>
      <div className="min-h-0 flex-1 p-4">
        <SharedTraceClient token={token} spans={spans} spanCount={count} initialSpanId={initialSpanId} />
      </div>
    </main>
  );
}
