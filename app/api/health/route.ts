import { otherMethods } from '@/lib/http/route';
import { getHealth } from '@/lib/server/health';

export const dynamic = 'force-dynamic';

export async function GET(): Promise<Response> {
  const health = await getHealth();
  return Response.json(health, { status: health.status === 'ok' ? 200 : 503 });
}

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
