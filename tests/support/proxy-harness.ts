/**
 * Plumbing for the proxy tests: the two catch-all proxy routes served over HTTP (so the official
 * SDKs talk to them as to a provider), the server configuration pointing at fake upstreams, and
 * reading back the spans a call left through the analytics API.
 */
import { createServer } from 'node:net';
import * as anthropicRoute from '@/app/api/proxy/anthropic/[...path]/route';
import * as openaiRoute from '@/app/api/proxy/openai/v1/[...path]/route';
import { GET as getTraces } from '@/app/api/analytics/traces/route';
import { traceService } from '@llmtrace/sdk';
import { call } from './api';
import { startRouteServer, type RouteServer, type RouteTable } from './route-server';

/** The LLMTrace server's own provider keys in the tests (managed mode). */
export const SERVER_OPENAI_KEY = 'sk-server0penai0secret0key0001';
export const SERVER_ANTHROPIC_KEY = 'sk-ant-server0secret0key0001';

type Span = Record<string, any>;

/**
 * A route table that serves every path below each prefix with that prefix's handlers, the way
 * Next.js serves a `[...path]` segment.
 *
 * @example
 * startRouteServer(prefixRoutes({ '/api/proxy/openai/v1/': { GET, POST } }));
 */
export function prefixRoutes(prefixes: RouteTable): RouteTable {
  return new Proxy(
    {},
    {
      get: (_target, path) => (typeof path === 'string' ? Object.entries(prefixes).find(([prefix]) => path.startsWith(prefix))?.[1] : undefined),
    },
  ) as RouteTable;
}

const methods = (route: typeof openaiRoute) => ({ GET: route.GET, POST: route.POST, PUT: route.PUT, PATCH: route.PATCH, DELETE: route.DELETE, OPTIONS: route.OPTIONS });

/** Both proxy routes on 127.0.0.1; SDK base URLs are `${url}/api/proxy/openai/v1` and `${url}/api/proxy/anthropic`. */
export function startProxyServer(): Promise<RouteServer> {
  return startRouteServer(prefixRoutes({ '/api/proxy/openai/v1/': methods(openaiRoute), '/api/proxy/anthropic/': methods(anthropicRoute) }));
}

/** Sets the server's provider configuration (read per call by the proxy); returns a function that restores it. */
export function configureUpstreams(values: Partial<Record<'OPENAI_BASE_URL' | 'OPENAI_API_KEY' | 'ANTHROPIC_BASE_URL' | 'ANTHROPIC_API_KEY', string>>): () => void {
  const saved = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  Object.assign(process.env, values);
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/** A URL on 127.0.0.1 where nothing listens. */
export async function unusedOrigin(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/**
 * The spans of a trace as `GET /api/analytics/traces?trace_id=` shows them to `apiKey`'s owner,
 * once `count` of them are stored with a final status (or after `timeoutMs`, whatever is there).
 * A proxied span ends just after its reply is complete, so the read polls.
 */
export async function storedTrace(apiKey: string, traceId: string, { count = 1, timeoutMs = 5000 } = {}): Promise<Span[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await traceService.flush();
    const response = await call(getTraces, { path: `/api/analytics/traces?trace_id=${traceId}`, apiKey });
    const { traces } = (await response.json()) as { traces: Span[] };
    const final = traces.filter((span) => !['running', 'pending'].includes(span.status));
    if (final.length >= count || Date.now() > deadline) return traces;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The one span of a proxied call's trace. */
export async function storedSpan(apiKey: string, traceId: string | null): Promise<Span> {
  if (!traceId) throw new Error('the reply carried no x-llmtrace-trace-id');
  const [span] = await storedTrace(apiKey, traceId);
  if (!span) throw new Error(`no span stored for trace ${traceId}`);
  return span;
}
