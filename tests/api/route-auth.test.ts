import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { describeEachDatabase } from '../support/databases';

const PUBLIC_ROUTES = new Set(['app/api/health/route.ts', 'app/api/auth/login/route.ts']);
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

function routeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return routeFiles(full);
    return entry === 'route.ts' ? [full] : [];
  });
}

describeEachDatabase('route authentication', () => {
  it('answers 401 on every method of every /api and OTLP (/v1) route but health and login', async () => {
    const files = [...routeFiles('app/api'), ...routeFiles('app/v1')].map((f) => f.split(path.sep).join('/'));
    expect(files.length).toBeGreaterThan(3);
    const checked: string[] = [];
    for (const file of files) {
      if (PUBLIC_ROUTES.has(file)) continue;
      const mod = (await import(/* @vite-ignore */ path.resolve(file))) as Record<string, unknown>;
      const urlPath = `/${file.replace(/^app\//, '').replace(/\/route\.ts$/, '').replace(/\[(\w+)\]/g, '00000000-0000-0000-0000-000000000000')}`;
      for (const method of METHODS) {
        const handler = mod[method] as ((r: Request, a: unknown) => Promise<Response>) | undefined;
        if (!handler) continue;
        const body = method === 'GET' || method === 'DELETE' ? undefined : '{}';
        const request = new Request(`http://127.0.0.1:3000${urlPath}`, { method, body, headers: body ? { 'content-type': 'application/json' } : {} });
        const response = await handler(request, { params: Promise.resolve({ id: '00000000-0000-0000-0000-000000000000', traceId: '0'.repeat(32) }) });
        expect(response.status, `${method} ${urlPath}`).toBe(401);
        checked.push(`${method} ${urlPath}`);
      }
    }
    expect(checked.length).toBeGreaterThan(3);
  });
});
