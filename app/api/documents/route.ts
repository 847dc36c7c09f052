import { z } from 'zod';
import { insertDocument } from '@/lib/db/queries/chat';
import { parseJsonBody } from '@/lib/http/body';
import { authenticated, otherMethods } from '@/lib/http/route';

const DocumentBody = z.object({
  title: z.string().trim().min(1).max(500),
  content: z.string().min(1).max(500_000),
});

/** Adds a document to the user's knowledge base (searched when a chat sets `knowledgeBase: true`). */
export const POST = authenticated(async ({ request, database, principal }) => {
  const { title, content } = await parseJsonBody(request, DocumentBody, 2 * 1024 * 1024);
  const document = await insertDocument(database, { userId: principal.userId, title, content });
  return Response.json({ document }, { status: 201 });
});

export const { GET, HEAD, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST');
