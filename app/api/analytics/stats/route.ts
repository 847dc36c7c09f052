import { z } from 'zod';
import { overviewStats } from '@/lib/trace-store/stats';
import { isStorableInstant, STORABLE_RANGE_MESSAGE } from '@/lib/db/timestamps';
import { parseQuery } from '@/lib/http/body';
import { authenticated, otherMethods } from '@/lib/http/route';
import { optionalInstant } from '@/lib/http/params';

export const dynamic = 'force-dynamic';

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_RANGE_DAYS = 366;

/** `?from=&to=` (ISO 8601 or epoch ms), a half-open range [from, to); `to` defaults to now, `from` to 24 hours before `to`. */
const StatsQuery = z.object({ from: optionalInstant, to: optionalInstant }).transform(({ from, to }, ctx) => {
  const end = to ?? new Date();
  const start = from ?? new Date(end.getTime() - DAY_MS);
  if (!isStorableInstant(start)) {
    ctx.addIssue({ code: 'custom', path: ['from'], message: `the default (a day before to) ${STORABLE_RANGE_MESSAGE}; send from` });
    return z.NEVER;
  }
  if (start.getTime() >= end.getTime()) {
    ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before to' });
    return z.NEVER;
  }
  if (end.getTime() - start.getTime() > MAX_RANGE_DAYS * DAY_MS) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: `the range may span at most ${MAX_RANGE_DAYS} days` });
    return z.NEVER;
  }
  return { from: start, to: end };
});

/** Dashboard totals, time series and per-model breakdown over the user's root spans. */
export const GET = authenticated(async ({ request, database, principal }) => {
  const { from, to } = parseQuery(request, StatsQuery);
  return Response.json(await overviewStats(database, { userId: principal.userId, from, to }));
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods('GET');
