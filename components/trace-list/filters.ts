/** Formatting for the trace list (pure; used on the server and in the browser). */

/** `3 s ago`, `5 min ago`, `2 h ago`, `4 d ago`; `in the future` for clock skew. */
export function formatRelative(ms: number, nowMs: number): string {
  const diff = nowMs - ms;
  if (!Number.isFinite(diff)) return '—';
  if (diff < -5_000) return 'in the future';
  const s = Math.max(0, Math.round(diff / 1000));
  if (s < 60) return `${s} s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  const d = Math.round(h / 24);
  if (d < 60) return `${d} d ago`;
  const mo = Math.round(d / 30);
  if (mo < 24) return `${mo} mo ago`;
  return `${Math.round(d / 365)} y ago`;
}

/** `2025-01-31 14:03:07 UTC`. */
export function formatUtc(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `2025-01-31 14:03:07` in the viewer's local time zone. */
export function formatLocal(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The list's filters as they appear in the URL (strings, as typed). */
export const FILTER_KEYS = [
  'operation_type',
  'status',
  'model_provider',
  'model_name',
  'min_duration_ms',
  'max_duration_ms',
  'from',
  'to',
  'conversation_id',
  'service_name',
  'q',
] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];
export type FilterValues = Partial<Record<FilterKey, string>>;

/** A query string of the non-empty filters (plus extra pairs), e.g. for links and exports. */
export function filterQuery(filters: FilterValues, extra: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const value = filters[key];
    if (value) params.set(key, value);
  }
  for (const [key, value] of Object.entries(extra)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}
