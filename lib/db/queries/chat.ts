import 'server-only';
import { sanitizeJson, sanitizeText } from '@/lib/text/sanitize';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Database, Queryable } from '../client';
import { conversations, documents, messages, type Message } from '../schema';

/** Where a conversation was started: the dashboard, the API with a full key, or a chat-scope (widget) key. */
export type ConversationSource = 'app' | 'api' | 'widget';

type NewMessage = typeof messages.$inferInsert;

/**
 * Creates a conversation together with its first message, in one transaction: either both are
 * stored or neither.
 *
 * @example
 * const { conversation, message } = await createConversation(database, {
 *   userId, title: 'Refunds', source: 'api', firstMessage: { role: 'user', content: 'Hi', traceId },
 * });
 */
export async function createConversation(
  database: Database,
  {
    id,
    userId,
    title,
    source,
    firstMessage,
  }: { id?: string; userId: string; title: string; source: ConversationSource; firstMessage: Omit<NewMessage, 'conversationId' | 'userId'> },
) {
  return database.transaction(async (tx) => {
    const [conversation] = await tx.db.insert(conversations).values({ id, userId, title, source }).returning();
    const message = await insertMessage(tx, { ...firstMessage, conversationId: conversation.id, userId });
    return { conversation, message };
  });
}

/**
 * The user's conversation with that id, or null. With `sources`, a conversation started elsewhere
 * is treated as absent too (a widget key sees only widget conversations).
 */
export async function findConversation(
  database: Database,
  { userId, conversationId, sources }: { userId: string; conversationId: string; sources?: readonly ConversationSource[] },
) {
  const [row] = await database.db
    .select()
    .from(conversations)
    .where(
      and(
        eq(conversations.id, conversationId),
        eq(conversations.userId, userId),
        sources === undefined ? undefined : inArray(conversations.source, [...sources]),
      ),
    )
    .limit(1);
  return row ?? null;
}

export async function listConversationMessages(database: Database, { userId, conversationId }: { userId: string; conversationId: string }): Promise<Message[]> {
  return database.db
    .select()
    .from(messages)
    .where(and(eq(messages.conversationId, conversationId), eq(messages.userId, userId)))
    .orderBy(asc(messages.createdAt));
}

/** Saves one message, on its own or inside the caller's transaction. */
export async function insertMessage(database: Queryable, values: NewMessage): Promise<Message> {
  // Model output is untrusted: a NUL or a lone surrogate (which Postgres refuses) becomes U+FFFD.
  const content = values.content === undefined ? undefined : sanitizeText(values.content);
  const metadata = values.metadata == null ? values.metadata : sanitizeJson(values.metadata);
  const [row] = await database.db.insert(messages).values({ ...values, content, metadata }).returning();
  return row;
}

export async function insertDocument(database: Database, { userId, title, content }: { userId: string; title: string; content: string }) {
  const [row] = await database.db
    .insert(documents)
    .values({ userId, title, content })
    .returning({ id: documents.id, title: documents.title, createdAt: documents.createdAt });
  return row;
}

export interface DocumentHit {
  id: string;
  title: string;
  snippet: string;
  rank: number;
}

/** Ranked full-text search over the user's knowledge base. */
export async function searchDocuments(database: Database, { userId, query, limit }: { userId: string; query: string; limit: number }): Promise<DocumentHit[]> {
  const rows = await database.query<{ id: string; title: string; snippet: string; rank: number | string }>(
    // Any of the question's words may match (OR), ranked by how well each document matches.
    `WITH q AS (SELECT to_tsquery('english', regexp_replace(plainto_tsquery('english', $2)::text, '\\s*&\\s*', ' | ', 'g')) AS loose)
     SELECT d.id, d.title,
            ts_headline('english', d.content, (SELECT loose FROM q), 'MaxWords=60, MinWords=25, StartSel="", StopSel=""') AS snippet,
            ts_rank(d.search_vector, (SELECT loose FROM q)) AS rank
     FROM documents d
     WHERE d.user_id = $1 AND d.search_vector @@ (SELECT loose FROM q)
     ORDER BY rank DESC, d.created_at DESC
     LIMIT $3`,
    [userId, query, limit],
  );
  return rows.map((row) => ({ ...row, rank: Number(row.rank) }));
}
