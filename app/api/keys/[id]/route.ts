import { z } from 'zod';
import { revokeApiKey } from '@/lib/db/queries/accounts';
import { ApiError } from '@/lib/http/errors';
import { authenticated, otherMethods } from '@/lib/http/route';

export const DELETE = authenticated<{ id: string }>(async ({ database, principal, params }) => {
  if (!z.uuid().safeParse(params.id).success) throw new ApiError('not_found', 'No API key with that id.');
  const revoked = await revokeApiKey(database, { userId: principal.userId, keyId: params.id });
  if (!revoked) throw new ApiError('not_found', 'No live API key with that id.');
  return new Response(null, { status: 204 });
});

export const { GET, HEAD, POST, PUT, PATCH, OPTIONS } = otherMethods('DELETE');
