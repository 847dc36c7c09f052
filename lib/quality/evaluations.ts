import 'server-only';
import { z } from 'zod';
import type { Database } from '@/lib/db/client';
import {
  decodeEvaluationCursor,
  insertEvaluation,
  listFailureTags,
  listTaggedMessages,
  type ApiEvaluation,
  type FailureTagCount,
  type TaggedMessage,
} from '@/lib/db/queries/quality';
import { ApiError } from '@/lib/http/errors';
import { optionalInstant } from '@/lib/http/params';

export const MAX_FAILURE_TAGS = 20;
export const MAX_NOTES_LENGTH = 5000;

/** A failure tag as stored: trimmed, lower case, 1–64 of `a-z 0-9 _ space -`. */
export const FailureTag = z
  .string()
  .transform((tag) => tag.trim().toLowerCase())
  .pipe(
    z
      .string()
      .min(1, 'a tag cannot be empty')
      .max(64, 'a tag has at most 64 characters')
      .regex(/^[a-z0-9_ -]+$/, 'a tag may contain only letters, digits, spaces, "_" and "-"'),
  );

/** Body of `POST /api/evaluations`. Tags are normalised and de-duplicated before the count is checked. */
export const EvaluationBody = z.object({
  message_id: z.uuid(),
  success: z.boolean(),
  rating: z.number().int().min(1).max(5).nullish(),
  failure_tags: z
    .array(FailureTag)
    .max(100, `send at most ${MAX_FAILURE_TAGS} tags`)
    .default([])
    .transform((tags) => [...new Set(tags)])
    .refine((tags) => tags.length <= MAX_FAILURE_TAGS, `send at most ${MAX_FAILURE_TAGS} distinct tags`),
  notes: z.string().max(MAX_NOTES_LENGTH, `notes have at most ${MAX_NOTES_LENGTH} characters`).nullish(),
});
export type EvaluationBody = z.infer<typeof EvaluationBody>;

/**
 * Records a reviewer's verdict on one of the user's messages (`POST /api/evaluations`).
 * Another user's message, or one that does not exist, is a 404.
 *
 * @example
 * const evaluation = await createEvaluation(database, { userId, body: { message_id, success: false, failure_tags: ['hallucination'] } });
 */
export async function createEvaluation(database: Database, { userId, body }: { userId: string; body: EvaluationBody }): Promise<ApiEvaluation> {
  const evaluation = await insertEvaluation(database, {
    userId,
    messageId: body.message_id,
    success: body.success,
    rating: body.rating ?? null,
    failureTags: body.failure_tags,
    notes: body.notes ? body.notes : null,
  });
  if (!evaluation) throw new ApiError('not_found', 'No message with that id. Evaluate a message of your own (message ids come from /api/chat).');
  return evaluation;
}

/** Query string of `GET /api/analytics/quality-issues`. `from`/`to` bound the evaluation time. */
export const QualityIssuesQuery = z.object({
  tag: FailureTag.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
  from: optionalInstant,
  to: optionalInstant,
});
export type QualityIssuesQuery = z.infer<typeof QualityIssuesQuery>;

export type QualityIssuesResult = { tags: FailureTagCount[] } | { tag: string; messages: TaggedMessage[]; next_cursor: string | null };

/** Answers `GET /api/analytics/quality-issues`: the tag counts, or with `tag` the messages flagged with it. */
export async function queryQualityIssues(database: Database, { userId, query }: { userId: string; query: QualityIssuesQuery }): Promise<QualityIssuesResult> {
  const { from, to } = query;
  if (!query.tag) return { tags: await listFailureTags(database, { userId, from, to }) };
  const cursor = query.cursor ? decodeEvaluationCursor(query.cursor) : null;
  if (query.cursor && !cursor) {
    throw new ApiError('validation_failed', 'The cursor is not valid; use next_cursor from a previous page.', { details: [{ path: 'cursor', message: 'invalid cursor' }] });
  }
  const { messages, nextCursor } = await listTaggedMessages(database, { userId, tag: query.tag, limit: query.limit, cursor, from, to });
  return { tag: query.tag, messages, next_cursor: nextCursor };
}
