import { parseJsonBody } from '@/lib/http/body';
import { authenticated, otherMethods } from '@/lib/http/route';
import { EvaluationBody, createEvaluation } from '@/lib/quality/evaluations';

export const dynamic = 'force-dynamic';

/** Records a reviewer's verdict (success, rating, failure tags, notes) on one of the user's messages. */
export const POST = authenticated(async ({ request, database, principal }) => {
  const body = await parseJsonBody(request, EvaluationBody);
  const evaluation = await createEvaluation(database, { userId: principal.userId, body });
  return Response.json({ evaluation }, { status: 201 });
});

export const { GET, HEAD, PUT, PATCH, DELETE, OPTIONS } = otherMethods('POST');
