import 'server-only';
import type { Database } from '../client';
import { MAX_STORABLE_MS, parsePgTimestamp } from '../timestamps';
import { decodeCursor, encodeCursor } from '../cursor';

/** An evaluation as the API shows it: `message_evaluations` column names, ISO timestamps. */
export interface ApiEvaluation {
  id: string;
  message_id: string;
  success: boolean;
  rating: number | null;
  failure_tags: string[];
  notes: string | null;
  created_at: string;
}

/** One failure tag of the Quality Issues view. */
export interface FailureTagCount {
  tag: string;
  /** How many evaluations carry the tag (the number of entries its message list holds). */
  count: number;
  /** When the newest of those evaluations was made. */
  last_seen: string;
}

/** A message flagged with a tag, with the evaluation that flagged it. */
export interface TaggedMessage {
  message_id: string;
  /** When the message was written (not when it was evaluated). */
  created_at: string;
  content: string;
  /** The trace that produced the message, or null when it has none (tracing was off). */
  trace_id: string | null;
  role: string;
  model_name: string | null;
  model_provider: string | null;
  latency_ms: number | null;
  cost_usd: number | null;
  conversation_id: string;
  evaluation: Omit<ApiEvaluation, 'message_id'>;
}

/** Keyset position in a tag's message list: the evaluation's exact time (µs since epoch) and id. */
export interface EvaluationCursor {
  createdAtUs: string;
  id: string;
}

type Row = Record<string, unknown>;

function iso(value: unknown): string {
  return (value instanceof Date ? value : parsePgTimestamp(String(value))).toISOString();
}

function numberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

const EVALUATION_COLUMNS = 'id, message_id, success, rating, failure_tags, notes, created_at';

function toApiEvaluation(row: Row): ApiEvaluation {
  return {
    id: String(row.id),
    message_id: String(row.message_id),
    success: Boolean(row.success),
    rating: numberOrNull(row.rating),
    failure_tags: (row.failure_tags as string[] | null) ?? [],
    notes: (row.notes as string | null) ?? null,
    created_at: iso(row.created_at),
  };
}

/**
 * Stores an evaluation of one of the user's messages. Ownership is checked in the same statement,
 * so the result is null (and nothing is written) when the message is not this user's.
 *
 * @example
 * const evaluation = await insertEvaluation(database, { userId, messageId, success: false, rating: 2, failureTags: ['hallucination'], notes: null });
 */
export async function insertEvaluation(
  database: Database,
  {
    userId,
    messageId,
    success,
    rating,
    failureTags,
    notes,
  }: { userId: string; messageId: string; success: boolean; rating: number | null; failureTags: string[]; notes: string | null },
): Promise<ApiEvaluation | null> {
  const [row] = await database.query<Row>(
    `INSERT INTO message_evaluations (message_id, user_id, success, rating, failure_tags, notes)
     SELECT m.id, m.user_id, $3::boolean, $4::integer, $5::text[], $6::text FROM messages m WHERE m.id = $1 AND m.user_id = $2
     RETURNING ${EVALUATION_COLUMNS}`,
    [messageId, userId, success, rating, failureTags, notes],
  );
  return row ? toApiEvaluation(row) : null;
}

/** Adds an optional [from, to) window on the evaluation time to a WHERE clause. */
function evaluationWindow(params: unknown[], where: string[], { from, to }: { from?: Date; to?: Date }) {
  if (from) {
    params.push(from.toISOString());
    where.push(`e.created_at >= $${params.length}`);
  }
  if (to) {
    params.push(to.toISOString());
    where.push(`e.created_at < $${params.length}`);
  }
}

/**
 * The user's failure tags with how many evaluations carry each, most frequent first. Every
 * evaluation carrying a tag counts, a successful one included: a reviewer may pass an answer and
 * still flag it (e.g. "verbose"), and the count then equals the length of the tag's message list.
 */
export async function listFailureTags(database: Database, { userId, from, to }: { userId: string; from?: Date; to?: Date }): Promise<FailureTagCount[]> {
  const params: unknown[] = [userId];
  const where = ['e.user_id = $1'];
  evaluationWindow(params, where, { from, to });
  const rows = await database.query<{ tag: string; count: number; last_seen: unknown }>(
    `SELECT tag, count(*)::int AS count, max(e.created_at) AS last_seen
     FROM message_evaluations e CROSS JOIN LATERAL unnest(e.failure_tags) AS tag
     WHERE ${where.join(' AND ')}
     GROUP BY tag
     ORDER BY count DESC, last_seen DESC, tag`,
    params,
  );
  return rows.map((row) => ({ tag: row.tag, count: Number(row.count), last_seen: iso(row.last_seen) }));
}

export function encodeEvaluationCursor(cursor: EvaluationCursor): string {
  return encodeCursor({ position: cursor.createdAtUs, id: cursor.id });
}

/** The last storable instant, in microseconds since the epoch. */
const MAX_CURSOR_US = BigInt(MAX_STORABLE_MS) * 1000n + 999n;

/**
 * The position {@link encodeEvaluationCursor} wrote, or null for anything else: microseconds of a
 * storable instant and a uuid, so the query cannot fail on them.
 */
export function decodeEvaluationCursor(value: string): EvaluationCursor | null {
  const cursor = decodeCursor(value, (us) => /^\d{1,18}$/.test(us) && BigInt(us) <= MAX_CURSOR_US);
  return cursor && { createdAtUs: cursor.position, id: cursor.id };
}

/**
 * The messages flagged with `tag`, one entry per evaluation carrying it, newest evaluation first,
 * keyset-paginated on (evaluation created_at, id). The cursor keeps the evaluation time to the
 * microsecond: evaluations made within one millisecond must not be skipped between pages.
 *
 * `trace_id` is the message's own `trace_id`, else the trace of a span linked to the message by
 * `message_id` (traces posted by other programs), else null.
 */
export async function listTaggedMessages(
  database: Database,
  { userId, tag, limit, cursor, from, to }: { userId: string; tag: string; limit: number; cursor?: EvaluationCursor | null; from?: Date; to?: Date },
): Promise<{ messages: TaggedMessage[]; nextCursor: string | null }> {
  const params: unknown[] = [userId, tag];
  const where = ['e.user_id = $1', 'e.failure_tags @> ARRAY[$2::text]'];
  evaluationWindow(params, where, { from, to });
  if (cursor) {
    params.push(cursor.createdAtUs, cursor.id);
    where.push(`(e.created_at, e.id) < (timestamptz 'epoch' + $${params.length - 1}::bigint * interval '1 microsecond', $${params.length}::uuid)`);
  }
  params.push(limit + 1);
  const rows = await database.query<Row>(
    `SELECT e.id AS evaluation_id, e.success, e.rating, e.failure_tags, e.notes, e.created_at AS evaluated_at,
       (extract(epoch FROM e.created_at) * 1000000)::bigint::text AS evaluated_at_us,
       m.id AS message_id, m.created_at, m.content, m.role, m.model_name, m.model_provider, m.latency_ms, m.cost_usd, m.conversation_id,
       coalesce(
         m.trace_id,
         (SELECT t.trace_id FROM llm_traces t WHERE t.user_id = m.user_id AND t.message_id = m.id
          ORDER BY (t.parent_trace_id IS NULL) DESC, t.start_time LIMIT 1)
       ) AS trace_id
     FROM message_evaluations e JOIN messages m ON m.id = e.message_id AND m.user_id = e.user_id
     WHERE ${where.join(' AND ')}
     ORDER BY e.created_at DESC, e.id DESC
     LIMIT $${params.length}`,
    params,
  );
  const page = rows.slice(0, limit);
  const messages = page.map(
    (row): TaggedMessage => ({
      message_id: String(row.message_id),
      created_at: iso(row.created_at),
      content: String(row.content),
      trace_id: (row.trace_id as string | null) ?? null,
      role: String(row.role),
      model_name: (row.model_name as string | null) ?? null,
      model_provider: (row.model_provider as string | null) ?? null,
      latency_ms: numberOrNull(row.latency_ms),
      cost_usd: numberOrNull(row.cost_usd),
      conversation_id: String(row.conversation_id),
      evaluation: {
        id: String(row.evaluation_id),
        success: Boolean(row.success),
        rating: numberOrNull(row.rating),
        failure_tags: (row.failure_tags as string[] | null) ?? [],
        notes: (row.notes as string | null) ?? null,
        created_at: iso(row.evaluated_at),
      },
    }),
  );
  const last = page[page.length - 1];
  const nextCursor =
    rows.length > limit && last ? encodeEvaluationCursor({ createdAtUs: String(last.evaluated_at_us), id: String(last.evaluation_id) }) : null;
  return { messages, nextCursor };
}
