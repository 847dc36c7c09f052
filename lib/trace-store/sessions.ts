/**
 * Sessions: the traces that share a `session_id` (the chat API's conversation, the proxy's
 * `x-llmtrace-session-id`, OTLP's `session.id`, the SDK's `observe` option), most recently active
 * first, and one session's traces in time order. `end-users.ts` groups by `end_user_id` with the
 * same rules and the SQL built here.
 *
 * The rules (one place):
 * - a group's traces are its **listed roots** (`LISTED_ROOT`, what the trace list shows), each
 *   trace counted once; `first_seen` / `last_seen` are the earliest and latest root start;
 * - `errors` are the traces whose root failed; `error_rate` = errors / traces;
 * - `total_tokens` and `cost_usd` add up every span of those traces whose usage counts
 *   (`COUNTS_USAGE`: each model call once, the trace list's rule); `cost_usd` is null when no
 *   model call of the group is priced, `total_tokens` 0 when none reports usage.
 *
 * The list reads a page of the kept totals (group-pages.ts: `group_totals`, built by the roll-up
 * task, with the marked hours read from the spans), newest activity first, whatever the
 * history's length. {@link groupTotalsSql} computes one group's numbers from its traces: a
 * session's page header, and the reference the kept totals are tested against.
 */
import 'server-only';
import { SPAN_FIELDS } from '@llmtrace/sdk/span';
import { z } from 'zod';
import type { Database } from '@/lib/db/client';
import { decodeCursor, encodeCursor } from '@/lib/db/cursor';
import { MAX_STORABLE_MS, MIN_STORABLE_MS, parsePgTimestamp } from '@/lib/db/timestamps';
import { ApiError } from '@/lib/http/errors';
import { COUNTS_USAGE, LISTED_ROOT, SPAN_TOKENS } from './columns';
import { readGroupPage } from './group-pages';
import type { Grouping } from './rollups';
import { listRootSpans, type TraceListRow } from './read';

type Row = Record<string, unknown>;


/** A page size, as the trace list takes it. */
export const PageLimit = z.coerce.number().int().min(1).max(200).default(50);
/** An opaque `next_cursor` from a previous page. */
export const PageCursor = z.string().max(500).optional();

// ---------------------------------------------------------------------------------------------
// SQL shared with end-users.ts. `$1` is always the account's user id.
// ---------------------------------------------------------------------------------------------

/** Tokens and cost of one trace (`trace` names its trace_id): its spans whose usage counts. */
export const TRACE_USAGE = (trace: string) => `
  SELECT sum(${SPAN_TOKENS('s')}) AS tokens, sum(s.cost_usd) AS cost
  FROM llm_traces s WHERE s.user_id = $1 AND s.trace_id = ${trace} AND ${COUNTS_USAGE('s')}`;

const MIN_MICROS = BigInt(MIN_STORABLE_MS) * 1000n;
const MAX_MICROS = BigInt(MAX_STORABLE_MS) * 1000n + 999n;

/** Microseconds of a storable instant, as a page's last_seen position is written (group-pages.ts). */
export function isMicrosPosition(position: string): boolean {
  if (!/^-?\d{1,18}$/.test(position)) return false;
  const micros = BigInt(position);
  return micros >= MIN_MICROS && micros <= MAX_MICROS;
}

/**
 * One group's numbers (`key` names its value): its traces (one per trace id, over listed roots),
 * errors, first and last root start, the latest end user named, and the usage of every span of
 * those traces that counts. One row, `traces` 0 for an unknown group.
 */
export function groupTotalsSql(column: Grouping, key: string): string {
  return `
  SELECT count(*)::int AS traces,
    (count(*) FILTER (WHERE g.failed))::int AS errors,
    min(g.first_start) AS first_seen,
    max(g.last_start) AS last_seen,
    coalesce(sum(u.tokens), 0)::text AS total_tokens,
    sum(u.cost)::text AS cost_usd,
    (array_agg(g.end_user_id ORDER BY g.last_start DESC) FILTER (WHERE g.end_user_id IS NOT NULL))[1] AS end_user_id
  FROM (
    SELECT r.trace_id, bool_or(r.status = 'failed') AS failed, min(r.start_time) AS first_start, max(r.start_time) AS last_start, max(r.end_user_id) AS end_user_id
    FROM llm_traces r
    WHERE r.user_id = $1 AND r.${column} = ${key} AND r.${column} IS NOT NULL AND ${LISTED_ROOT('r')}
    GROUP BY r.trace_id
  ) g
  CROSS JOIN LATERAL (${TRACE_USAGE('g.trace_id')}) u`;
}

/** A group's numbers as {@link groupTotalsSql} returns them, in JSON types. */
export interface GroupTotals {
  traces: number;
  errors: number;
  first_seen: string;
  last_seen: string;
  total_tokens: number;
  cost_usd: number | null;
  end_user_id: string | null;
}

export function iso(value: unknown): string {
  return (value instanceof Date ? value : parsePgTimestamp(String(value))).toISOString();
}

export function toGroupTotals(row: Row): GroupTotals {
  return {
    traces: Number(row.traces),
    errors: Number(row.errors),
    first_seen: iso(row.first_seen),
    last_seen: iso(row.last_seen),
    total_tokens: Number(row.total_tokens ?? 0),
    cost_usd: row.cost_usd === null || row.cost_usd === undefined ? null : Number(row.cost_usd),
    end_user_id: (row.end_user_id as string | null) ?? null,
  };
}

/** The 422 of a cursor that no page of this list wrote. */
export function invalidCursor(): ApiError {
  return new ApiError('validation_failed', 'The cursor is not valid; use next_cursor from a previous page of the same list and sort.', {
    details: [{ path: 'cursor', message: 'invalid cursor' }],
  });
}

// ---------------------------------------------------------------------------------------------
// Sessions
// ---------------------------------------------------------------------------------------------

/** Query string of `GET /api/analytics/sessions`. */
export const SessionListQuery = z.object({ limit: PageLimit, cursor: PageCursor });
export type SessionListQuery = z.infer<typeof SessionListQuery>;

/** One row of `GET /api/analytics/sessions`. */
export interface SessionSummary {
  session_id: string;
  traces: number;
  first_seen: string;
  last_seen: string;
  total_tokens: number;
  cost_usd: number | null;
  errors: number;
  /** The end user of the session's latest trace that names one. */
  end_user_id: string | null;
}

function toSessionSummary(sessionId: string, row: Row): SessionSummary {
  const totals = toGroupTotals(row);
  return {
    session_id: sessionId,
    traces: totals.traces,
    first_seen: totals.first_seen,
    last_seen: totals.last_seen,
    total_tokens: totals.total_tokens,
    cost_usd: totals.cost_usd,
    errors: totals.errors,
    end_user_id: totals.end_user_id,
  };
}

/** The keyset position of a session page: its last session's latest root start (µs) and md5(session_id) as a uuid. */
export function decodeSessionCursor(value: string) {
  return decodeCursor(value, isMicrosPosition);
}

/**
 * A page of the account's sessions, most recently active first (by their latest root's start),
 * keyset-paginated.
 *
 * @example
 * const { sessions, nextCursor } = await listSessions(database, { userId, limit: 50 });
 */
export async function listSessions(
  database: Database,
  { userId, limit, cursor }: { userId: string; limit: number; cursor?: { position: string; id: string } | null },
): Promise<{ sessions: SessionSummary[]; nextCursor: string | null }> {
  const rows = await readGroupPage(database, {
    userId, grouping: 'session_id', sort: 'last_seen', order: 'desc', limit, cursor: cursor && { value: cursor.position, id: cursor.id },
  });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const nextCursor = rows.length > limit && last ? encodeCursor({ position: last.position, id: last.tie }) : null;
  return {
    sessions: page.map((row) => ({
      session_id: row.key, traces: row.traces, first_seen: iso(row.first_seen), last_seen: iso(row.last_seen),
      total_tokens: row.tokens, cost_usd: row.cost_usd, errors: row.errors, end_user_id: row.end_user_id,
    })),
    nextCursor,
  };
}

/** Answers `GET /api/analytics/sessions`. */
export async function querySessions(
  database: Database,
  { userId, query }: { userId: string; query: SessionListQuery },
): Promise<{ sessions: SessionSummary[]; next_cursor: string | null }> {
  const cursor = query.cursor ? decodeSessionCursor(query.cursor) : null;
  if (query.cursor && !cursor) throw invalidCursor();
  const { sessions, nextCursor } = await listSessions(database, { userId, limit: query.limit, cursor });
  return { sessions, next_cursor: nextCursor };
}

/** The numbers of one session, or null when the account has no trace in it. */
export async function getSessionSummary(database: Database, { userId, sessionId }: { userId: string; sessionId: string }): Promise<SessionSummary | null> {
  const [row] = await database.query<Row>(groupTotalsSql('session_id', '$2'), [userId, sessionId]);
  return row && Number(row.traces) > 0 ? toSessionSummary(sessionId, row) : null;
}

/** A session view shows this many traces at most: the latest ones. */
export const MAX_SESSION_TRACES = 200;

/** A session id as a path segment: what `session_id` may hold (1–200 characters). */
export const SessionIdParam = z.string().min(1).max(SPAN_FIELDS.session_id.max);

/** The session id of a path, or a 404 for one no span can carry. */
export function parseSessionId(value: unknown): string {
  const parsed = SessionIdParam.safeParse(value);
  if (!parsed.success) throw new ApiError('not_found', 'No session with that id (session ids are 1 to 200 characters).');
  return parsed.data;
}

/**
 * One session's traces as one conversation: each trace's root (as the trace list shows it, with
 * its trace's totals), oldest first; the latest {@link MAX_SESSION_TRACES} of a longer session.
 * Empty when the account has no trace in that session.
 *
 * @example
 * const turns = await getSessionTraces(database, { userId, sessionId: conversationId });
 */
export async function getSessionTraces(database: Database, { userId, sessionId }: { userId: string; sessionId: string }): Promise<TraceListRow[]> {
  const { traces } = await listRootSpans(database, { userId, filters: { session_id: sessionId }, limit: MAX_SESSION_TRACES });
  // A trace whose subtree arrived before its root lists more than one root: keep the parentless one (else the earliest).
  const byTrace = new Map<string, TraceListRow>();
  for (const root of traces) {
    const kept = byTrace.get(root.trace_id);
    const better = !kept || (kept.parent_trace_id !== null && (root.parent_trace_id === null || root.start_time < kept.start_time));
    if (better) byTrace.set(root.trace_id, root);
  }
  return [...byTrace.values()].sort((a, b) => Date.parse(a.start_time) - Date.parse(b.start_time) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
