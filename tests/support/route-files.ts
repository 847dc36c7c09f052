import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Every `route.ts` under `dir`, as a POSIX path relative to the repository (`app/api/keys/route.ts`). */
export function routeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return routeFiles(full);
    return entry === 'route.ts' ? [full.split(path.sep).join('/')] : [];
  });
}

/** The API's route files: `app/api/**` and OTLP's `app/v1/**`. */
export function apiRouteFiles(): string[] {
  return [...routeFiles('app/api'), ...routeFiles('app/v1')];
}

/** A request path that the route file serves: dynamic segments filled with a valid-looking id. */
export function routeUrlPath(file: string): string {
  return `/${file
    .replace(/^app\//, '')
    .replace(/\/route\.ts$/, '')
    .replace(/\[\.\.\.\w+\]/g, 'no/such/endpoint')
    .replace(/\[traceId\]/g, '0'.repeat(32))
    .replace(/\[(\w+)\]/g, '00000000-0000-0000-0000-000000000000')}`;
}

export type RouteHandler = (request: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;

export async function importRoute(file: string): Promise<Record<string, unknown>> {
  return (await import(/* @vite-ignore */ path.resolve(file))) as Record<string, unknown>;
}

/** The params Next.js would pass for `routeUrlPath(file)`. */
export const ROUTE_PARAMS = { params: Promise.resolve({ id: '00000000-0000-0000-0000-000000000000', traceId: '0'.repeat(32), path: ['no', 'such', 'endpoint'] as unknown as string }) };
