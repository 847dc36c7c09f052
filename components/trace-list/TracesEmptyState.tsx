import { IntentLink } from '@/components/shell/IntentLink';

/** No traces at all (or none matching the filters). */
export function TracesEmptyState({ filtered }: { filtered: boolean }) {
  if (filtered) {
    return (
      <div className="rounded-xl border border-dashed border-slate-300 bg-white px-8 py-12 text-center" data-testid="traces-empty" data-filtered="true">
        <h2 className="text-sm font-semibold text-slate-900">No traces match these filters</h2>
        <p className="mt-1 text-sm text-slate-500">Widen the time range or remove a filter.</p>
        <IntentLink href="/analytics/traces" className="mt-4 inline-block text-sm font-medium text-indigo-600 hover:text-indigo-800">
          Clear filters
        </IntentLink>
      </div>
    );
  }
  return (
    <div className="rounded-xl border border-dashed border-slate-300 bg-white px-8 py-12" data-testid="traces-empty">
      <div className="mx-auto max-w-xl text-center">
        <div className="mx-auto mb-3 flex h-10 w-10 items-center justify-center rounded-full bg-indigo-50 text-indigo-500">
          <svg viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" aria-hidden>
            <path d="M4 6h10M7 12h13M10 18h7" />
          </svg>
        </div>
        <h2 className="text-base font-semibold text-slate-900">No traces yet</h2>
        <p className="mt-1 text-sm text-slate-500">Every chat request becomes a trace. Three ways to get your first ones:</p>
      </div>
      <ol className="mx-auto mt-6 max-w-xl space-y-3 text-sm text-slate-700">
        <li className="rounded-lg bg-slate-50 px-4 py-3">
          <span className="font-medium text-slate-900">Chat in the playground.</span>{' '}
          <IntentLink href="/chat" className="font-medium text-indigo-600 hover:text-indigo-800">
            Open the playground →
          </IntentLink>{' '}
          (the demo model works offline).
        </li>
        <li className="rounded-lg bg-slate-50 px-4 py-3">
          <span className="font-medium text-slate-900">Generate demo traffic</span> with an API key from{' '}
          <IntentLink href="/settings" className="font-medium text-indigo-600 hover:text-indigo-800">
            Settings
          </IntentLink>
          :
          <pre className="mt-2 overflow-x-auto rounded-md bg-slate-900 px-3 py-2 font-mono text-xs text-slate-100">npm run demo -- --key lt_…</pre>
        </li>
        <li className="rounded-lg bg-slate-50 px-4 py-3">
          <span className="font-medium text-slate-900">Send spans from your app:</span>
          <pre className="mt-2 overflow-x-auto whitespace-pre-wrap rounded-md bg-slate-900 px-3 py-2 font-mono text-xs text-slate-100">
            {`curl -X POST /api/analytics/traces \\
  -H "Authorization: Bearer lt_…" -H "content-type: application/json" \\
  -d '{"traces":[{"trace_id":"…32 hex…","span_id":"…16 hex…","span_name":"llm.completion","start_time":"…"}]}'`}
          </pre>
        </li>
      </ol>
    </div>
  );
}
