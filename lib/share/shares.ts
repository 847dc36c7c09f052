/**
 * Public, read-only links to one trace.
 *
 * - A link is `/share/{token}`: 24 random bytes as base64url (32 characters, 192 bits). Only the
 *   token's SHA-256 is stored (`trace_shares.token_hash`), like API keys and sessions, so the
 *   database alone cannot open a link; the owner sees the token once, in the create response.
 * - A link opens the one trace it was made for, read through the owner's id stored with it: it can
 *   never reach another trace or another account. Revoking deletes the row; a deleted trace makes
 *   the link answer 404 (nothing of the trace is copied into the link).
 * - What a link serves ({@link toSharedSpan}): never the owner's account id, nor the message and
 *   conversation ids that point into the owner's account. A redacted link also leaves out inputs,
 *   outputs, metadata (OTLP attributes and SDK metadata often carry prompts too), and the end-user
 *   and session ids (the owner's customers). Names, timings, models, tokens, cost, status, error
 *   messages and tags stay: they are what a shared trace is for.
 */
import 'server-only';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { ApiSpan } from '@llmtrace/sdk/span';
import type { Database, Queryable } from '@/lib/db/client';
import { sha256Hex } from '@/lib/auth/secrets';
import { ApiError } from '@/lib/http/errors';
import { countTraceSpans, getRootSpan, getSpan, getTraceSpans } from '@/lib/trace-store/read';

/** A token: 24 random bytes in base64url. */
export const SHARE_TOKEN_PATTERN = /^[A-Za-z0-9_-]{32}$/;
const TOKEN_PREFIX_LENGTH = 6;
/** Links one account may hold at once (the Settings list shows them all). */
export const MAX_SHARES_PER_USER = 1000;
/**
 * Up to this many spans a link serves every span with its input and output; a bigger trace is
 * served without them (`data_omitted`), and `?span_id=` loads one span's (the shared page does so
 * on selection, as the owner's trace page does).
 */
export const SHARE_DATA_MAX_SPANS = 5000;

/** Removed from every shared span: the owner's account id. */
const OWNER_FIELDS = ['user_id'] as const;
/** Nulled on every shared span: ids of records inside the owner's account. */
const ACCOUNT_LINK_FIELDS = ['conversation_id', 'message_id'] as const;
/** Nulled on a redacted link: the content of the calls and who the owner's customers are. */
export const REDACTED_FIELDS = ['input_data', 'output_data', 'metadata', 'end_user_id', 'session_id'] as const;

/** A span as a share link serves it: an {@link ApiSpan} without `user_id`. */
export type SharedSpan = Omit<ApiSpan, 'user_id'>;

/** Body of `POST /api/analytics/traces/{trace_id}/share`. Unknown keys are refused: `{"redacted":true}` must not make an open link. */
export const CreateShareBody = z.strictObject({ redact: z.boolean().default(false) });
export type CreateShareBody = z.infer<typeof CreateShareBody>;

/** Query of `GET /api/share/{token}`. */
export const ShareQuery = z.object({
  /** One span, with its input and output (unless redacted). */
  span_id: z
    .string()
    .regex(/^[0-9a-fA-F]{16}$/, 'must be 16 hex characters')
    .transform((s) => s.toLowerCase())
    .optional(),
  /** `false` leaves out every span's input and output (each then says `data_omitted`). */
  include_data: z.enum(['true', 'false']).default('true'),
});
export type ShareQuery = z.infer<typeof ShareQuery>;

export interface CreatedShare {
  id: string;
  token: string;
  /** `/share/{token}`, relative to the server. */
  url: string;
  trace_id: string;
  redact: boolean;
  created_at: string;
}

/** One of the owner's links, as `GET /api/shares` lists it. The token itself is not stored. */
export interface ShareListItem {
  id: string;
  trace_id: string;
  /** The token's first characters, to tell links apart. */
  token_prefix: string;
  redact: boolean;
  created_at: string;
  /** The trace's root span name, or null when the trace no longer exists (the link answers 404). */
  trace_name: string | null;
  trace_start_time: string | null;
}

/** A link found by its token: whose it is, which trace, redacted or not. */
export interface OpenedShare {
  id: string;
  userId: string;
  traceId: string;
  redact: boolean;
}

export function shareUrl(token: string): string {
  return `/share/${token}`;
}

/** A fresh token, its hash (what is stored) and its prefix (what Settings shows). */
export function generateShareToken(): { token: string; tokenHash: string; prefix: string } {
  const token = randomBytes(24).toString('base64url');
  return { token, tokenHash: sha256Hex(token), prefix: token.slice(0, TOKEN_PREFIX_LENGTH) };
}

const iso = (value: unknown): string => (value instanceof Date ? value : new Date(String(value))).toISOString();

/**
 * Creates a link to one of the user's traces. A trace of another user, or none, is a 404.
 *
 * @example
 * const { token, url } = await createShare(database, { userId, traceId, redact: true }); // url = `/share/${token}`
 */
export async function createShare(
  database: Database,
  { userId, traceId, redact }: { userId: string; traceId: string; redact: boolean },
): Promise<CreatedShare> {
  const root = await getRootSpan(database, { userId, traceId });
  if (!root) throw new ApiError('not_found', 'No trace with that id.');
  const [held] = await database.query<{ n: number }>('SELECT count(*)::int AS n FROM trace_shares WHERE user_id = $1', [userId]);
  if (Number(held?.n ?? 0) >= MAX_SHARES_PER_USER) {
    throw new ApiError('conflict', `You have ${MAX_SHARES_PER_USER} share links, the most an account may hold. Revoke some in Settings first.`);
  }
  const { token, tokenHash, prefix } = generateShareToken();
  const [row] = await database.query<{ id: string; created_at: unknown }>(
    'INSERT INTO trace_shares (user_id, trace_id, token_hash, token_prefix, redact) VALUES ($1, $2, $3, $4, $5) RETURNING id, created_at',
    [userId, traceId, tokenHash, prefix, redact],
  );
  return { id: row!.id, token, url: shareUrl(token), trace_id: traceId, redact, created_at: iso(row!.created_at) };
}

/** The user's links, newest first, with the name of the trace each opens. */
export async function listShares(database: Queryable, { userId }: { userId: string }): Promise<ShareListItem[]> {
  const rows = await database.query<Record<string, unknown>>(
    `SELECT s.id, s.trace_id, s.token_prefix, s.redact, s.created_at, r.span_name AS trace_name, r.start_time AS trace_start_time
     FROM trace_shares s
     LEFT JOIN LATERAL (
       SELECT t.span_name, t.start_time FROM llm_traces t
       WHERE t.user_id = s.user_id AND t.trace_id = s.trace_id AND (t.parent_trace_id IS NULL OR t.orphan)
       ORDER BY (t.parent_trace_id IS NULL) DESC, t.start_time LIMIT 1
     ) r ON true
     WHERE s.user_id = $1
     ORDER BY s.created_at DESC, s.id DESC
     LIMIT ${MAX_SHARES_PER_USER}`,
    [userId],
  );
  return rows.map((row) => ({
    id: String(row.id),
    trace_id: String(row.trace_id),
    token_prefix: String(row.token_prefix),
    redact: Boolean(row.redact),
    created_at: iso(row.created_at),
    trace_name: row.trace_name === null || row.trace_name === undefined ? null : String(row.trace_name),
    trace_start_time: row.trace_start_time === null || row.trace_start_time === undefined ? null : iso(row.trace_start_time),
  }));
}

/**
 * Revokes one of the user's links, named by its token or by its id (Settings has only the id:
 * the token is not stored). Another user's link, or none, is a 404.
 */
export async function revokeShare(database: Queryable, { userId, tokenOrId }: { userId: string; tokenOrId: string | undefined }): Promise<void> {
  const key = tokenOrId ?? '';
  let rows: unknown[] = [];
  if (z.uuid().safeParse(key).success) {
    rows = await database.query('DELETE FROM trace_shares WHERE user_id = $1 AND id = $2 RETURNING id', [userId, key]);
  } else if (SHARE_TOKEN_PATTERN.test(key)) {
    rows = await database.query('DELETE FROM trace_shares WHERE user_id = $1 AND token_hash = $2 RETURNING id', [userId, sha256Hex(key)]);
  }
  if (rows.length === 0) throw new ApiError('not_found', 'No share link of yours with that token or id.');
}

/** The link with this token, or null (malformed, unknown or revoked). */
export async function findShareByToken(database: Queryable, token: string | undefined): Promise<OpenedShare | null> {
  if (typeof token !== 'string' || !SHARE_TOKEN_PATTERN.test(token)) return null;
  const [row] = await database.query<{ id: string; user_id: string; trace_id: string; redact: boolean }>(
    'SELECT id, user_id, trace_id, redact FROM trace_shares WHERE token_hash = $1',
    [sha256Hex(token)],
  );
  return row ? { id: row.id, userId: row.user_id, traceId: row.trace_id, redact: Boolean(row.redact) } : null;
}

/** A span as the link serves it: see the module comment for what is left out. */
export function toSharedSpan(span: ApiSpan, redact: boolean): SharedSpan {
  const shared: Record<string, unknown> = { ...span };
  for (const field of OWNER_FIELDS) delete shared[field];
  for (const field of ACCOUNT_LINK_FIELDS) shared[field] = null;
  if (redact) {
    for (const field of REDACTED_FIELDS) shared[field] = null;
    // Nothing to load later: the shared page must not ask for data the link does not serve.
    delete shared.data_omitted;
  }
  return shared as SharedSpan;
}

export const notFoundShare = () => new ApiError('not_found', 'Nothing is shared at this link: it was revoked, its trace was deleted, or the link is wrong.');

/**
 * What `GET /api/share/{token}` serves: every span of the shared trace (with inputs and outputs up
 * to {@link SHARE_DATA_MAX_SPANS} spans, unless redacted or `include_data=false`), or one span
 * with `span_id`. A trace that no longer exists is a 404.
 */
export async function readSharedTrace(database: Database, share: OpenedShare, query: ShareQuery): Promise<{ traces: SharedSpan[]; redacted: boolean }> {
  const owner = { userId: share.userId, traceId: share.traceId };
  if (query.span_id) {
    const span = await getSpan(database, { ...owner, spanId: query.span_id });
    if (!span && (await countTraceSpans(database, owner)) === 0) throw notFoundShare();
    return { traces: span ? [toSharedSpan(span, share.redact)] : [], redacted: share.redact };
  }
  const count = await countTraceSpans(database, owner);
  if (count === 0) throw notFoundShare();
  const withData = !share.redact && query.include_data === 'true' && count <= SHARE_DATA_MAX_SPANS;
  const spans = await getTraceSpans(database, { ...owner, withData });
  return { traces: spans.map((span) => toSharedSpan(span, share.redact)), redacted: share.redact };
}

/** Headers of every public answer: never cached (a revoked link must stop at once), never indexed. */
export const PUBLIC_SHARE_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Robots-Tag': 'noindex, nofollow',
  'Referrer-Policy': 'no-referrer',
} as const;
