/**
 * A tiny HTTP server in front of in-process Next.js route handlers, so real HTTP clients (OTLP
 * exporters, SDKs) can talk to them over a socket: each request becomes a web `Request` (method,
 * headers, streamed body), goes to the handler registered for its path, and the `Response`
 * (status, headers, streamed body) is written back.
 *
 * @example
 * const server = await startRouteServer({ '/v1/traces': postOtlp, '/api/analytics/traces': getTraces });
 * new OTLPTraceExporter({ url: `${server.url}/v1/traces`, headers: { Authorization: `Bearer ${key}` } });
 * await server.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RouteHandler = (request: Request, args?: any) => Promise<Response>;

/** Handlers by path (no query string), e.g. `{ '/v1/traces': POST }`; or one handler for every method. */
export type RouteTable = Record<string, RouteHandler | Partial<Record<string, RouteHandler>>>;

export interface RouteLogEntry {
  method: string;
  path: string;
  status: number;
  /** Request headers as sent (null when absent). */
  contentType: string | null;
  contentEncoding: string | null;
}

export interface RouteServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Requests answered so far, in order. */
  readonly log: ReadonlyArray<RouteLogEntry>;
  close(): Promise<void>;
}

export async function startRouteServer(routes: RouteTable): Promise<RouteServer> {
  const log: RouteLogEntry[] = [];
  let origin = '';

  const server = createServer((req, res) => {
    void dispatch(req, res).catch((error: unknown) => {
      // A handler that throws is a bug the tests should see: a 500 with the message.
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'route_server_error', message: String(error) } }));
    });
  });

  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', origin);
    const entry = (status: number): RouteLogEntry => ({
      method,
      path: url.pathname,
      status,
      contentType: req.headers['content-type'] ?? null,
      contentEncoding: req.headers['content-encoding'] ?? null,
    });
    const route = routes[url.pathname];
    const handler = typeof route === 'function' ? route : route?.[method];
    if (!handler) {
      req.resume();
      const status = route ? 405 : 404;
      log.push(entry(status));
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: status === 404 ? 'not_found' : 'method_not_allowed', message: `route server: no handler for ${method} ${url.pathname}` } }));
      return;
    }

    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    const hasBody = method !== 'GET' && method !== 'HEAD';
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const request = new Request(url, {
      method,
      headers,
      body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
      signal: abort.signal,
      // Required by undici for a streamed request body.
      ...(hasBody ? { duplex: 'half' } : {}),
    } as RequestInit);

    const response = await handler(request, { params: Promise.resolve({}) });
    log.push(entry(response.status));

    const outHeaders: Record<string, string | string[]> = {};
    response.headers.forEach((value, name) => {
      if (name !== 'set-cookie') outHeaders[name] = value;
    });
    const cookies = response.headers.getSetCookie();
    if (cookies.length) outHeaders['set-cookie'] = cookies;
    res.writeHead(response.status, response.statusText || undefined, outHeaders);

    if (!response.body || method === 'HEAD') {
      res.end();
      return;
    }
    const reader = response.body.getReader();
    res.on('close', () => {
      if (!res.writableFinished) void reader.cancel().catch(() => {});
    });
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await new Promise<void>((resolve) => res.once('drain', resolve).once('close', resolve));
      if (res.destroyed) return;
    }
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;

  return {
    url: origin,
    log,
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
