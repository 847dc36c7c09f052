import { IntentLink } from '@/components/shell/IntentLink';
import { ListStatusBadge } from '@/components/trace-list/ListStatusBadge';
import { TimeCell } from '@/components/trace-list/TimeCell';
import { formatCost, formatCount, formatDuration, truncate } from '@/lib/format';
import type { TraceListRow } from '@/lib/trace-store/read';
import { traceHref } from './links';
import { finalOutputOf, userInputOf, type TurnText } from './turns';

/** A bubble shows this many characters at most; the trace has the rest. */
const MAX_BUBBLE_TEXT = 4000;

function BubbleText({ turn, empty }: { turn: TurnText | null; empty: string }) {
  if (!turn) return <p className="italic opacity-70">{empty}</p>;
  if (turn.text.trim() === '') return <p className="italic opacity-70">(no text)</p>;
  const text = truncate(turn.text, MAX_BUBBLE_TEXT);
  return turn.format === 'json' ? (
    <pre className="overflow-x-auto whitespace-pre-wrap break-all font-mono text-xs">{text}</pre>
  ) : (
    <p className="whitespace-pre-wrap break-words">{text}</p>
  );
}

/**
 * A session as one conversation, oldest turn first: each trace's last user message (from its
 * root's input) and final answer (from its output, or its error), with a link into the trace.
 * Everything is rendered as text: model output is untrusted.
 */
export function SessionConversation({ traces, nowMs }: { traces: TraceListRow[]; nowMs: number }) {
  return (
    <ol className="space-y-6" data-testid="session-turns">
      {traces.map((trace, index) => {
        const input = userInputOf(trace.input_data);
        const output = finalOutputOf(trace.output_data);
        const failed = trace.status === 'failed';
        const open = trace.status === 'running' || trace.status === 'pending';
        return (
          <li key={trace.id} className="space-y-2" data-testid="session-turn" data-trace-id={trace.trace_id} data-status={trace.status}>
            <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-slate-500">
              <span className="font-semibold text-slate-700">Turn {formatCount(index + 1)}</span>
              <div>
                <TimeCell iso={trace.start_time} serverNowMs={nowMs} />
              </div>
              <ListStatusBadge status={trace.status} error={trace.error_message} />
              <span className="truncate font-mono" title={trace.span_name}>
                {truncate(trace.span_name, 60)}
              </span>
              <span className="ml-auto flex items-center gap-3 font-mono tabular-nums">
                <span title="Duration">{formatDuration(trace.duration_ms)}</span>
                <span title="Tokens, each model call once">{trace.trace_total_tokens === null ? '—' : `${formatCount(trace.trace_total_tokens)} tokens`}</span>
                <span title="Cost">{trace.trace_total_tokens === null && trace.trace_cost_usd === null ? '—' : formatCost(trace.trace_cost_usd)}</span>
                <IntentLink
                  href={traceHref(trace.trace_id)}
                  className="font-sans font-medium text-indigo-600 hover:text-indigo-800"
                  data-testid="turn-trace-link"
                  title={`Trace ${trace.trace_id}`}
                >
                  Open trace →
                </IntentLink>
              </span>
            </div>
            <div className="flex justify-end">
              <div
                className="max-w-[80%] rounded-2xl rounded-br-md bg-indigo-600 px-4 py-2.5 text-sm leading-6 text-white shadow-sm"
                data-testid="turn-input"
              >
                <BubbleText turn={input} empty="(no input recorded on the root span)" />
              </div>
            </div>
            <div className="flex justify-start">
              <div
                className={`max-w-[85%] rounded-2xl rounded-bl-md border px-4 py-3 text-sm leading-6 shadow-sm ${
                  failed ? 'border-red-200 bg-red-50 text-red-900' : 'border-slate-200 bg-white text-slate-800'
                }`}
                data-testid="turn-output"
              >
                {failed && (
                  <p className="mb-1 whitespace-pre-wrap break-words font-medium text-red-700" data-testid="turn-error">
                    {truncate(trace.error_message ?? 'Failed', 1000)}
                  </p>
                )}
                {(!failed || output) && (
                  <BubbleText turn={output} empty={open ? '(still running)' : '(no output recorded on the root span)'} />
                )}
              </div>
            </div>
          </li>
        );
      })}
    </ol>
  );
}
