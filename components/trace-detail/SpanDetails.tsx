'use client';

import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { apiFetch } from '@/lib/client/api';
import { formatCost, formatCount, formatDateTime, formatDuration } from '@/lib/format';
import { extractChatMessages } from '@/lib/trace-view/messages';
import { parseTimeMs } from '@/lib/trace-view/timeline';
import { finiteOrNull } from '@/lib/trace-view/tree';
import type { ApiSpan, TraceNode } from '@/lib/trace-view/types';
import { ChatMessages } from './ChatMessages';
import { CopyButton } from './CopyButton';
import { JsonTree, LongText } from './JsonTree';
import { opStyle } from './op-style';
import { StatusBadge } from './StatusBadge';
import { CloseIcon, OpIcon } from './TraceIcons';

export interface SpanDetailsProps {
  span: ApiSpan;
  /** The span's node in the trace tree: adds the subtree totals when it has children. */
  node?: TraceNode;
  /** Start of the trace, to show the span's offset from it. */
  traceStartMs?: number;
  /** Current time while the trace is live: a running span shows its elapsed time. */
  nowMs?: number | null;
  onClose?: () => void;
  /**
   * Where to load the span's input and output when it arrived without them (`data_omitted`), as
   * `{"traces":[span]}`. Default: the owner's `GET /api/analytics/traces?trace_id=…&span_id=…`.
   */
  dataUrl?: string;
}

function Field({ label, children, mono = true }: { label: string; children: ReactNode; mono?: boolean }) {
  return (
    <div className="min-w-0">
      <dt className="text-[11px] font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className={`mt-0.5 truncate text-sm text-slate-900 ${mono ? 'font-mono tabular-nums' : ''}`}>{children}</dd>
    </div>
  );
}

function IdRow({ label, value }: { label: string; value: string | null }) {
  if (!value) return null;
  return (
    <div className="flex items-center gap-2">
      <span className="w-24 shrink-0 text-[11px] font-medium uppercase tracking-wide text-slate-500">{label}</span>
      <span className="min-w-0 flex-1 truncate font-mono text-xs text-slate-700" title={value}>
        {value}
      </span>
      <CopyButton value={value} label={`Copy ${label.toLowerCase()}`} />
    </div>
  );
}

function Section({ title, actions, children }: { title: string; actions?: ReactNode; children: ReactNode }) {
  return (
    <section className="border-t border-slate-100 px-4 py-3">
      <div className="mb-2 flex items-center justify-between gap-2">
        <h3 className="text-xs font-semibold uppercase tracking-wide text-slate-500">{title}</h3>
        <div className="flex items-center gap-1">{actions}</div>
      </div>
      {children}
    </section>
  );
}

function stringify(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A value at least this long (characters of JSON) gets its size shown and a download button. */
const LARGE_VALUE_CHARS = 100_000;

/** "5.0 MB", "120 KB": a size in bytes, decimal units. */
function formatBytes(bytes: number): string {
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} KB`;
  return `${bytes} B`;
}

/** Saves `text` as a file through a temporary object URL (no request: the value is already here). */
function downloadText(text: string, filename: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * Input or output: a conversation when it looks like chat messages, otherwise a JSON tree. Long
 * texts are cut (each with its own "show all"); a large value (≥ {@link LARGE_VALUE_CHARS}
 * characters) also shows its size and a button that downloads it whole.
 */
function DataSection({ title, value, testId, fileStem }: { title: string; value: unknown; testId: string; fileStem: string }) {
  const messages = useMemo(() => extractChatMessages(value), [value]);
  // The whole value as text, made once: a string as it is, anything else as indented JSON.
  const text = useMemo(() => (value === null || value === undefined ? '' : typeof value === 'string' ? value : stringify(value)), [value]);
  const bytes = useMemo(() => (text.length >= LARGE_VALUE_CHARS ? new Blob([text]).size : 0), [text]);
  const [raw, setRaw] = useState(false);
  const missing = value === null || value === undefined;
  const rest = useMemo(() => {
    if (!messages || typeof value !== 'object' || value === null || Array.isArray(value) || !('messages' in value)) return null;
    const { messages: _messages, system: _system, ...others } = value as Record<string, unknown>;
    return Object.keys(others).length > 0 ? others : null;
  }, [messages, value]);

  const actions = missing ? null : (
    <>
      {messages && (
        <div className="flex rounded-md bg-slate-100 p-0.5 text-[11px] font-medium">
          {(['Chat', 'JSON'] as const).map((mode) => {
            const active = (mode === 'JSON') === raw;
            return (
              <button
                key={mode}
                type="button"
                onClick={() => setRaw(mode === 'JSON')}
                className={`rounded px-2 py-0.5 ${active ? 'bg-white text-slate-900 shadow-sm' : 'text-slate-500 hover:text-slate-800'}`}
              >
                {mode}
              </button>
            );
          })}
        </div>
      )}
      <CopyButton value={text.length <= 10_000 ? text : () => text} label={`Copy ${title.toLowerCase()}`} />
    </>
  );

  return (
    <Section title={title} actions={actions}>
      <div data-testid={testId}>
        {bytes > 0 && (
          <div className="mb-2 flex flex-wrap items-center gap-2 rounded-md border border-amber-200 bg-amber-50 px-2.5 py-1.5 text-[11px] text-amber-900" data-testid="large-value">
            <span>
              <span className="font-semibold tabular-nums" data-testid="value-size">
                {formatBytes(bytes)}
              </span>{' '}
              ({formatCount(text.length)} characters): long texts are cut below.
            </span>
            <button
              type="button"
              data-testid="download-value"
              onClick={() =>
                downloadText(text, `${fileStem}-${title.toLowerCase()}.${typeof value === 'string' ? 'txt' : 'json'}`, typeof value === 'string' ? 'text/plain;charset=utf-8' : 'application/json')
              }
              className="ml-auto rounded bg-white px-2 py-0.5 font-medium text-indigo-700 ring-1 ring-inset ring-amber-200 hover:bg-indigo-50"
            >
              Download whole {title.toLowerCase()}
            </button>
          </div>
        )}
        {missing ? (
          <p className="text-xs italic text-slate-400">No {title.toLowerCase()} recorded</p>
        ) : messages && !raw ? (
          <>
            <ChatMessages messages={messages} />
            {rest && (
              <div className="mt-2">
                <JsonTree value={rest} defaultExpandDepth={0} />
              </div>
            )}
          </>
        ) : typeof value === 'string' ? (
          <div className="rounded-md bg-slate-50 px-3 py-2 text-[13px] text-slate-800">
            <LongText text={value} limit={2000} />
          </div>
        ) : (
          <JsonTree value={value} />
        )}
      </div>
    </Section>
  );
}

/** Tokens and cost of the span with its descendants, or null when it has none or they report nothing. */
function summarizeSubtree(node: TraceNode | undefined): { descendants: number; text: string } | null {
  if (!node || node.children.length === 0) return null;
  const { totals } = node;
  const parts: string[] = [];
  if (totals.totalTokens !== null) parts.push(`${formatCount(totals.totalTokens)} tokens`);
  if (totals.costUsd !== null) parts.push(`${formatCost(totals.costUsd)}${totals.hasUnpricedSpan ? ' (partly unpriced)' : ''}`);
  else if (totals.hasUnpricedSpan) parts.push('unpriced');
  return parts.length === 0 ? null : { descendants: totals.spanCount - 1, text: parts.join(' · ') };
}

/** Spans loaded whole, by URL, for the session (the last few: a span may carry megabytes). */
const loadedData = new Map<string, ApiSpan>();
const LOADED_KEEP = 20;

/**
 * The span whole. A big trace arrives as an outline (`data_omitted`: no input, output or
 * metadata, the error text cut); the span is then fetched on selection, and kept for a while.
 */
function useSpanData(span: ApiSpan, dataUrl?: string): { data: ApiSpan | null; error: string | null } {
  const key = dataUrl ?? `/api/analytics/traces?trace_id=${span.trace_id}&span_id=${span.span_id}`;
  const [state, setState] = useState<{ key: string; data: ApiSpan | null; error: string | null }>(() => ({
    key,
    data: span.data_omitted ? (loadedData.get(key) ?? null) : span,
    error: null,
  }));
  useEffect(() => {
    if (!span.data_omitted) return setState({ key, data: span, error: null });
    const cached = loadedData.get(key);
    if (cached) return setState({ key, data: cached, error: null });
    setState({ key, data: null, error: null });
    let cancelled = false;
    apiFetch<{ traces: ApiSpan[] }>(key)
      .then(({ traces }) => {
        // A span gone since the trace was read keeps what the trace had (an outline's span has no data).
        const data: ApiSpan = traces[0] ?? span;
        loadedData.set(key, data);
        if (loadedData.size > LOADED_KEEP) loadedData.delete(loadedData.keys().next().value!);
        if (!cancelled) setState({ key, data, error: null });
      })
      .catch((error: Error) => {
        if (!cancelled) setState({ key, data: null, error: error.message });
      });
    return () => {
      cancelled = true;
    };
  }, [key, span]);
  return state.key === key ? state : { data: null, error: null };
}

/** Everything about one span: timings, model and usage, ids, error, input, output and metadata. */
export function SpanDetails({ span: given, node, traceStartMs, nowMs = null, onClose, dataUrl }: SpanDetailsProps) {
  const spanData = useSpanData(given, dataUrl);
  // The span whole once loaded (metadata, ids, the whole error), else what the trace gave.
  const span = spanData.data ?? given;
  const startMs = node?.startMs ?? parseTimeMs(span.start_time);
  const endMs = node?.endMs ?? parseTimeMs(span.end_time);
  const open = span.status === 'running' || span.status === 'pending';
  const duration =
    finiteOrNull(span.duration_ms) ??
    (startMs !== null && endMs !== null ? endMs - startMs : open && startMs !== null && nowMs !== null ? nowMs - startMs : null);
  const offset = startMs !== null && traceStartMs !== undefined ? startMs - traceStartMs : null;
  const input = finiteOrNull(span.input_tokens);
  const output = finiteOrNull(span.output_tokens);
  const total = finiteOrNull(span.total_tokens) ?? (input !== null && output !== null ? input + output : null);
  const cached = finiteOrNull(span.cached_input_tokens);
  const reasoning = finiteOrNull(span.reasoning_tokens);
  const cost = finiteOrNull(span.cost_usd);
  const ttft = finiteOrNull(span.time_to_first_token_ms);
  const usesModel = Boolean(span.model_name || span.model_provider) || input !== null || output !== null || cost !== null;
  const hasMetadata = span.metadata !== null && span.metadata !== undefined && !(typeof span.metadata === 'object' && Object.keys(span.metadata).length === 0);
  const subtreeSummary = summarizeSubtree(node);

  return (
    <aside data-testid="span-details" data-span-id={span.span_id} className="flex h-full min-h-0 flex-col bg-white" aria-label="Span details">
      <header className="flex items-start gap-3 border-b border-slate-200 px-4 py-3">
        <OpIcon op={span.operation_type} size="md" />
        <div className="min-w-0 flex-1">
          <div className="flex flex-wrap items-center gap-2">
            <h2 className="min-w-0 truncate font-mono text-sm font-semibold text-slate-900" title={span.span_name}>
              {span.span_name || '(unnamed span)'}
            </h2>
            <StatusBadge status={span.status} />
          </div>
          <p className="mt-0.5 text-xs text-slate-500">
            {opStyle(span.operation_type).label}
            {offset !== null && <span className="tabular-nums"> · starts at +{formatDuration(offset)}</span>}
          </p>
        </div>
        {onClose && (
          <button
            type="button"
            onClick={onClose}
            aria-label="Close span details"
            className="rounded p-1 text-slate-400 hover:bg-slate-100 hover:text-slate-700"
          >
            <CloseIcon className="h-4 w-4" />
          </button>
        )}
      </header>

      <div className="min-h-0 flex-1 overflow-y-auto">
        {span.error_message && (
          <div className="mx-4 mt-3 rounded-md border border-red-200 bg-red-50 px-3 py-2" role="alert" data-testid="span-error">
            <div className="text-[11px] font-semibold uppercase tracking-wide text-red-700">Error</div>
            <div className="mt-0.5 font-mono text-xs text-red-900">
              <LongText text={span.error_message} limit={1200} />
            </div>
          </div>
        )}

        <dl className="grid grid-cols-2 gap-x-4 gap-y-3 px-4 py-3">
          <Field label="Duration">{open ? `running${duration !== null ? ` · ${formatDuration(duration)}` : ''}` : formatDuration(duration)}</Field>
          {ttft !== null && <Field label="Time to first token">{formatDuration(ttft)}</Field>}
          {span.model_name && <Field label="Model">{span.model_name}</Field>}
          {span.model_provider && <Field label="Provider">{span.model_provider}</Field>}
          {(input !== null || output !== null) && (
            <>
              <Field label="Input tokens">{formatCount(input)}</Field>
              <Field label="Output tokens">{formatCount(output)}</Field>
              <Field label="Total tokens">{formatCount(total)}</Field>
            </>
          )}
          {cached !== null && <Field label="Cached input">{formatCount(cached)}</Field>}
          {reasoning !== null && <Field label="Reasoning tokens">{formatCount(reasoning)}</Field>}
          {usesModel && (
            <Field label="Cost">
              {cost !== null ? formatCost(cost) : open ? '—' : <span className="font-sans italic text-slate-500">unpriced</span>}
            </Field>
          )}
          <Field label="Start">{formatDateTime(startMs, { milliseconds: true })}</Field>
          <Field label="End">{open ? '—' : formatDateTime(endMs, { milliseconds: true })}</Field>
        </dl>

        {subtreeSummary && (
          <div className="mx-4 mb-3 rounded-md bg-slate-50 px-3 py-2 text-xs text-slate-600" data-testid="subtree-totals">
            <span className="font-medium text-slate-700">
              With {formatCount(subtreeSummary.descendants)} descendant span{subtreeSummary.descendants === 1 ? '' : 's'}:
            </span>{' '}
            <span className="font-mono tabular-nums">{subtreeSummary.text}</span>
          </div>
        )}

        <Section title="Identifiers">
          <div className="space-y-1">
            <IdRow label="Span ID" value={span.span_id} />
            <IdRow label="Parent span" value={span.parent_trace_id} />
            <IdRow label="Trace ID" value={span.trace_id} />
            <IdRow label="Message" value={span.message_id} />
            <IdRow label="Conversation" value={span.conversation_id} />
          </div>
        </Section>

        {spanData.data ? (
          <>
            <DataSection title="Input" value={spanData.data.input_data} testId="span-input" fileStem={`span-${span.span_id}`} />
            <DataSection title="Output" value={spanData.data.output_data} testId="span-output" fileStem={`span-${span.span_id}`} />
          </>
        ) : (
          <Section title="Input and output">
            <p className="text-xs text-slate-500" data-testid="span-data-loading">
              {spanData.error ? `Could not load this span's data: ${spanData.error}` : 'Loading…'}
            </p>
          </Section>
        )}
        {hasMetadata && (
          <Section title="Metadata" actions={<CopyButton value={() => stringify(span.metadata)} label="Copy metadata" />}>
            <JsonTree value={span.metadata} />
          </Section>
        )}
      </div>
    </aside>
  );
}
