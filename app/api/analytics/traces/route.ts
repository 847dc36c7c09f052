import { parseQuery } from '@/lib/http/body';
import { authenticated, otherMethods } from '@/lib/http/route';
import { admitIngest } from '@/lib/trace-store/admission';
import { INGEST_BODY_LIMIT, ingestSpans } from '@/lib/trace-store/ingest';
import { TraceQuery, queryTraces } from '@/lib/trace-store/api-query';

export const dynamic = 'force-dynamic';

export const GET = authenticated(async ({ request, database, principal }) => {
  const query = parseQuery(request, TraceQuery);
  return Response.json(await queryTraces(database, { userId: principal.userId, query }));
});

/** Admitted by the ingest budget before authentication: a saturated server answers 503 at once. */
export const POST = admitIngest(
  authenticated(async ({ request, database, principal }) => Response.json(await ingestSpans(database, { userId: principal.userId, request }))),
  { bodyLimit: INGEST_BODY_LIMIT },
);

export const { PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET', 'POST');
