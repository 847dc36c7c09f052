/**
 * Tags added to or removed from a whole trace after the fact (the trace list filters on them).
 * A trace's tags live on each of its spans, so whichever span the list shows as the root (or an
 * orphan) carries them.
 */
import 'server-only';
import { SPAN_FIELDS } from '@llmtrace/sdk/span';
import { z } from 'zod';
import type { Database } from '@/lib/db/client';
import { ApiError } from '@/lib/http/errors';
import { spanTimeBounds, withinBounds } from './trace-ranges';

const MAX_TAGS = SPAN_FIELDS.tags.maxItems;
const tag = z.string().trim().min(1).max(SPAN_FIELDS.tags.max);

/** Body of `POST /api/analytics/traces/{trace_id}/tags`. */
export const TagChange = z
  .object({
    add: z.array(tag).max(MAX_TAGS).default([]),
    remove: z.array(tag).max(MAX_TAGS).default([]),
  })
  .refine((change) => change.add.length + change.remove.length > 0, 'give at least one tag to add or remove');
export type TagChange = z.infer<typeof TagChange>;

/**
 * The new tags of every span of the trace: the old ones in their order, then the added ones,
 * without the removed ones and without duplicates. (Removing wins when a tag is in both lists.)
 */
const RETAG_SQL = (within: string) => `
UPDATE llm_traces t SET tags = ARRAY(
  SELECT t FROM unnest(tags || $3::text[]) WITH ORDINALITY AS u(t, n)
  WHERE NOT (t = ANY($4::text[])) GROUP BY t ORDER BY min(n))
WHERE t.user_id = $1 AND t.trace_id = $2${within}
RETURNING cardinality(tags) AS n`;

/** The tags of the trace's root: the earliest parentless span, else the earliest orphan. */
const ROOT_TAGS_SQL = (within: string) => `
SELECT t.tags FROM llm_traces t WHERE t.user_id = $1 AND t.trace_id = $2${within}
ORDER BY (t.parent_trace_id IS NULL) DESC, t.orphan DESC, t.start_time LIMIT 1`;

/**
 * Adds and removes tags on every span of one trace, in one transaction; returns the trace's tags
 * (its root's). A trace of another user, or none, is a 404; more than 50 tags is a 422.
 *
 * @example
 * await changeTraceTags(database, { userId, traceId, change: { add: ['refund'], remove: ['triage'] } }); // ['vip', 'refund']
 */
export async function changeTraceTags(
  database: Database,
  { userId, traceId, change }: { userId: string; traceId: string; change: TagChange },
): Promise<string[]> {
  return database.transaction(async (tx) => {
    const bounds = await spanTimeBounds(tx, userId, [traceId]);
    const retag: unknown[] = [userId, traceId, change.add, change.remove];
    const rows = await tx.query<{ n: number | null }>(RETAG_SQL(withinBounds(bounds, retag)('t')), retag);
    if (rows.length === 0) throw new ApiError('not_found', 'No trace with that id.');
    const most = Math.max(...rows.map((row) => Number(row.n ?? 0)));
    if (most > MAX_TAGS) {
      throw new ApiError('validation_failed', `A trace carries at most ${MAX_TAGS} tags; this change would give it ${most}.`, {
        details: [{ path: 'add', message: `at most ${MAX_TAGS} tags per trace` }],
      });
    }
    const rootParams: unknown[] = [userId, traceId];
    const [root] = await tx.query<{ tags: string[] }>(ROOT_TAGS_SQL(withinBounds(bounds, rootParams)('t')), rootParams);
    return root?.tags ?? [];
  });
}
