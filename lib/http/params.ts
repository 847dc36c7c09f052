import { z } from 'zod';

/** An optional query-string instant: ISO 8601 or epoch milliseconds; a 422 names it when unreadable. */
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
    return date;
  });
