/**
 * Full-text search of the trace list (`q`): the traces that have a span whose input, output,
 * name, model, service or error text contains the text (or whose trace or message id starts with
 * it), newest first, a page at a time.
 *
 * What a span is found by is its `search_text` column (migration 0006_search.sql): those fields,
 * lowercased, with the strings and numbers of input_data and output_data as JSON text. A match is
 * a case-insensitive substring match (`LIKE`) on it, so a word, part of a word or an identifier
 * such as `order #4411` or `ERR_TIMEOUT` matches literally; `%`, `_` and `\` in the query are
 * plain characters. Two indexes find the candidate rows:
 * - a trigram index (pg_trgm) for every query with three letters or digits in a row, in any
 *   script the database's locale calls letters (with a UTF-8 locale: Latin, Cyrillic, Arabic…);
 * - a text-search index of CJK characters, one lexeme per character, for Chinese, Japanese and
 *   Korean, whose words are often two characters long: a query's CJK characters must all be in
 *   the span, then LIKE checks that they are there, in the query's order.
 *
 * Why a page stays fast at 1M spans ({@link searchRootIds}): an index returns the spans that
 * match in no particular order, and the list wants the newest traces. So the newest roots are
 * checked first, one trace at a time (cheap when matches are common); when they are rarer, the
 * indexes are asked for the spans that match within windows of time, newest first, each bounded
 * by constants so that the planner plans only its days' partitions (spans are partitioned by day,
 * and planning each day's partition and its indexes cost more than the search itself).
 */
import 'server-only';
import type { Database, Queryable } from '@/lib/db/client';
import { EXACT_START_TIME, LISTED_ROOT } from './columns';
import { MIN_STORABLE_MS } from '@/lib/db/timestamps';
import { newestRoots, type NewestRoot } from './newest-roots';
import { boundsOfRanges, boundTrace, JOIN_TRACE_RANGE, type TraceRange, withinBounds } from './trace-ranges';

/**
 * One CJK character: Hiragana, Katakana, CJK ideographs (with extension A and the compatibility
 * block) and Hangul syllables. Keep in step with 0006_search.sql.
 */
export const CJK_CHARACTER = /[\u3041-\u3096\u30a1-\u30fa\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7a3]/gu;
/** The CJK index's predicate, word for word (the planner uses a partial index only for a query that states it). */
const CJK_PREDICATE = (alias: string) =>
  `${alias}.search_text ~ '[\\u3041-\\u3096\\u30a1-\\u30fa\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\uac00-\\ud7a3]'`;

/** `%`, `_` and the escape character itself, made literal in a LIKE pattern. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** How a text appears inside a JSON string as Postgres writes jsonb (quotes, backslashes and control characters escaped). */
function jsonEscaped(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/** What one search looks for. */
export interface SearchTerms {
  /** LIKE patterns: one, or two when the text is written differently inside JSON strings (it has `"`, `\` or a control character). */
  patterns: string[];
  /** `'订' & '单'`: every CJK character of the query, or null when it has none. */
  cjk: string | null;
  /** The beginning of a trace id or message id (8 or more hex digits, dashes aside), lowercased; else null. */
  idPrefix: string | null;
  /**
   * A LIKE pattern for the one word of a several-word query that has digits (`4411` of `order #4411`),
   * which the trigram index is asked for instead of the whole text; null when there is no such word.
   */
  narrowest: string | null;
}

/**
 * The word of `q` the trigram index finds fastest, when it has more than one: the longest of at
 * least four letters or digits that has a digit (an order number, an error code), else none.
 *
 * Why: the index reads the list of rows of every trigram of the pattern, however common, and
 * intersects them. At 10M spans a day's partition read 297 pages for `order #4411` (10 ms), of
 * which `ord`, `rde`, `der` are in a fifth of all spans, and 7 pages for `4411` (0.4 ms), which
 * found the same rows: the whole text is then checked on those rows alone.
 */
function narrowestWord(q: string): string | null {
  const words = q.split(/[^\p{L}\p{N}]+/u).filter((word) => word.length > 0);
  if (words.length < 2) return null;
  const numbered = words.filter((word) => word.length >= 4 && /\p{N}/u.test(word)).sort((a, b) => b.length - a.length);
  return numbered[0] ?? null;
}

export function searchTerms(q: string): SearchTerms {
  const raw = `%${escapeLike(q)}%`;
  const json = `%${escapeLike(jsonEscaped(q))}%`;
  const chars = [...new Set(q.match(CJK_CHARACTER) ?? [])];
  const hex = /^[0-9a-f-]+$/i.test(q) ? q.replace(/-/g, '').toLowerCase() : '';
  const word = narrowestWord(q);
  return {
    patterns: json === raw ? [raw] : [raw, json],
    cjk: chars.length > 0 ? chars.map((c) => `'${c}'`).join(' & ') : null,
    idPrefix: hex.length >= 8 && hex.length <= 32 ? hex : null,
    narrowest: word ? `%${escapeLike(word)}%` : null,
  };
}

/** A uuid bound from the first hex digits of one, the rest filled with `fill`. */
function uuidBound(hex: string, fill: '0' | 'f'): string {
  const full = hex.padEnd(32, fill);
  return `${full.slice(0, 8)}-${full.slice(8, 12)}-${full.slice(12, 16)}-${full.slice(16, 20)}-${full.slice(20)}`;
}

/**
 * The id half of a match: the span's trace id, or its message id, starts with the prefix. Trace
 * ids are lowercase hex, so `[prefix, prefix || 'g')` holds exactly those that start with it,
 * and the (user_id, trace_id, span_id) key answers it.
 */
function idCondition(alias: string, idPrefix: string, params: unknown[]): string {
  params.push(idPrefix, `${idPrefix}g`, uuidBound(idPrefix, '0'), uuidBound(idPrefix, 'f'));
  const n = params.length;
  return `(${alias}.trace_id >= $${n - 3} AND ${alias}.trace_id < $${n - 2}) OR (${alias}.message_id BETWEEN $${n - 1}::uuid AND $${n}::uuid)`;
}

/** The text half of a match, its values appended to `params`; with `indexed`, the CJK index's conditions too. */
function textCondition(alias: string, terms: SearchTerms, params: unknown[], { indexed }: { indexed: boolean }): string {
  // Lowercased by the database, as search_text was: the case folding is the same on both sides.
  // With a narrowest word, the index is asked for that word only, and the whole text is checked on
  // the rows it finds: `search_text || ''` is not what the index holds, so the planner cannot
  // make it an index condition too (which would read every trigram's list again).
  const narrow = indexed && terms.narrowest !== null;
  const like = terms.patterns.map((pattern) => {
    params.push(pattern);
    return `${narrow ? `(${alias}.search_text || '')` : `${alias}.search_text`} LIKE lower($${params.length})`;
  });
  let condition = like.length === 1 ? like[0]! : `(${like.join(' OR ')})`;
  if (narrow) {
    params.push(terms.narrowest);
    condition = `${alias}.search_text LIKE lower($${params.length}) AND ${condition}`;
  }
  if (indexed && terms.cjk) {
    // Decides nothing LIKE does not, but lets the CJK index find the candidates.
    params.push(terms.cjk);
    condition += ` AND ${CJK_PREDICATE(alias)} AND llmtrace_search_cjk(${alias}.search_text) @@ $${params.length}::tsquery`;
  }
  return condition;
}

/** "Span `alias` matches", for one span already at hand (no index needed). */
export function spanMatches(alias: string, terms: SearchTerms, params: unknown[]): string {
  const text = textCondition(alias, terms, params, { indexed: false });
  return terms.idPrefix ? `(${text} OR ${idCondition(alias, terms.idPrefix, params)})` : text;
}

/**
 * The trace ids of the user's (`$1`) matching spans, found through the indexes, among the spans
 * that satisfy `bounds` (conditions on `s`: a window of start times).
 */
function matchingTraces(terms: SearchTerms, params: unknown[], bounds: string): string {
  const text = `SELECT s.trace_id FROM llm_traces s WHERE s.user_id = $1 AND ${bounds} AND ${textCondition('s', terms, params, { indexed: true })}`;
  if (!terms.idPrefix) return text;
  return `${text} UNION SELECT s.trace_id FROM llm_traces s WHERE s.user_id = $1 AND ${bounds} AND (${idCondition('s', terms.idPrefix, params)})`;
}

/** A listed root, by its keyset position. */
export interface RootKey {
  id: string;
  /** Postgres's own text of start_time, exact to the microsecond (a JS Date keeps milliseconds). */
  startTime: string;
}

/** A root the search found: its key and its trace (and the trace's range, when the finder read it). */
export interface FoundRoot extends RootKey {
  traceId: string;
  range?: TraceRange;
}

/** The smallest uuid: `(t, NIL_UUID)` is the first key at instant t. */
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/**
 * Roots checked one trace at a time per statement. Kept near a page's size: asked for many more
 * roots under a selective filter (a tag), the planner may sort all of that filter's roots rather
 * than walk the newest ones.
 */
const PROBE_ROOTS = 100;
/** At or above this share of matching traces, checking more roots one by one stays cheaper than the indexes. */
const DENSE_RATE = 0.1;
/** Most roots checked one by one for one page. */
const MAX_PROBED_ROOTS = 1_000;
/**
 * A span is assumed to start no earlier than this before its trace's root (clock skew between
 * services): the spans that started since a window's start, less this, include every span of the
 * traces whose root started in the window.
 */
const CLOCK_SKEW_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/**
 * Windows of time searched spans first, each at least four times as long as the one before, until
 * they reach this far back or number this many; then one last window holds everything older.
 */
const SPANS_FIRST_WINDOWS_MS = 64 * DAY_MS;
const MAX_WINDOWS = 12;

/**
 * The keys of the newest `want` listed roots (by start_time, id, descending) that satisfy
 * `where` and whose trace has a span matching `q`. `where` and `params` are the list's other
 * conditions on the root `r` (`$1` is the user id), the cursor included.
 *
 * Steps, each exact for the roots it covers, in list order; the search stops as soon as it has
 * `want` roots:
 * 1. the newest 100 roots, each checked through its trace's spans;
 * 2. while matches are dense (≥ 10 % of the roots checked), 100 more the same way, up to 1,000;
 * 3. the spans that match, found by the indexes, window by window back in time (a day at first,
 *    or less when the rate seen says so; each next window at least four times longer, or as long
 *    as the roots found so far say the rest of the page needs), mapped to their traces' roots;
 *    a root is taken once the windows reach back to its start;
 * 4. past 64 days, or after 12 windows, everything older in one statement.
 * Steps 3 and 4 read only spans that match, so a rare text (or none) costs little; steps 1 and 2
 * read only the newest traces, so a common one costs little too. Every statement of steps 1–3
 * bounds its spans by constant times (the last day, or the traces' ranges, or the window).
 */
export async function searchRootIds(
  database: Database,
  { where, params, q, want }: { where: string[]; params: unknown[]; q: string; want: number },
): Promise<FoundRoot[]> {
  // JIT compiling these plans (their row estimates are rough) costs more than running them. On
  // Postgres they run in one transaction, which turns JIT off even behind a pooler (lib/db/client.ts).
  if (database.kind === 'postgres') return database.transaction((tx) => search(tx, { where, params, q, want }));
  return search(database, { where, params, q, want });
}

async function search(database: Queryable, { where, params, q, want }: { where: string[]; params: unknown[]; q: string; want: number }): Promise<FoundRoot[]> {
  const terms = searchTerms(q);
  const found: FoundRoot[] = [];
  /** Roots strictly older than this are still to be searched (null: all). */
  let after: RootKey | null = null;
  /** The newest root checked one by one. */
  let newest: RootKey | null = null;
  let examined = 0;

  /** The list's conditions on `r`, for roots older than `after` and, with `from`, no older than it. */
  const range = (p: unknown[], from: RootKey | null = null) => {
    const conditions = [...where];
    if (after) {
      p.push(after.startTime, after.id);
      conditions.push(`(r.start_time, r.id) < ($${p.length - 1}::timestamptz, $${p.length}::uuid)`);
    }
    if (from) {
      p.push(from.startTime, from.id);
      conditions.push(`(r.start_time, r.id) >= ($${p.length - 1}::timestamptz, $${p.length}::uuid)`);
    }
    return conditions.join(' AND ');
  };
  /** A root as found, with its trace's range when the statement read it (the list then need not read it again). */
  const key = (row: { id: string; trace_id: string; start_text: string } & Partial<TraceRange>): FoundRoot => ({
    id: row.id,
    startTime: row.start_text,
    traceId: row.trace_id,
    ...(row.first_start !== undefined && row.last_start !== undefined ? { range: { first_start: row.first_start, last_start: row.last_start } } : {}),
  });

  // 1–2. Roots first: the next PROBE_ROOTS roots, each kept when a span of its trace matches.
  for (;;) {
    const p = [...params];
    const recent = await newestRoots(database, { where: [range(p)], params: p, count: PROBE_ROOTS, top: after ? Date.parse(after.startTime) : Date.now() });
    if (recent.length > 0 && !newest) newest = key(recent[0]!);
    const matching = new Set(await tracesWithMatch(database, params[0] as string, recent, terms));
    found.push(...recent.filter((root) => matching.has(root.trace_id)).slice(0, want - found.length).map(key));
    // A full page, or every root checked.
    if (found.length >= want || recent.length < PROBE_ROOTS) return found;
    examined += PROBE_ROOTS;
    after = key(recent[recent.length - 1]!);
    if (found.length / examined < DENSE_RATE || examined >= MAX_PROBED_ROOTS) break;
  }

  // 3. Spans first, through the indexes, newest windows of time first: the spans that match and
  // started in the window (less the clock skew), mapped to their traces' roots. Each window's
  // bounds are constants, so the planner plans only its days' partitions (planning every day's
  // partition and its indexes cost 15 ms per statement at 30 days), and a page of a text that is
  // not rare fills from the first days. A root is complete once the windows reach back to its
  // start, so roots are taken in order only from there: a trace whose root starts before a window
  // but whose matching span is in it waits in `pending`. Each trace is looked up once.
  const rate = examined > 0 ? found.length / examined : 0;
  let widthMs = DAY_MS;
  if (rate > 0 && newest && after) {
    // Sized from the rate seen so far to hold about twice the roots still needed.
    const checkedMs = Date.parse(newest.startTime) - Date.parse(after.startTime);
    widthMs = Math.min(DAY_MS, Math.max(HOUR_MS, Math.ceil((checkedMs * 2 * (want - found.length)) / rate / examined)));
  }
  const seen = new Set<string>();
  /** Roots the windows found, taken or pending: how dense qualifying roots are. */
  let windowRoots = 0;
  let pending: FoundRoot[] = [];
  /** Spans are searched below this instant (null: no bound), roots from `lo` on are complete. */
  let below: string | null = null;
  let top = after ? Date.parse(after.startTime) : Date.now();
  const firstTop = top;
  const oldestWindow = top - SPANS_FIRST_WINDOWS_MS;
  for (let step = 0; ; step++) {
    const lo = top - widthMs;
    const last = step === MAX_WINDOWS - 1 || lo <= oldestWindow || lo <= MIN_STORABLE_MS;
    /** Constant bounds on `s.start_time`: the planner keeps only the window's partitions. (Bounding the indexes' leading minute too would make them walk every minute of the window: slower.) */
    const windowOf = (p: unknown[]) => {
      const bounds: string[] = [];
      if (!last) {
        p.push(new Date(Math.max(MIN_STORABLE_MS, lo - CLOCK_SKEW_MS)).toISOString());
        bounds.push(`s.start_time >= $${p.length}::timestamptz`);
      }
      if (below) {
        p.push(below);
        bounds.push(`s.start_time < $${p.length}::timestamptz`);
      }
      return bounds.length > 0 ? bounds.join(' AND ') : 'true';
    };
    if (last) {
      const p = [...params];
      // Everything older, in one statement: each matching trace's roots looked up by the
      // (user_id, trace_id) key in the days of its own range (a lateral join; OFFSET 0 keeps the
      // planner from turning it into a walk over every root), newest first.
      const conditions = range(p);
      const rows = await database.query<{ id: string; trace_id: string; start_text: string } & TraceRange>(
        `WITH hits AS MATERIALIZED (
           SELECT m.trace_id, coalesce(tr.first_start, '-infinity') AS first_start, coalesce(tr.last_start, 'infinity') AS last_start,
             ${EXACT_START_TIME('tr', 'first_start')} AS first_text, ${EXACT_START_TIME('tr', 'last_start')} AS last_text
           FROM (SELECT DISTINCT trace_id FROM (${matchingTraces(terms, p, windowOf(p))}) matching) m
           ${JOIN_TRACE_RANGE('m.trace_id')})
         SELECT r.id, hits.trace_id, r.start_text, hits.first_text AS first_start, hits.last_text AS last_start FROM hits
         CROSS JOIN LATERAL (
           SELECT r.id, r.start_time, ${EXACT_START_TIME('r')} AS start_text FROM llm_traces r
           WHERE r.trace_id = hits.trace_id AND r.start_time >= hits.first_start AND r.start_time <= hits.last_start AND ${conditions} OFFSET 0) r
         ORDER BY r.start_time DESC, r.id DESC LIMIT ${want - found.length + pending.length}`,
        p,
      );
      const known = new Set(pending.map((root) => root.id));
      pending.push(...rows.map(key).filter((root) => !known.has(root.id)));
      found.push(...newestFirst(pending).slice(0, want - found.length));
      return found;
    }
    const p: unknown[] = [params[0]];
    const matched = await database.query<Ranged>(
      `SELECT m.trace_id, ${EXACT_START_TIME('tr', 'first_start')} AS first_start, ${EXACT_START_TIME('tr', 'last_start')} AS last_start
       FROM (SELECT DISTINCT trace_id FROM (${matchingTraces(terms, p, windowOf(p))}) matching) m
       ${JOIN_TRACE_RANGE('m.trace_id')}`,
      p,
    );
    // A trace with matching spans in two windows is looked up once.
    const hits = matched.filter((hit) => !seen.has(hit.trace_id));
    for (const hit of hits) seen.add(hit.trace_id);
    if (hits.length > 0) {
      // The roots of those traces, by the (user_id, trace_id) key, in the days their ranges cover.
      const q = [...params];
      const conditions = range(q);
      q.push(hits.map((hit) => hit.trace_id));
      const rows = await database.query<{ id: string; trace_id: string; start_text: string }>(
        `SELECT r.id, r.trace_id, ${EXACT_START_TIME('r')} AS start_text FROM llm_traces r
         WHERE r.trace_id = ANY($${q.length}::text[])${withinBounds(boundsOfRanges(hits), q)('r')} AND ${conditions}`,
        q,
      );
      const rangeOf = new Map(hits.map((hit) => [hit.trace_id, hit]));
      pending.push(...rows.map((row) => key({ ...row, first_start: rangeOf.get(row.trace_id)?.first_start ?? null, last_start: rangeOf.get(row.trace_id)?.last_start ?? null })));
      windowRoots += rows.length;
    }
    const complete = newestFirst(pending.filter((root) => microsOf(root.startTime) >= BigInt(lo) * 1000n));
    found.push(...complete.slice(0, want - found.length));
    if (found.length >= want) return found;
    pending = pending.filter((root) => !complete.includes(root));
    below = new Date(Math.max(MIN_STORABLE_MS, lo - CLOCK_SKEW_MS)).toISOString();
    // The next window: four times as long, or as long as the density of qualifying roots seen so
    // far says the rest of the page needs (with half again as much for luck), whichever is longer.
    const needed = want - found.length;
    const projected = windowRoots > 0 ? (((firstTop - lo) * needed) / windowRoots) * 1.5 : 0;
    widthMs = Math.max(widthMs * 4, projected);
    top = lo;
  }
}

/** A trace and its range (trace-ranges.ts) as exact text; null when it has none. */
interface Ranged extends TraceRange {
  trace_id: string;
}

/** Of the given roots, the trace ids with a span matching `terms`: each trace read in its range's days only. */
async function tracesWithMatch(database: Queryable, userId: string, roots: readonly NewestRoot[], terms: SearchTerms): Promise<string[]> {
  if (roots.length === 0) return [];
  const p: unknown[] = [userId, JSON.stringify(roots.map(({ trace_id, first_start, last_start }) => ({ trace_id, first_start, last_start })))];
  const within = withinBounds(boundsOfRanges(roots), p)('s');
  const match = spanMatches('s', terms, p);
  const rows = await database.query<{ trace_id: string }>(
    `SELECT x.trace_id FROM json_to_recordset($2::json) AS x(trace_id text, first_start timestamptz, last_start timestamptz)
     WHERE EXISTS (
       SELECT 1 FROM llm_traces s WHERE s.user_id = $1 AND s.trace_id = x.trace_id
         AND s.start_time >= coalesce(x.first_start, '-infinity') AND s.start_time <= coalesce(x.last_start, 'infinity')${within} AND ${match})`,
    p,
  );
  return rows.map((row) => row.trace_id);
}

/** Roots newest first, as the list orders them: start time (exact text, compared as instants), then id. */
function newestFirst(roots: FoundRoot[]): FoundRoot[] {
  return [...roots].sort((a, b) => {
    const difference = microsOf(b.startTime) - microsOf(a.startTime);
    return difference !== 0n ? (difference > 0n ? 1 : -1) : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
  });
}

/** An exact start time (Postgres's text, to the microsecond) as microseconds since the epoch. */
function microsOf(text: string): bigint {
  const match = /^(.*?)(?:\.(\d{1,6}))?Z$/.exec(text);
  const whole = Date.parse(`${match?.[1] ?? text}Z`);
  return BigInt(whole) * 1000n + BigInt((match?.[2] ?? '').padEnd(6, '0') || '0');
}

/**
 * The first span of a trace (in time order) that matches `q`, for the trace page opened from a
 * search: it selects that span and highlights the text.
 */
export async function firstMatchingSpan(database: Database, { userId, traceId, q }: { userId: string; traceId: string; q: string }): Promise<string | null> {
  const params: unknown[] = [userId, traceId];
  const within = await boundTrace(database, userId, traceId, params, 's');
  const match = textCondition('s', searchTerms(q), params, { indexed: false });
  const [row] = await database.query<{ span_id: string }>(
    `SELECT s.span_id FROM llm_traces s WHERE s.user_id = $1 AND s.trace_id = $2${within} AND ${match} ORDER BY s.start_time, (s.parent_trace_id IS NOT NULL), s.span_id LIMIT 1`,
    params,
  );
  return row?.span_id ?? null;
}
