import { parseQuery } from '@/lib/http/body';
import { authenticated, otherMethods } from '@/lib/http/route';
import { QualityIssuesQuery, queryQualityIssues } from '@/lib/quality/evaluations';

export const dynamic = 'force-dynamic';

/** Failure tags with counts; with `?tag=` the messages flagged with it, each linked to its trace. */
export const GET = authenticated(async ({ request, database, principal }) => {
  const query = parseQuery(request, QualityIssuesQuery);
  return Response.json(await queryQualityIssues(database, { userId: principal.userId, query }));
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
