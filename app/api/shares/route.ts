import { authenticated, otherMethods } from '@/lib/http/route';
import { listShares } from '@/lib/share/shares';

/** `GET /api/shares` → `{"shares":[{"id","trace_id","token_prefix","redact","created_at","trace_name","trace_start_time"}]}`, newest first. */
export const GET = authenticated(async ({ database, principal }) => Response.json({ shares: await listShares(database, { userId: principal.userId }) }));

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
