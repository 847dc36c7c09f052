import { truncate } from '@/lib/format';

const STYLES: Record<string, { label: string; badge: string; dot: string }> = {
  completed: { label: 'Completed', badge: 'bg-emerald-50 text-emerald-700 ring-emerald-600/20', dot: 'bg-emerald-500' },
  failed: { label: 'Failed', badge: 'bg-red-50 text-red-700 ring-red-600/20', dot: 'bg-red-500' },
  running: { label: 'Running', badge: 'bg-blue-50 text-blue-700 ring-blue-600/20', dot: 'bg-blue-500 animate-pulse' },
  pending: { label: 'Pending', badge: 'bg-blue-50 text-blue-700 ring-blue-600/20', dot: 'bg-blue-300' },
  cancelled: { label: 'Cancelled', badge: 'bg-slate-100 text-slate-600 ring-slate-500/20', dot: 'bg-slate-400' },
};

/** Status of a trace in the list; a failed one shows its error (truncated) on hover. */
export function ListStatusBadge({ status, error }: { status: string; error?: string | null }) {
  const style = STYLES[status] ?? { label: status || 'unknown', badge: STYLES.cancelled.badge, dot: STYLES.cancelled.dot };
  return (
    <span
      title={error ? truncate(error, 300) : undefined}
      className={`inline-flex items-center gap-1.5 whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${style.badge}`}
    >
      <span className={`h-1.5 w-1.5 rounded-full ${style.dot}`} />
      {style.label}
    </span>
  );
}
