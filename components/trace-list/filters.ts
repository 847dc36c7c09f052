/** The trace list's filters as they appear in the URL (pure; used on the server and in the browser). */

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
