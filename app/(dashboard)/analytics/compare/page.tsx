import type { Metadata } from 'next';
import { IntentLink } from '@/components/shell/IntentLink';
import { TraceCompare, type ComparedTrace } from '@/components/compare/TraceCompare';
import { PageHeader } from '@/components/shell/PageHeader';
import { formatCount } from '@/lib/format';
import { getAppContext } from '@/lib/server/context';
import { requirePageUser } from '@/lib/server/page-auth';
import { TraceIdParam } from '@/lib/trace-store/api-query';
import { countTraceSpans, getTraceSpans } from '@/lib/trace-store/read';
import { buildTraceTree } from '@/lib/trace-view/tree';
import type { ApiSpan } from '@/lib/trace-view/types';

export const metadata: Metadata = { title: 'Compare traces · LLMTrace' };
export const dynamic = 'force-dynamic';

/** Largest trace compared: the page aligns every span in the browser. */
const COMPARE_MAX_SPANS = 5000;
/**
 * Up to this many spans a trace comes with its inputs and outputs (as on the trace page); beyond,
 * rows cannot say whether their text differs, and the selected pair's text is loaded on selection.
 */
const WITH_DATA_MAX_SPANS = 200;

type SearchParams = Record<string, string | string[] | undefined>;
type Loaded = { trace: ComparedTrace; problem?: undefined } | { trace?: undefined; problem: string };

const first = (raw: string | string[] | undefined) => (Array.isArray(raw) ? raw[0] : raw);

/** The span and everything below it, or null when the trace has no such span. */
function subtree(spans: ApiSpan[], spanId: string): ApiSpan[] | null {
  const node = buildTraceTree(spans).byId.get(spanId);
  if (!node) return null;
  const ids = new Set<string>();
  const stack = [node];
  while (stack.length > 0) {
    const next = stack.pop()!;
    ids.add(next.id);
    stack.push(...next.children);
  }
  return spans.filter((span) => ids.has(span.span_id));
}

async function loadTrace(userId: string, raw: string | string[] | undefined, rawSpan: string | string[] | undefined, side: 'a' | 'b'): Promise<Loaded> {
  const label = side.toUpperCase();
  const value = first(raw);
  if (!value) return { problem: `Trace ${label} is missing: give its id as ?${side}=…, or pick two traces on the trace list.` };
  const parsed = TraceIdParam.safeParse(value.trim());
  if (!parsed.success) return { problem: `Trace ${label} ("${value.slice(0, 80)}") is not a trace id: trace ids are 32 hex characters.` };
  const traceId = parsed.data;
  const { database } = await getAppContext();
  const spanCount = await countTraceSpans(database, { userId, traceId });
  if (spanCount === 0) return { problem: `Trace ${label} (${traceId}) was not found in your account. It may have been deleted.` };
  if (spanCount > COMPARE_MAX_SPANS) {
    return { problem: `Trace ${label} (${traceId}) has ${formatCount(spanCount)} spans; traces of up to ${formatCount(COMPARE_MAX_SPANS)} spans can be compared.` };
  }
  const spans = await getTraceSpans(database, { userId, traceId, withData: spanCount <= WITH_DATA_MAX_SPANS });
  const spanId = first(rawSpan)?.trim().toLowerCase();
  if (!spanId) return { trace: { traceId, spans } };
  // Two spans (e.g. one agent step of each run): their subtrees are compared.
  const below = subtree(spans, spanId);
  if (!below) return { problem: `Trace ${label} (${traceId}) has no span "${spanId.slice(0, 40)}" (?${side}_span=).` };
  return { trace: { traceId, spans: below } };
}

/**
 * `/analytics/compare?a={trace_id}&b={trace_id}`: two of the user's traces side by side, their
 * span trees aligned by name and position (lib/trace-view/compare.ts), with what differs.
 * `&a_span={span_id}&b_span={span_id}` compares two spans (with what ran below them) instead.
 */
export default async function ComparePage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const user = await requirePageUser();
  const params = await searchParams;
  const [a, b] = await Promise.all([loadTrace(user.userId, params.a, params.a_span, 'a'), loadTrace(user.userId, params.b, params.b_span, 'b')]);
  const problems = [a.problem, b.problem].filter((problem): problem is string => Boolean(problem));

  return (
    <main data-testid="compare-page">
      <PageHeader title="Compare traces" description="Two traces side by side: their span trees aligned by name and position, and what differs." />
      <div className="space-y-4 p-6">
        <form action="/analytics/compare" method="get" className="flex flex-wrap items-end gap-3" data-testid="compare-form">
          {(['a', 'b'] as const).map((side) => (
            <label key={side} className="flex flex-col gap-1">
              <span className="text-[11px] font-medium uppercase tracking-wide text-slate-500">Trace {side.toUpperCase()}</span>
              <input
                name={side}
                defaultValue={first(params[side]) ?? ''}
                placeholder="32 hex characters"
                spellCheck={false}
                className="h-8 w-[22rem] max-w-full rounded-md border border-slate-200 px-2 font-mono text-xs outline-none focus:border-indigo-400 focus:ring-2 focus:ring-indigo-100"
                data-testid={`compare-input-${side}`}
              />
            </label>
          ))}
          <button type="submit" className="h-8 rounded-md bg-indigo-600 px-3 text-sm font-medium text-white shadow-sm hover:bg-indigo-500">
            Compare
          </button>
        </form>

        {problems.length > 0 || !a.trace || !b.trace ? (
          <div className="rounded-xl border border-amber-200 bg-amber-50 px-5 py-4 text-sm text-amber-900" role="alert" data-testid="compare-error">
            <p className="font-medium">These traces cannot be compared yet.</p>
            <ul className="mt-2 list-disc space-y-0.5 pl-5">
              {problems.map((problem) => (
                <li key={problem}>{problem}</li>
              ))}
            </ul>
            <IntentLink href="/analytics/traces" className="mt-3 inline-block font-medium text-amber-900 underline hover:text-amber-700">
              Pick two traces on the trace list
            </IntentLink>
          </div>
        ) : (
          <TraceCompare key={`${a.trace.traceId}/${b.trace.traceId}`} a={a.trace} b={b.trace} />
        )}
      </div>
    </main>
  );
}
