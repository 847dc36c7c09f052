import { IntentLink } from '@/components/shell/IntentLink';

/** No sessions yet: how traces get a session. */
export function SessionsEmptyState() {
  return (
    <div className="rounded-xl border border-dashed border-slate-300 bg-white px-8 py-12" data-testid="sessions-empty">
      <div className="mx-auto max-w-xl text-center">
        <h2 className="text-base font-semibold text-slate-900">No sessions yet</h2>
        <p className="mt-1 text-sm text-slate-500">
          A session groups the traces of one conversation. Traces join a session when they carry a <code className="font-mono text-xs">session_id</code>:
        </p>
      </div>
      <ul className="mx-auto mt-6 max-w-xl space-y-3 text-sm text-slate-700">
        <li className="rounded-lg bg-slate-50 px-4 py-3">
          <span className="font-medium text-slate-900">Chat API:</span> every conversation is a session. Continue one by sending its{' '}
          <code className="font-mono text-xs">conversationId</code>, or chat in the{' '}
          <IntentLink href="/chat" className="font-medium text-indigo-600 hover:text-indigo-800">
            playground
          </IntentLink>
          .
        </li>
        <li className="rounded-lg bg-slate-50 px-4 py-3">
          <span className="font-medium text-slate-900">Proxy:</span> send the <code className="font-mono text-xs">x-llmtrace-session-id</code> header.
        </li>
        <li className="rounded-lg bg-slate-50 px-4 py-3">
          <span className="font-medium text-slate-900">OpenTelemetry:</span> set <code className="font-mono text-xs">session.id</code> (or{' '}
          <code className="font-mono text-xs">gen_ai.conversation.id</code>) on your spans.
        </li>
        <li className="rounded-lg bg-slate-50 px-4 py-3">
          <span className="font-medium text-slate-900">HTTP ingest and the SDK:</span> set <code className="font-mono text-xs">session_id</code> on the span
          (the SDK&apos;s <code className="font-mono text-xs">observe</code> option <code className="font-mono text-xs">sessionId</code>).
        </li>
      </ul>
    </div>
  );
}
