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
 * indexes are asked for the spans that match within a window of recent minutes sized from the
 * rate seen so far (both indexes lead with the start minute); only then for the whole history.
 */
import 'server-only';
import type { Database, Queryable } from '@/lib/db/client';
import { EXACT_START_TIME, LISTED_ROOT } from './columns';
import { boundTrace } from './trace-ranges';

/**
 * One CJK character: Hiragana, Katakana, CJK ideographs (with extension A and the compatibility
 * block) and Hangul syllables. Keep in step with 0006_search.sql.
 */
export const CJK_CHARACTER = /[\u3041-\u3096\u30a1-\u30fa\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7a3]/gu;
/** The CJK index's predicate, word for word (the planner uses a partial index only for a query that states it). */
const CJK_PREDICATE = (alias: string) =>
  `${alias}.search_text ~ '[\\u3041-\\u3096\\u30a1-\\u30fa\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\uac00-\\ud7a3]'`;
/** The indexes' leading key: the minute a span started. */
const START_MINUTE = (alias: string) => `date_trunc('minute', ${alias}.start_time AT TIME ZONE 'UTC')`;

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
}

export function searchTerms(q: string): SearchTerms {
  const raw = `%${escapeLike(q)}%`;
  const json = `%${escapeLike(jsonEscaped(q))}%`;
  const chars = [...new Set(q.match(CJK_CHARACTER) ?? [])];
  const hex = /^[0-9a-f-]+$/i.test(q) ? q.replace(/-/g, '').toLowerCase() : '';
  return {
    patterns: json === raw ? [raw] : [raw, json],
    cjk: chars.length > 0 ? chars.map((c) => `'${c}'`).join(' & ') : null,
    idPrefix: hex.length >= 8 && hex.length <= 32 ? hex : null,
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
  const like = terms.patterns.map((pattern) => {
    params.push(pattern);
    return `${alias}.search_text LIKE lower($${params.length})`;
  });
  let condition = like.length === 1 ? like[0]! : `(${like.join(' OR ')})`;
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
 * The trace ids of the user's (`$1`) matching spans, found through the indexes; with
 * `sinceMinute` (a parameter reference to a timestamptz), only spans that started in or after
 * its minute.
 */
function matchingTraces(terms: SearchTerms, params: unknown[], since: string | null): string {
  // The minute serves the indexes; the start time itself lets the planner skip older day partitions.
  const window = since
    ? ` AND ${START_MINUTE('s')} >= date_trunc('minute', ${since} AT TIME ZONE 'UTC') AND s.start_time >= ${since} - interval '1 minute'`
    : '';
  const text = `SELECT s.trace_id FROM llm_traces s WHERE s.user_id = $1${window} AND ${textCondition('s', terms, params, { indexed: true })}`;
  if (!terms.idPrefix) return text;
  return `${text} UNION SELECT s.trace_id FROM llm_traces s WHERE s.user_id = $1 AND (${idCondition('s', terms.idPrefix, params)})`;
}

/** A listed root, by its keyset position. */
export interface RootKey {
  id: string;
  /** Postgres's own text of start_time, exact to the microsecond (a JS Date keeps milliseconds). */
  startTime: string;
}

/** A root the search found: its key and its trace. */
export interface FoundRoot extends RootKey {
  traceId: string;
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
/** At or above this share of matching traces, the indexes are first asked about a window of recent time. */
const WINDOW_RATE = 0.01;
/** The most roots (of any kind) a window may hold. */
const MAX_WINDOW_ROOTS = 10_000;
/**
 * A span is assumed to start no earlier than this before its trace's root (clock skew between
 * services): the spans that started since a window's start, less this, include every span of the
 * traces whose root started in the window.
 */
const CLOCK_SKEW = '1 minute';

type ProbeRow = { kind: 'hit' | 'edge' | 'newest'; id: string; trace_id: string; start_text: string };

/**
 * The keys of the newest `want` listed roots (by start_time, id, descending) that satisfy
 * `where` and whose trace has a span matching `q`. `where` and `params` are the list's other
 * conditions on the root `r` (`$1` is the user id), the cursor included.
 *
 * Steps, each exact for the roots it covers, in list order; the search stops as soon as it has
 * `want` roots:
 * 1. the newest 100 roots, each checked through its trace's spans;
 * 2. while matches are dense (≥ 10 % of the roots checked), 100 more the same way, up to 1,000;
 * 3. if matches are not rare (≥ 1 %), the spans that match and started within a window of recent
 *    minutes, found by the indexes (sized from the rate seen so far to hold about twice the roots
 *    still needed, and skipped when it would hold over 10,000 roots), mapped to their traces'
 *    roots in the window;
 * 4. the spans that match, found by the indexes, mapped to the remaining roots.
 * Steps 3 and 4 read only spans that match, so a rare text (or none) costs little; steps 1 and 2
 * read only the newest traces, so a common one costs little too.
 */
export async function searchRootIds(
  database: Database,
  { where, params, q, want }: { where: string[]; params: unknown[]; q: string; want: number },
): Promise<FoundRoot[]> {
  // JIT compiling these plans (their row estimates are rough) costs more than running them.
  if (database.kind === 'postgres') {
    return database.transaction(async (tx) => {
      await tx.query('SET LOCAL jit = off');
      return search(tx, { where, params, q, want });
    });
  }
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
  const key = (row: { id: string; trace_id: string; start_text: string }): FoundRoot => ({ id: row.id, startTime: row.start_text, traceId: row.trace_id });

  // 1–2. Roots first: the next PROBE_ROOTS roots, each kept when a span of its trace matches. The
  // same statement returns the newest and the oldest root it checked (the latter only when it
  // checked PROBE_ROOTS of them, i.e. when older roots may remain).
  for (;;) {
    const p = [...params];
    const conditions = range(p);
    const match = spanMatches('s', terms, p);
    const rows = await database.query<ProbeRow>(
      `WITH recent AS MATERIALIZED (
         SELECT r.id, r.trace_id, r.start_time FROM llm_traces r WHERE ${conditions} ORDER BY r.start_time DESC, r.id DESC LIMIT ${PROBE_ROOTS}),
       ranged AS MATERIALIZED (
         SELECT recent.*, coalesce(tr.first_start, '-infinity') AS first_start, coalesce(tr.last_start, 'infinity') AS last_start
         FROM recent LEFT JOIN trace_ranges tr ON tr.user_id = $1 AND tr.trace_id = recent.trace_id)
       SELECT 'hit' AS kind, h.id, h.trace_id, ${EXACT_START_TIME('h')} AS start_text FROM (
         -- Each trace's spans are read from the days its range covers only (the executor skips the other partitions).
         SELECT ranged.* FROM ranged WHERE EXISTS (
           SELECT 1 FROM llm_traces s WHERE s.user_id = $1 AND s.trace_id = ranged.trace_id
             AND s.start_time >= ranged.first_start AND s.start_time <= ranged.last_start AND ${match})
         ORDER BY ranged.start_time DESC, ranged.id DESC LIMIT ${want - found.length}) h
       UNION ALL
       SELECT 'edge', e.id, e.trace_id, ${EXACT_START_TIME('e')} FROM (SELECT recent.* FROM recent ORDER BY recent.start_time, recent.id LIMIT 1) e
       WHERE (SELECT count(*) FROM recent) = ${PROBE_ROOTS}
       UNION ALL
       SELECT 'newest', n.id, n.trace_id, ${EXACT_START_TIME('n')} FROM (SELECT recent.* FROM recent ORDER BY recent.start_time DESC, recent.id DESC LIMIT 1) n`,
      p,
    );
    found.push(...rows.filter((row) => row.kind === 'hit').map(key));
    const first = rows.find((row) => row.kind === 'newest');
    if (!newest && first) newest = key(first);
    const edge = rows.find((row) => row.kind === 'edge');
    if (found.length >= want || !edge) return found; // a full page, or every root checked
    examined += PROBE_ROOTS;
    after = key(edge);
    if (found.length / examined < DENSE_RATE || examined >= MAX_PROBED_ROOTS) break;
  }

  /** Spans first: the traces with a matching span (started since `from`, less the skew), their roots in range, newest first. */
  const spansFirst = async (from: RootKey | null) => {
    const p = [...params];
    let since: string | null = null;
    if (from) {
      p.push(from.startTime);
      since = `($${p.length}::timestamptz - interval '${CLOCK_SKEW}')`;
    }
    const hits = matchingTraces(terms, p, since);
    const conditions = range(p, from);
    // Each matching trace's roots are looked up by the (user_id, trace_id) key, in the days of its
    // range only (a lateral join; OFFSET 0 keeps the planner from turning it into a walk over every
    // root), then sorted.
    const rows = await database.query<{ id: string; trace_id: string; start_text: string }>(
      `WITH hits AS MATERIALIZED (
         SELECT m.trace_id, coalesce(tr.first_start, '-infinity') AS first_start, coalesce(tr.last_start, 'infinity') AS last_start
         FROM (SELECT DISTINCT trace_id FROM (${hits}) matching) m
         LEFT JOIN trace_ranges tr ON tr.user_id = $1 AND tr.trace_id = m.trace_id)
       SELECT r.id, hits.trace_id, r.start_text FROM hits
       CROSS JOIN LATERAL (
         SELECT r.id, r.start_time, ${EXACT_START_TIME('r')} AS start_text FROM llm_traces r
         WHERE r.trace_id = hits.trace_id AND r.start_time >= hits.first_start AND r.start_time <= hits.last_start AND ${conditions} OFFSET 0) r
       ORDER BY r.start_time DESC, r.id DESC LIMIT ${want - found.length}`,
      p,
    );
    return rows.map(key);
  };

  // 3. A window of recent time, when matches are common enough to fill the page from it: as long
  // as the roots checked so far took, scaled to hold twice the roots still needed at the rate seen.
  // The index reads every matching span of the window's minutes, so the window must hold few
  // roots of any kind: under a selective filter (a status, a tag) a few filtered roots can span
  // months.
  const rate = found.length / examined;
  if (rate >= WINDOW_RATE && newest && after) {
    const checkedMs = Date.parse(newest.startTime) - Date.parse(after.startTime);
    const windowMs = Math.ceil((checkedMs * Math.min(MAX_WINDOW_ROOTS, (2 * (want - found.length)) / rate)) / examined);
    const from: RootKey = { startTime: new Date(Date.parse(after.startTime) - windowMs).toISOString(), id: NIL_UUID };
    const [count] = await database.query<{ roots: number }>(
      `SELECT count(*)::int AS roots FROM (
         SELECT 1 FROM llm_traces r WHERE r.user_id = $1 AND ${LISTED_ROOT('r')} AND r.start_time >= $2::timestamptz
           AND (r.start_time, r.id) < ($3::timestamptz, $4::uuid) LIMIT ${MAX_WINDOW_ROOTS + 1}) w`,
      [params[0], from.startTime, after.startTime, after.id],
    );
    if (windowMs > 0 && count && count.roots <= MAX_WINDOW_ROOTS) {
      found.push(...(await spansFirst(from)));
      if (found.length >= want) return found;
      after = from;
    }
  }
  // 4. Everything older.
  found.push(...(await spansFirst(null)));
  return found;
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
