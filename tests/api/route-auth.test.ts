import { expect, it } from 'vitest';
import { apiRouteFiles, importRoute, ROUTE_PARAMS, routeUrlPath, type RouteHandler } from '../support/route-files';
import { describeEachDatabase } from '../support/databases';

const PUBLIC_ROUTES = new Set(['app/api/health/route.ts', 'app/api/auth/login/route.ts', 'app/api/[...path]/route.ts', 'app/v1/[...path]/route.ts']);
/** Routes of which only some methods are public: a share link is read without signing in (tests/api/share.test.ts); revoking it is not. */
const PUBLIC_METHODS = new Map<string, readonly string[]>([['app/api/share/[token]/route.ts', ['GET']]]);
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

describeEachDatabase('route authentication', () => {
  it('answers 401 on every implemented method of every /api and OTLP (/v1) route but health and login', async () => {
    const files = apiRouteFiles();
    expect(files.length).toBeGreaterThan(3);
    const checked: string[] = [];
    for (const file of files) {
      if (PUBLIC_ROUTES.has(file)) continue;
      const mod = await importRoute(file);
      const urlPath = routeUrlPath(file);
      for (const method of METHODS) {
        const handler = mod[method] as RouteHandler | undefined;
        if (!handler || PUBLIC_METHODS.get(file)?.includes(method)) continue;
        const body = method === 'GET' || method === 'DELETE' ? undefined : '{}';
        const request = new Request(`http://127.0.0.1:3000${urlPath}`, { method, body, headers: body ? { 'content-type': 'application/json' } : {} });
        const response = await handler(request, ROUTE_PARAMS);
        // Methods a route does not implement answer 405 (tests/api/methods.test.ts checks which).
        if (response.status === 405) {
          expect(response.headers.get('allow'), `${method} ${urlPath}`).not.toContain(method);
          continue;
        }
        expect(response.status, `${method} ${urlPath}`).toBe(401);
        checked.push(`${method} ${urlPath}`);
      }
    }
    expect(checked.length).toBeGreaterThan(3);
  });
});
