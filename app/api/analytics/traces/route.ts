import { parseQuery } from '@/lib/http/body';
import { authenticated, otherMethods } from '@/lib/http/route';
import { ingestSpans } from '@/lib/trace-store/ingest';
import { TraceQuery, queryTraces } from '@/lib/trace-store/api-query';

export const dynamic = 'force-dynamic';

export const GET = authenticated(async ({ request, database, principal }) => {
  const query = parseQuery(request, TraceQuery);
  return Response.json(await queryTraces(database, { userId: principal.userId, query }));
});

export const POST = authenticated(async ({ request, database, principal }) => {
  return Response.json(await ingestSpans(database, { userId: principal.userId, request }));
});

export const { PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET', 'POST');
