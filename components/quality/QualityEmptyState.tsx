import { IntentLink } from '@/components/shell/IntentLink';

/** No evaluation carries a failure tag yet: how to evaluate answers. */
export function QualityEmptyState() {
  return (
    <div className="rounded-xl border border-dashed border-slate-300 bg-white px-8 py-10" data-testid="quality-empty">
      <div className="mx-auto max-w-2xl">
        <h2 className="text-center text-sm font-semibold text-slate-900">No quality issues yet</h2>
        <p className="mt-1 text-center text-sm text-slate-500">
          Failure tags come from evaluations of chat answers. Tag a bad answer and it shows up here, ranked with the others,
          one click away from the trace that produced it.
        </p>
        <div className="mt-6 grid gap-4 md:grid-cols-2">
          <div className="rounded-lg border border-slate-200 p-4">
            <div className="text-xs font-semibold uppercase tracking-wide text-slate-500">In the playground</div>
            <p className="mt-1 text-sm text-slate-600">
              Ask something in the{' '}
              <IntentLink href="/chat" className="font-medium text-indigo-600 hover:text-indigo-700">
                playground
              </IntentLink>
              , give the answer a thumbs down and pick failure tags such as <span className="font-mono text-xs">hallucination</span>.
            </p>
          </div>
          <div className="min-w-0 rounded-lg border border-slate-200 p-4">
            <div className="text-xs font-semibold uppercase tracking-wide text-slate-500">From your app</div>
            <p className="mt-1 text-sm text-slate-600">
              Post an evaluation for a <span className="font-mono text-xs">messageId</span> returned by{' '}
              <span className="font-mono text-xs">POST /api/chat</span>:
            </p>
            <pre className="mt-2 overflow-x-auto whitespace-pre-wrap break-words rounded-md bg-slate-900 px-3 py-2 font-mono text-[11px] leading-relaxed text-slate-100">
              {`POST /api/evaluations
{"message_id": "…", "success": false,
 "rating": 2, "failure_tags": ["hallucination"],
 "notes": "cited a policy we don't have"}`}
            </pre>
          </div>
        </div>
        <p className="mt-4 text-center text-xs text-slate-500">
          Or run <span className="font-mono">npm run demo -- --key lt_…</span> to create sample chats with evaluations.
        </p>
      </div>
    </div>
  );
}
