import { IntentLink } from '@/components/shell/IntentLink';
import { RANGE_LABEL, RANGES, type RangeKey } from './range';

/** Shown when the range holds no requests: how to get some traces in. */
export function OverviewEmptyState({ range }: { range: RangeKey }) {
  const wider = RANGES.slice(RANGES.indexOf(range) + 1);
  return (
    <div className="rounded-xl border border-dashed border-slate-300 bg-white px-8 py-12 text-center" data-testid="overview-empty">
      <div className="mx-auto mb-3 flex h-10 w-10 items-center justify-center rounded-full bg-indigo-50 text-indigo-500">
        <svg viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth={1.8} strokeLinecap="round" aria-hidden="true">
          <path d="M4 19V9m6 10V5m6 14v-7m4 7H2" />
        </svg>
      </div>
      <h2 className="text-sm font-semibold text-slate-900">No requests in the {RANGE_LABEL[range]}</h2>
      <p className="mx-auto mt-1 max-w-lg text-sm text-slate-500">
        Every chat answer LLMTrace serves, and every trace another app sends it, shows up here. To fill the dashboard with
        realistic demo traffic (chats, tool calls, retrieval, a failure and some evaluations), run:
      </p>
      <pre className="mx-auto mt-3 w-fit max-w-full overflow-x-auto rounded-lg bg-slate-900 px-4 py-2 text-left font-mono text-xs text-slate-100">
        npm run demo -- --key lt_…
      </pre>
      <p className="mx-auto mt-2 max-w-lg text-xs text-slate-500">
        Use the API key printed when the server first started, or create one in{' '}
        <IntentLink href="/settings" className="font-medium text-indigo-600 hover:text-indigo-700">
          Settings
        </IntentLink>
        .
      </p>
      <div className="mt-5 flex flex-wrap items-center justify-center gap-2">
        <IntentLink href="/chat" className="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-indigo-700" data-testid="overview-empty-chat">
          Open the playground
        </IntentLink>
        {wider.map((r) => (
          <IntentLink key={r} href={`/analytics?range=${r}`} className="rounded-md border border-slate-200 px-3 py-1.5 text-sm text-slate-700 hover:bg-slate-50">
            Show {RANGE_LABEL[r]}
          </IntentLink>
        ))}
      </div>
    </div>
  );
}
