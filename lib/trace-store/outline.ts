import 'server-only';
import { OPERATION_TYPES, SPAN_STATUSES, type ApiSpan } from '@llmtrace/sdk/span';
import type { Database } from '@/lib/db/client';
import { OUTLINE_ERROR_LENGTH } from '@/lib/trace-view/outline';
import { searchTerms, spanMatches } from './search';
import { boundTrace, spanTimeBounds, withinBounds } from './trace-ranges';

/** A span with one of the outline's less common fields: a model, an error, usage or time to first token. */
const HAS_EXTRA = `(model_name IS NOT NULL OR model_provider IS NOT NULL OR error_message IS NOT NULL OR input_tokens IS NOT NULL
  OR output_tokens IS NOT NULL OR total_tokens IS NOT NULL OR cached_input_tokens IS NOT NULL OR reasoning_tokens IS NOT NULL
  OR cost_usd IS NOT NULL OR time_to_first_token_ms IS NOT NULL)`;
const vocabulary = (values: readonly string[]) => `ARRAY[${values.map((value) => `'${value}'`).join(', ')}]::text[]`;

/**
 * The outline of every span of one trace, as JSON columns that the database writes and this
 * process joins into one document without parsing them (`TraceOutline` in `lib/trace-view/outline.ts`).
 *
 * Why columns and not rows: a trace of 100k spans is 1.8M values, and a driver decodes each
 * value of each row on its own (PGlite in WebAssembly, ~3 µs a value: seconds), while the database
 * writes a few JSON arrays in a fraction of that, and nothing here parses or re-serialises them.
 * The spans are in scan order: the browser sorts them (ordering 100k wide rows costs the database
 * more). What keeps it cheap, measured on PGlite at 100k spans (see `bench/big-trace.ts`):
 * - times are integer microseconds from `base`, through `date_part` (float8); `extract` gives
 *   `numeric`, several times slower;
 * - `base` is the trace's first start as `trace_ranges` knows it (passed in), not a `min()` over
 *   its spans, which was a second scan of all of them;
 * - operations and statuses are their place in the vocabularies; the fields most spans lack
 *   (model, error, usage) come only for the spans that have one, flagged in `has_extra`;
 * - each column is its own result column, joined here: wrapped in one `json_build_object` the
 *   database copied all 11.6 MB once more. The first read of a big outline in a process is slow on
 *   PGlite (its WebAssembly heap grows: 100k spans, first read 0.7–1 s, the next ones 0.35–0.5 s);
 *   without that copy it needs less (first read 801, 983 ms → 738, 926 ms, alternated runs).
 */
const OUTLINE_QUERY = (within: (alias: string) => string, base: string) => `SELECT
  round(date_part('epoch', ${base}) * 1000000)::int8::text AS base_us,
  json_agg(t.span_id)::text AS span_id,
  json_agg(t.parent_trace_id)::text AS parent_trace_id,
  json_agg(t.span_name)::text AS span_name,
  json_agg(array_position(${vocabulary(OPERATION_TYPES)}, t.operation_type))::text AS operation,
  json_agg(array_position(${vocabulary(SPAN_STATUSES)}, t.status))::text AS status,
  json_agg(round(date_part('epoch', t.start_time - ${base}) * 1000000)::int8)::text AS start_us,
  json_agg(round(date_part('epoch', t.end_time - t.start_time) * 1000000)::int8)::text AS length_us,
  string_agg(CASE WHEN ${HAS_EXTRA} THEN '1' ELSE '0' END, '') AS has_extra,
  json_agg(json_build_array(t.model_name, t.model_provider, left(t.error_message, ${OUTLINE_ERROR_LENGTH}), t.input_tokens, t.output_tokens,
    t.total_tokens, t.cached_input_tokens, t.reasoning_tokens, t.cost_usd, t.time_to_first_token_ms)) FILTER (WHERE ${HAS_EXTRA})::text AS extra
FROM llm_traces t
WHERE t.user_id = $1 AND t.trace_id = $2${within('t')}
HAVING count(*) > 0`;

/** The outline's columns as the query returns them: JSON texts, except `has_extra` (its flags, plain) and `base_us` (an integer). */
type OutlineRow = Record<'base_us' | 'span_id' | 'parent_trace_id' | 'span_name' | 'operation' | 'status' | 'start_us' | 'length_us' | 'extra', string | null> & {
  has_extra: string | null;
};

/** One outline document from the query's row (`TraceOutline`), as JSON text, without parsing its columns. */
function outlineJson(traceId: string, row: OutlineRow): string {
  const json = (value: string | null) => value ?? 'null';
  // `has_extra` is '0' and '1' only: quoted as it is. The trace id was validated (hex).
  return (
    `{"version":1,"trace_id":${JSON.stringify(traceId)},"base_us":${json(row.base_us)},"span_id":${json(row.span_id)},` +
    `"parent_trace_id":${json(row.parent_trace_id)},"span_name":${json(row.span_name)},"operation":${json(row.operation)},` +
    `"status":${json(row.status)},"start_us":${json(row.start_us)},"length_us":${json(row.length_us)},` +
    `"has_extra":${row.has_extra === null ? 'null' : `"${row.has_extra}"`},"extra":${json(row.extra)}}`
  );
}

/** What every read of one trace's outline shares: its parameters, time bounds and base. */
async function outlineScope(database: Database, userId: string, traceId: string) {
  const params: unknown[] = [userId, traceId];
  const bounds = await spanTimeBounds(database, userId, [traceId]);
  const within = withinBounds(bounds, params);
  // Without a range (a trace written around the writer), the first start is looked up once (an InitPlan).
  const base = bounds ? '$3::timestamptz' : '(SELECT min(m.start_time) FROM llm_traces m WHERE m.user_id = $1 AND m.trace_id = $2)';
  /** The outline of the trace's spans with span ids in [from, to) (either end open when null), or null when it has none. */
  const read = async (from: string | null = null, to: string | null = null): Promise<string | null> => {
    const partParams = [...params];
    let range = '';
    if (from !== null) range += ` AND t.span_id >= $${partParams.push(from)}`;
    if (to !== null) range += ` AND t.span_id < $${partParams.push(to)}`;
    const [row] = await database.query<OutlineRow>(OUTLINE_QUERY((alias) => within(alias) + range, base), partParams);
    // No span: no row.
    return row ? outlineJson(traceId, row) : null;
  };
  return { params, within, read };
}

/**
 * The outline of one of the user's traces, as JSON text ready to send (see
 * `lib/trace-view/outline.ts`): what the trace page of a big trace loads instead of every span
 * whole. Null when the user has no span in that trace.
 */
export async function getTraceOutlineJson(database: Database, { userId, traceId }: { userId: string; traceId: string }): Promise<string | null> {
  return (await outlineScope(database, userId, traceId)).read();
}

/** How many parts {@link getTraceOutlineParts} cuts an outline into, at most. */
export const OUTLINE_PARTS = 8;

/** The longest span id (hex digits) that {@link spanIdCuts} cuts between. */
const MAX_CUT_DIGITS = 64;

/**
 * Span ids cutting [lowest, highest] into `parts` ranges of about as many ids each, when both are
 * lowercase hex of one length (OpenTelemetry's and the SDK's span ids, random and so spread
 * evenly); none otherwise (one part). Ranges of text cover every id whatever the database's
 * collation; with another collation or other ids the parts may be uneven, never wrong.
 */
export function spanIdCuts(lowest: string, highest: string, parts: number): string[] {
  const digits = lowest.length;
  if (parts < 2 || digits === 0 || digits > MAX_CUT_DIGITS || highest.length !== digits || !/^[0-9a-f]+$/.test(lowest) || !/^[0-9a-f]+$/.test(highest)) return [];
  const low = BigInt(`0x${lowest}`);
  const span = BigInt(`0x${highest}`) - low;
  const cuts: string[] = [];
  for (let k = 1; k < parts; k++) {
    const cut = (low + (span * BigInt(k)) / BigInt(parts)).toString(16).padStart(digits, '0');
    if (cut > lowest && cut <= highest && cut !== cuts[cuts.length - 1]) cuts.push(cut);
  }
  return cuts;
}

/**
 * The outline of one of the user's traces in parts, for a client that can use each as it arrives
 * (the trace page unzips and parses one while the server reads the next, see the outline route's
 * `?encoding=gzip-parts`): each part is a whole outline document (`TraceOutline`, the same
 * `base_us`) of the spans in one range of span ids, and together they hold every span once. Null
 * when the user has no span in that trace; else one reader per part, to be called in turn (each
 * gives null when its range holds no span).
 *
 * The ranges cut the trace's span ids evenly ({@link spanIdCuts}), so that each part is a range of
 * the span key's index: no part scans another's spans. At 100k spans, in-process
 * (`bench/big-trace.ts`), the eight parts took 529 ms on PGlite, zipping included, against 442 ms
 * for the whole outline unzipped; on Postgres 426 against 705 ms.
 */
export async function getTraceOutlineParts(
  database: Database,
  { userId, traceId }: { userId: string; traceId: string },
): Promise<Array<() => Promise<string | null>> | null> {
  const { params, within, read } = await outlineScope(database, userId, traceId);
  // Each end is the first entry of the span key's index walked one way: as min() and max(), with
  // the bounds' condition on a later column of the key, PostgreSQL read every entry of the trace
  // (100k spans on PGlite: 67–76 ms before the first part, against well under 1 ms).
  const end = (order: 'ASC' | 'DESC') =>
    `(SELECT t.span_id FROM llm_traces t WHERE t.user_id = $1 AND t.trace_id = $2${within('t')} ORDER BY t.span_id ${order} LIMIT 1)`;
  const [ids] = await database.query<{ lowest: string | null; highest: string | null }>(`SELECT ${end('ASC')} AS lowest, ${end('DESC')} AS highest`, params);
  if (!ids || ids.lowest === null || ids.highest === null) return null;
  const cuts = spanIdCuts(ids.lowest, ids.highest, OUTLINE_PARTS);
  const edges: Array<string | null> = [null, ...cuts, null];
  return edges.slice(1).map((to, i) => () => read(edges[i] ?? null, to));
}

/** Most span ids one search within a trace returns. */
export const TRACE_SEARCH_LIMIT = 10_000;

/**
 * The spans of one of the user's traces whose input, output, name, model, service or error text
 * contains `q` (case-insensitively, as the trace list's search: `search.ts`), in the trace's
 * order, at most {@link TRACE_SEARCH_LIMIT}. The trace page's "find in trace" asks for these: the
 * outline it holds has no inputs or outputs to search.
 */
export async function findSpansInTrace(
  database: Database,
  { userId, traceId, q }: { userId: string; traceId: string; q: string },
): Promise<{ span_ids: string[]; truncated: boolean }> {
  const params: unknown[] = [userId, traceId];
  // Not the trace or message id prefixes the list also matches: within one trace every span would.
  const within = await boundTrace(database, userId, traceId, params, 's');
  const match = spanMatches('s', { ...searchTerms(q), idPrefix: null }, params);
  const rows = await database.query<{ span_id: string }>(
    `SELECT s.span_id FROM llm_traces s WHERE s.user_id = $1 AND s.trace_id = $2${within} AND ${match}
     ORDER BY s.start_time, (s.parent_trace_id IS NOT NULL), s.span_id LIMIT ${TRACE_SEARCH_LIMIT + 1}`,
    params,
  );
  return { span_ids: rows.slice(0, TRACE_SEARCH_LIMIT).map((row) => row.span_id), truncated: rows.length > TRACE_SEARCH_LIMIT };
}

/** Most characters of inputs and outputs a trace page carries in its HTML (the rest loads per span). */
export const PAGE_DATA_MAX_CHARS = 1_000_000;

/**
 * A small trace's spans as its page embeds them: whole, unless their inputs and outputs together
 * pass {@link PAGE_DATA_MAX_CHARS} (one 5 MB input would otherwise be written into the HTML and
 * the page's data twice); then without them (`data_omitted`), and the details panel loads the
 * selected span's own.
 */
export function spansForPage(spans: ApiSpan[]): ApiSpan[] {
  let chars = 0;
  for (const span of spans) {
    for (const value of [span.input_data, span.output_data]) {
      if (value === null || value === undefined) continue;
      chars += typeof value === 'string' ? value.length : (JSON.stringify(value)?.length ?? 0);
      if (chars > PAGE_DATA_MAX_CHARS) return spans.map((s) => ({ ...s, input_data: null, output_data: null, data_omitted: true }));
    }
  }
  return spans;
}
