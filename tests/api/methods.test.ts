import { expect, it } from 'vitest';
import { HTTP_METHODS } from '@/lib/http/route';
import { apiRouteFiles, importRoute, ROUTE_PARAMS, routeUrlPath, type RouteHandler } from '../support/route-files';
import { describeEachDatabase } from '../support/databases';

const CATCH_ALLS = new Set(['app/api/[...path]/route.ts', 'app/v1/[...path]/route.ts']);

function request(method: string, urlPath: string): Request {
  const body = ['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(method) ? undefined : '{}';
  return new Request(`http://127.0.0.1:3000${urlPath}`, { method, body, headers: body ? { 'content-type': 'application/json' } : {} });
}

describeEachDatabase('HTTP methods', () => {
  it('answers every method a route does not implement with a JSON 405 and an Allow header that names exactly the ones it does', async () => {
    const files = apiRouteFiles().filter((file) => !CATCH_ALLS.has(file));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const mod = await importRoute(file);
      const urlPath = routeUrlPath(file);
      const answers = new Map<string, Response>();
      const hasGet = () => answers.has('GET') && answers.get('GET')!.status !== 405;
      for (const method of HTTP_METHODS) {
        const handler = mod[method] as RouteHandler | undefined;
        if (method === 'HEAD' && hasGet()) {
          // Next.js answers HEAD with the GET handler; a separate HEAD export would shadow it.
          expect(handler, `${file} exports HEAD beside GET`).toBeUndefined();
          continue;
        }
        expect(handler, `${file} does not export ${method}: Next.js would answer it with an empty 405`).toBeTypeOf('function');
        answers.set(method, await handler!(request(method, urlPath), ROUTE_PARAMS));
      }
      const options = answers.get('OPTIONS')!;
      expect(options.status, `OPTIONS ${urlPath}`).toBe(204);
      const allow = options.headers.get('allow')!.split(', ');
      const implemented = [...answers].filter(([method, response]) => method !== 'OPTIONS' && response.status !== 405).map(([method]) => method);
      expect(implemented.length, file).toBeGreaterThan(0);
      expect(allow.sort(), file).toEqual([...implemented, ...(hasGet() ? ['HEAD'] : []), 'OPTIONS'].sort());
      for (const [method, response] of answers) {
        if (method === 'OPTIONS' || response.status !== 405) continue;
        expect(response.headers.get('allow'), `${method} ${urlPath}`).toBe(options.headers.get('allow'));
        if (method === 'HEAD') continue;
        expect(response.headers.get('content-type'), `${method} ${urlPath}`).toMatch(/^application\/json/);
        const body = await response.json();
        expect(body.error, `${method} ${urlPath}`).toMatchObject({ code: 'method_not_allowed', message: expect.stringContaining(method) });
      }
    }
  });

  it('answers an unknown /api or /v1 path with a JSON 404 for every method', async () => {
    for (const file of CATCH_ALLS) {
      const mod = await importRoute(file);
      for (const method of HTTP_METHODS) {
        const path = `/${file.split('/')[1]}/no/such/endpoint`;
        const response = await (mod[method] as RouteHandler)(request(method, path), ROUTE_PARAMS);
        expect(response.status, `${method} ${path}`).toBe(404);
        if (method === 'HEAD') continue;
        expect((await response.json()).error).toMatchObject({ code: 'not_found', message: expect.stringContaining(path) });
      }
    }
  });
});
