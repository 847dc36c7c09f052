'use client';

import { IntentLink } from '@/components/shell/IntentLink';
import { useEffect, useRef, useState } from 'react';
import { TraceView } from '@/components/trace-detail/TraceView';
import { apiFetch } from '@/lib/client/api';
import type { ApiSpan } from '@/lib/trace-view/types';
import { formatDateTime } from '@/lib/format';

/** What the modal needs to know about the message whose trace it shows. */
export interface TraceModalMessage {
  message_id: string;
  created_at: string;
  trace_id: string | null;
}

type State = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'loaded'; spans: ApiSpan[] };

/**
 * The trace behind one evaluated message, in a modal: spans from
 * `GET /api/analytics/traces?message_id=…` shown in the TraceView, or the plan's empty state when the
 * message has no trace. Closes with Escape, the close button or a click on the backdrop.
 */
export function TraceModal({ message, onClose }: { message: TraceModalMessage; onClose: () => void }) {
  const [state, setState] = useState<State>(() => (message.trace_id === null ? { kind: 'loaded', spans: [] } : { kind: 'loading' }));
  const closeRef = useRef<HTMLButtonElement>(null);
  const onCloseRef = useRef(onClose);
  useEffect(() => {
    onCloseRef.current = onClose;
  }, [onClose]);

  useEffect(() => {
    if (message.trace_id === null) return;
    let cancelled = false;
    apiFetch<{ traces: ApiSpan[] }>(`/api/analytics/traces?message_id=${encodeURIComponent(message.message_id)}`)
      .then((data) => {
        if (!cancelled) setState({ kind: 'loaded', spans: data.traces ?? [] });
      })
      .catch((error: unknown) => {
        if (!cancelled) setState({ kind: 'error', message: error instanceof Error ? error.message : 'Could not load the trace.' });
      });
    return () => {
      cancelled = true;
    };
  }, [message.message_id, message.trace_id]);

  // Escape closes; the page behind does not scroll; focus goes to the dialog and back afterwards.
  useEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const overflow = document.body.style.overflow;
    document.body.style.overflow = 'hidden';
    closeRef.current?.focus();
    const onKey = (event: globalThis.KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        onCloseRef.current();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.body.style.overflow = overflow;
      previous?.focus();
    };
  }, []);

  const spans = state.kind === 'loaded' ? state.spans : [];
  const traceId = spans[0]?.trace_id ?? null;
  const messageDate = formatDateTime(message.created_at);

  return (
    <div
      className="fixed inset-0 z-50 flex items-center justify-center bg-slate-900/40 p-4 backdrop-blur-[1px]"
      onMouseDown={(event) => {
        if (event.target === event.currentTarget) onClose();
      }}
    >
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby="trace-modal-title"
        data-testid="trace-modal"
        data-state={state.kind === 'loaded' ? (spans.length > 0 ? 'trace' : 'empty') : state.kind}
        className={`flex w-full flex-col overflow-hidden rounded-xl bg-slate-50 shadow-2xl ring-1 ring-slate-900/10 ${
          state.kind === 'loaded' && spans.length === 0 ? 'max-h-[90vh] max-w-2xl' : 'h-[90vh] max-w-[1400px]'
        }`}
      >
        <div className="flex items-center justify-between gap-3 border-b border-slate-200 bg-white px-4 py-3">
          <div className="min-w-0">
            <h2 id="trace-modal-title" className="text-sm font-semibold text-slate-900">
              Trace of the message
            </h2>
            <p className="truncate text-xs text-slate-500">
              Written {messageDate}
              {traceId && (
                <>
                  {' · '}
                  <span className="font-mono">{traceId}</span>
                </>
              )}
            </p>
          </div>
          <div className="flex shrink-0 items-center gap-2">
            {traceId && (
              <IntentLink
                href={`/analytics/traces/${traceId}`}
                className="rounded-md border border-slate-200 px-2.5 py-1 text-xs font-medium text-slate-700 hover:border-indigo-300 hover:text-indigo-700"
                data-testid="trace-modal-full-page"
              >
                Open full page
              </IntentLink>
            )}
            <button
              ref={closeRef}
              type="button"
              onClick={onClose}
              aria-label="Close"
              title="Close (Esc)"
              data-testid="trace-modal-close"
              className="rounded-md p-1.5 text-slate-500 hover:bg-slate-100 hover:text-slate-900 focus-visible:outline-2 focus-visible:outline-indigo-500"
            >
              <svg viewBox="0 0 24 24" className="h-4 w-4" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" aria-hidden="true">
                <path d="M6 6l12 12M18 6 6 18" />
              </svg>
            </button>
          </div>
        </div>

        <div className="min-h-0 flex-1 overflow-auto p-4">
          {state.kind === 'loading' && (
            <div className="flex h-64 items-center justify-center text-sm text-slate-500" data-testid="trace-modal-loading">
              <span className="mr-2 h-4 w-4 animate-spin rounded-full border-2 border-slate-300 border-t-indigo-600" aria-hidden="true" />
              Loading trace…
            </div>
          )}
          {state.kind === 'error' && (
            <div className="rounded-lg border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-700" role="alert" data-testid="trace-modal-error">
              {state.message}
            </div>
          )}
          {state.kind === 'loaded' && spans.length === 0 && <NoTraceState messageDate={messageDate} />}
          {state.kind === 'loaded' && spans.length > 0 && (
            <div className="h-full">
              <TraceView spans={spans} exportHref={`/api/analytics/traces/${spans[0].trace_id}/export`} />
            </div>
          )}
        </div>
      </div>
    </div>
  );
}

/** The plan's empty state (Phase 4.1): the message predates trace capture, or its trace is gone. */
function NoTraceState({ messageDate }: { messageDate: string }) {
  return (
    <div className="flex items-center justify-center py-10" data-testid="trace-empty-state">
      <div className="max-w-md rounded-xl border border-dashed border-slate-300 bg-white px-8 py-8 text-center">
        <div className="mx-auto mb-3 flex h-10 w-10 items-center justify-center rounded-full bg-slate-100 text-slate-400">
          <svg viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" aria-hidden="true">
            <path d="M4 6h10M4 12h16M4 18h7" />
          </svg>
        </div>
        <p className="text-sm font-semibold text-slate-900">No trace data available for this message.</p>
        <p className="mt-2 text-sm text-slate-600">This message was created before trace capture was enabled (Date: {messageDate}).</p>
        <p className="mt-1 text-sm text-slate-500">Newer messages will have trace data automatically captured.</p>
      </div>
    </div>
  );
}
