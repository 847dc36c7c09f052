import { z } from 'zod';
import { defineTool } from '../define';

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const currentTime = defineTool({
  name: 'current_time',
  description: 'Get the current date and time, in UTC or in a given IANA time zone (e.g. "Europe/Paris").',
  schema: z.object({
    timezone: z
      .string()
      .refine(isTimeZone, { message: 'Unknown time zone; use an IANA name such as "Europe/Paris" or "UTC".' })
      .optional()
      .describe('IANA time zone name; default UTC'),
  }),
  handler: ({ timezone }) => {
    const now = new Date();
    const zone = timezone ?? 'UTC';
    const local = new Intl.DateTimeFormat('en-US', { dateStyle: 'full', timeStyle: 'long', timeZone: zone }).format(now);
    return { iso: now.toISOString(), timezone: zone, local, unixMs: now.getTime() };
  },
});
