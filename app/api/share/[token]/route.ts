import { parseQuery } from '@/lib/http/body';
import { authenticated, otherMethods, unauthenticated } from '@/lib/http/route';
import { findShareByToken, notFoundShare, PUBLIC_SHARE_HEADERS, readSharedTrace, revokeShare, ShareQuery } from '@/lib/share/shares';

export const dynamic = 'force-dynamic';

/**
 * `GET /api/share/{token}`, public: `{"traces":[…every span…],"redacted"}` of the one shared trace
 * (`?span_id=` for one span, `?include_data=false` without inputs and outputs). 404 once revoked.
 */
export const GET = unauthenticated<{ token: string }>(async ({ database, params, request }) => {
  const share = await findShareByToken(database, params.token);
  if (!share) throw notFoundShare();
  const query = parseQuery(request, ShareQuery);
  return Response.json(await readSharedTrace(database, share, query), { headers: PUBLIC_SHARE_HEADERS });
});

/** `DELETE /api/share/{token}` (or the link's id, as Settings lists it), owner only → 204. */
export const DELETE = authenticated<{ token: string }>(async ({ database, principal, params }) => {
  await revokeShare(database, { userId: principal.userId, tokenOrId: params.token });
  return new Response(null, { status: 204 });
});

export const { POST, PUT, PATCH, OPTIONS } = otherMethods('GET', 'DELETE');
