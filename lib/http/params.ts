import { z } from 'zod';
import { isStorableInstant, STORABLE_RANGE_MESSAGE } from '@/lib/db/timestamps';

/**
 * An optional query-string instant: ISO 8601 or epoch milliseconds, in years 1–9999 (the range
 * the database compares against); a 422 names it when unreadable or out of range.
 */
export const optionalInstant = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (!value) return undefined;
    const date = new Date(/^\d+$/.test(value) ? Number(value) : value);
    if (Number.isNaN(date.getTime())) {
      ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 timestamp or epoch milliseconds' });
      return z.NEVER;
    }
    if (!isStorableInstant(date)) {
      ctx.addIssue({ code: 'custom', message: STORABLE_RANGE_MESSAGE });
      return z.NEVER;
    }
    return date;
  });
