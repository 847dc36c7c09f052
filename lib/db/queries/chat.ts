import 'server-only';
import { and, asc, eq } from 'drizzle-orm';
import type { Database } from '../client';
import { conversations, documents, messages, type Message } from '../schema';

export async function insertConversation(
  database: Database,
  { userId, title, source }: { userId: string; title: string; source: 'app' | 'api' | 'widget' },
) {
  const [row] = await database.db.insert(conversations).values({ userId, title, source }).returning();
  return row;
}

export async function findConversation(database: Database, { userId, conversationId }: { userId: string; conversationId: string }) {
  const [row] = await database.db
    .select()
    .from(conversations)
    .where(and(eq(conversations.id, conversationId), eq(conversations.userId, userId)))
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

export async function insertMessage(database: Database, values: typeof messages.$inferInsert): Promise<Message> {
  // Model output is untrusted: a NUL (which Postgres text refuses) becomes U+FFFD.
  const content = values.content?.includes('\0') ? values.content.replaceAll('\0', '\uFFFD') : values.content;
  const [row] = await database.db.insert(messages).values({ ...values, content }).returning();
  return row;
}

export async function findMessage(database: Database, { userId, messageId }: { userId: string; messageId: string }) {
  const [row] = await database.db
    .select()
    .from(messages)
    .where(and(eq(messages.id, messageId), eq(messages.userId, userId)))
    .limit(1);
  return row ?? null;
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
