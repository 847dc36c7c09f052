import { statusStyle } from './op-style';

export function StatusBadge({ status }: { status: unknown }) {
  const style = statusStyle(status);
  return (
    <span
      data-status={String(status)}
      className={`inline-flex items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${style.badge}`}
    >
      <span className={`h-1.5 w-1.5 rounded-full ${style.dot}`} />
      {style.label}
    </span>
  );
}
