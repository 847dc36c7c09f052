import { notFoundEverywhere } from '@/lib/http/route';

/**
 * Any path under here that no route serves answers a JSON 404 instead of the HTML not-found page.
 * Next.js matches more specific routes first, so this never shadows one.
 */
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = notFoundEverywhere();
