import { z } from 'zod';
import { createApiKey } from '@/lib/auth/accounts';
import { listApiKeys } from '@/lib/db/queries/accounts';
import { parseJsonBody } from '@/lib/http/body';
import { authenticated, otherMethods } from '@/lib/http/route';

const CreateKeyBody = z.object({
  name: z.string().trim().min(1).max(100).default('API key'),
  scope: z.enum(['full', 'chat']).default('full'),
});

export const GET = authenticated(async ({ database, principal }) => {
  const keys = await listApiKeys(database, { userId: principal.userId });
  return Response.json({ keys });
});

/** The key itself is in this response only; it is stored as a SHA-256 hash. */
export const POST = authenticated(async ({ request, database, principal }) => {
  const { name, scope } = await parseJsonBody(request, CreateKeyBody);
  const created = await createApiKey(database, { userId: principal.userId, name, scope });
  return Response.json(
    { key: { id: created.id, name: created.name, prefix: created.prefix, scope: created.scope, createdAt: created.createdAt }, apiKey: created.key },
    { status: 201 },
  );
});

export const { PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET', 'POST');
