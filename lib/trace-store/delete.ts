import 'server-only';
import type { Database, Transaction } from '@/lib/db/client';
import { deletingSpansSql } from './rollups';
import { forgetRanges } from './trace-ranges';

/** What a data-subject deletion removed: `{"deleted":{"spans":n,"messages":n,"evaluations":n}}`. */
export interface DeletedCounts {
  spans: number;
  messages: number;
  evaluations: number;
}

type Subject = { kind: 'end_user'; endUserId: string } | { kind: 'session'; sessionId: string };

const count = (rows: unknown[]) => rows.length;

/**
 * Deletes, in one transaction and within the caller's account only, everything tied to an end
 * user or a session:
 * - every trace in which any span carries that `end_user_id` (or `session_id`), whole: a child
 *   span without the attribute still holds the same person's prompts;
 * - the chat conversations of those traces (a chat's session is its conversation id, so a session
 *   id that is one of the account's conversations counts too), with their messages and title;
 * - messages those spans point at (`message_id`), and the evaluations of every deleted message;
 * - every span of those conversations.
 * Spans of the same end user that arrive afterwards are stored as usual.
 */
async function deleteSubject(tx: Transaction, userId: string, subject: Subject): Promise<DeletedCounts> {
  const column = subject.kind === 'end_user' ? 'end_user_id' : 'session_id';
  const id = subject.kind === 'end_user' ? subject.endUserId : subject.sessionId;
  const traces = (
    await tx.query<{ trace_id: string }>(`SELECT DISTINCT trace_id FROM llm_traces WHERE user_id = $1 AND ${column} = $2`, [userId, id])
  ).map((row) => row.trace_id);
  const conversations = (
    await tx.query<{ id: string }>(
      `SELECT c.id FROM conversations c
       WHERE c.user_id = $1 AND (
         c.id IN (SELECT t.conversation_id FROM llm_traces t WHERE t.user_id = $1 AND t.trace_id = ANY($2::text[]) AND t.conversation_id IS NOT NULL)
         OR c.id::text IN (SELECT t.session_id FROM llm_traces t WHERE t.user_id = $1 AND t.trace_id = ANY($2::text[]) AND t.session_id IS NOT NULL)
         OR ($3::text IS NOT NULL AND c.id::text = $3::text))`,
      [userId, traces, subject.kind === 'session' ? subject.sessionId : null],
    )
  ).map((row) => row.id);
  const messages = (
    await tx.query<{ id: string }>(
      `SELECT m.id FROM messages m
       WHERE m.user_id = $1 AND (
         m.conversation_id = ANY($2::uuid[])
         OR m.id IN (SELECT t.message_id FROM llm_traces t WHERE t.user_id = $1 AND t.trace_id = ANY($3::text[]) AND t.message_id IS NOT NULL))`,
      [userId, conversations, traces],
    )
  ).map((row) => row.id);

  const evaluations = count(await tx.query('DELETE FROM message_evaluations WHERE message_id = ANY($1::uuid[]) RETURNING 1', [messages]));
  const deletedSpans = await tx.query<{ trace_id: string }>(
    deletingSpansSql(
      'DELETE FROM llm_traces WHERE user_id = $1 AND (trace_id = ANY($2::text[]) OR conversation_id = ANY($3::uuid[])) RETURNING trace_id, user_id, start_time',
      'trace_id',
    ),
    [userId, traces, conversations],
  );
  const spans = count(deletedSpans);
  await forgetRanges(tx, userId, [...new Set(deletedSpans.map((row) => row.trace_id))]);
  const deletedMessages = count(await tx.query('DELETE FROM messages WHERE user_id = $1 AND id = ANY($2::uuid[]) RETURNING 1', [userId, messages]));
  // The conversations go too, now empty: a conversation's title is its first message's opening words.
  await tx.query(
    'DELETE FROM conversations c WHERE c.user_id = $1 AND c.id = ANY($2::uuid[]) AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id)',
    [userId, conversations],
  );
  return { spans, messages: deletedMessages, evaluations };
}

/**
 * `DELETE /api/end-users/{end_user_id}`: everything of the account tied to that end user (see
 * {@link deleteSubject}). Another account's data is never touched: an unknown id deletes nothing.
 */
export function deleteEndUserData(database: Database, { userId, endUserId }: { userId: string; endUserId: string }): Promise<DeletedCounts> {
  return database.transaction((tx) => deleteSubject(tx, userId, { kind: 'end_user', endUserId }));
}

/** `DELETE /api/sessions/{session_id}`: everything of the account tied to that session (see {@link deleteSubject}). */
export function deleteSessionData(database: Database, { userId, sessionId }: { userId: string; sessionId: string }): Promise<DeletedCounts> {
  return database.transaction((tx) => deleteSubject(tx, userId, { kind: 'session', sessionId }));
}
