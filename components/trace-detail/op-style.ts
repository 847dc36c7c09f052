import type { OperationType, SpanStatus } from '@/lib/trace-view/types';

interface OpStyle {
  label: string;
  /** Waterfall bar fill. */
  bar: string;
  /** Icon chip: tinted background and foreground. */
  chip: string;
}

/** Colours by operation type: llm indigo, tool amber, retrieval emerald, embedding cyan, others slate. */
export const OP_STYLES: Record<OperationType, OpStyle> = {
  llm_call: { label: 'LLM call', bar: 'bg-op-llm', chip: 'bg-indigo-50 text-indigo-600 ring-indigo-200' },
  tool_call: { label: 'Tool call', bar: 'bg-op-tool', chip: 'bg-amber-50 text-amber-600 ring-amber-200' },
  retrieval: { label: 'Retrieval', bar: 'bg-op-retrieval', chip: 'bg-emerald-50 text-emerald-600 ring-emerald-200' },
  embedding: { label: 'Embedding', bar: 'bg-op-embedding', chip: 'bg-cyan-50 text-cyan-600 ring-cyan-200' },
  chain: { label: 'Chain', bar: 'bg-op-other', chip: 'bg-slate-100 text-slate-600 ring-slate-200' },
  agent: { label: 'Agent', bar: 'bg-op-other', chip: 'bg-slate-100 text-slate-600 ring-slate-200' },
  other: { label: 'Other', bar: 'bg-op-other', chip: 'bg-slate-100 text-slate-500 ring-slate-200' },
};

/** Unknown values (from OTLP or older writers) fall back to `other`. */
export function opStyle(op: unknown): OpStyle {
  return Object.prototype.hasOwnProperty.call(OP_STYLES, op as string) ? OP_STYLES[op as OperationType] : OP_STYLES.other;
}

interface StatusStyle {
  label: string;
  badge: string;
  dot: string;
}

export const STATUS_STYLES: Record<SpanStatus, StatusStyle> = {
  completed: { label: 'Completed', badge: 'bg-emerald-50 text-emerald-700 ring-emerald-600/20', dot: 'bg-emerald-500' },
  failed: { label: 'Failed', badge: 'bg-red-50 text-red-700 ring-red-600/20', dot: 'bg-red-500' },
  running: { label: 'Running', badge: 'bg-blue-50 text-blue-700 ring-blue-600/20', dot: 'bg-blue-500 animate-pulse' },
  pending: { label: 'Pending', badge: 'bg-slate-100 text-slate-600 ring-slate-500/20', dot: 'bg-slate-400' },
  cancelled: { label: 'Cancelled', badge: 'bg-amber-50 text-amber-700 ring-amber-600/20', dot: 'bg-amber-500' },
};

export function statusStyle(status: unknown): StatusStyle {
  return Object.prototype.hasOwnProperty.call(STATUS_STYLES, status as string)
    ? STATUS_STYLES[status as SpanStatus]
    : { label: String(status ?? 'unknown'), badge: STATUS_STYLES.pending.badge, dot: STATUS_STYLES.pending.dot };
}
