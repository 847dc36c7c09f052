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
  'session_id',
  'end_user_id',
  'tag',
  'q',
] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];
/** The filters that hold one value. */
export type SingleFilterKey = Exclude<FilterKey, 'tag'>;
/**
 * A view of the list: one value per filter, except `tag`, which repeats in the URL
 * (`?tag=a&tag=b`: a trace must carry every tag).
 */
export type FilterValues = Partial<Record<SingleFilterKey, string>> & { tag?: string[] };

type SearchParams = Record<string, string | string[] | undefined>;

/** The filters of a page's search params: the first value of each, every non-empty `tag`. */
export function filterValuesFrom(params: SearchParams): FilterValues {
  const values: FilterValues = {};
  for (const key of FILTER_KEYS) {
    const raw = params[key];
    const all = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((value) => value !== '');
    if (all.length === 0) continue;
    if (key === 'tag') values.tag = [...new Set(all)];
    else values[key] = all[0];
  }
  return values;
}

/** Whether any filter is set. */
export function hasFilters(values: FilterValues): boolean {
  return FILTER_KEYS.some((key) => (key === 'tag' ? (values.tag?.length ?? 0) > 0 : Boolean(values[key])));
}

/**
 * A query string of the non-empty filters (plus extra pairs), e.g. for links and exports: the
 * whole view, so it can be bookmarked or sent to a teammate.
 *
 * @example
 * filterQuery({ q: 'refund', tag: ['vip', 'beta'] }, { cursor: 'abc' }) // '?tag=vip&tag=beta&q=refund&cursor=abc'
 */
export function filterQuery(filters: FilterValues, extra: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    if (key === 'tag') {
      for (const tag of filters.tag ?? []) if (tag) params.append('tag', tag);
      continue;
    }
    const value = filters[key];
    if (value) params.set(key, value);
  }
  for (const [key, value] of Object.entries(extra)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}
