/** No end users yet: how traces get one. */
export function EndUsersEmptyState() {
  return (
    <div className="rounded-xl border border-dashed border-slate-300 bg-white px-8 py-12" data-testid="end-users-empty">
      <div className="mx-auto max-w-xl text-center">
        <h2 className="text-base font-semibold text-slate-900">No end users yet</h2>
        <p className="mt-1 text-sm text-slate-500">
          Tell LLMTrace which of your users each request serves, and this page shows what each one costs. Traces count for an end user when they carry an{' '}
          <code className="font-mono text-xs">end_user_id</code>:
        </p>
      </div>
      <ul className="mx-auto mt-6 max-w-xl space-y-3 text-sm text-slate-700">
        <li className="rounded-lg bg-slate-50 px-4 py-3">
          <span className="font-medium text-slate-900">Chat API:</span> send <code className="font-mono text-xs">&quot;user&quot;: &quot;customer-42&quot;</code> in the request body.
        </li>
        <li className="rounded-lg bg-slate-50 px-4 py-3">
          <span className="font-medium text-slate-900">Proxy:</span> send the <code className="font-mono text-xs">x-llmtrace-user-id</code> header.
        </li>
        <li className="rounded-lg bg-slate-50 px-4 py-3">
          <span className="font-medium text-slate-900">OpenTelemetry:</span> set <code className="font-mono text-xs">user.id</code> (or{' '}
          <code className="font-mono text-xs">enduser.id</code>) on your spans.
        </li>
        <li className="rounded-lg bg-slate-50 px-4 py-3">
          <span className="font-medium text-slate-900">HTTP ingest and the SDK:</span> set <code className="font-mono text-xs">end_user_id</code> on the span (the SDK&apos;s{' '}
          <code className="font-mono text-xs">observe</code> option <code className="font-mono text-xs">endUserId</code>).
        </li>
      </ul>
    </div>
  );
}
