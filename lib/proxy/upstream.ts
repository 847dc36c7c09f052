/**
 * The provider side of the proxy: where a call goes (server configuration only, so no request can
 * choose a host), which headers travel each way, and the fetch itself.
 */
import 'server-only';
import type { AuthMode } from './auth';
import { ProxyError } from './errors';
import { TRACE_ID_HEADER, type ProxyDialect } from './types';

/** Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection, never the message. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

/**
 * Request headers that stay here: the connection to us (`host`, `forwarded`…), our own (`cookie`
 * holds the dashboard session, `x-llmtrace-*` the LLMTrace key and span hints), and the body's
 * framing, which fetch sets again.
 */
const REQUEST_DROP = new Set([...HOP_BY_HOP, 'host', 'content-length', 'accept-encoding', 'cookie', 'forwarded', 'x-real-ip']);
const REQUEST_DROP_PREFIXES = ['x-llmtrace-', 'x-forwarded-', 'x-middleware-', 'x-invoke-'];

/**
 * Response headers that stay upstream: the body is re-sent (fetch has already undone any
 * encoding, so length and encoding no longer hold), and the provider's cookies and alternative
 * services belong to its own domain, not ours.
 */
const RESPONSE_DROP = new Set([...HOP_BY_HOP, 'content-length', 'content-encoding', 'set-cookie', 'alt-svc']);

/** Statuses whose responses have no body (a `Response` with one would throw). */
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * The upstream URL for `pathAndQuery` (below the route prefix) under the configured base URL.
 * Throws `not_found` when dot segments would climb out of the base path.
 *
 * @example
 * upstreamUrl('https://api.openai.com/v1', '/chat/completions?x=1'); // https://api.openai.com/v1/chat/completions?x=1
 */
export function upstreamUrl(baseURL: string, pathAndQuery: string): URL {
  const base = new URL(baseURL);
  const basePath = base.pathname.replace(/\/+$/, '');
  const target = new URL(`${base.origin}${basePath}${pathAndQuery}`);
  if (target.origin !== base.origin || (target.pathname !== basePath && !target.pathname.startsWith(`${basePath}/`))) {
    throw new ProxyError('not_found', `LLMTrace proxy: no such path ${pathAndQuery.split('?')[0]}.`);
  }
  return target;
}

/**
 * The headers to send upstream. Managed calls lose the client's credentials (they hold the
 * LLMTrace key) and get the server's key; pass-through calls keep the client's provider key.
 * `accept-encoding: identity` lets the relay read the reply as it streams without inflating it.
 */
export function upstreamRequestHeaders(incoming: Headers, mode: AuthMode, dialect: ProxyDialect, serverKey: string | undefined): Headers {
  const connectionScoped = connectionHeaderNames(incoming);
  const headers = new Headers();
  incoming.forEach((value, name) => {
    if (REQUEST_DROP.has(name) || connectionScoped.has(name) || REQUEST_DROP_PREFIXES.some((prefix) => name.startsWith(prefix))) return;
    headers.append(name, value);
  });
  if (mode === 'managed') {
    headers.delete('authorization');
    headers.delete('x-api-key');
    if (serverKey) dialect.setServerKey(headers, serverKey);
  }
  headers.set('accept-encoding', 'identity');
  return headers;
}

/** The upstream's response headers as the client gets them, plus the trace id when a span records the call. */
export function clientResponseHeaders(upstream: Headers, traceId?: string): Headers {
  const connectionScoped = connectionHeaderNames(upstream);
  const headers = new Headers();
  upstream.forEach((value, name) => {
    if (!RESPONSE_DROP.has(name) && !connectionScoped.has(name)) headers.append(name, value);
  });
  if (traceId) headers.set(TRACE_ID_HEADER, traceId);
  return headers;
}

/** A response for the client, `body` left out where the status allows none. */
export function clientResponse(upstream: Response, body: ReadableStream<Uint8Array> | Uint8Array | null, headers: Headers): Response {
  const bodyAllowed = !NULL_BODY_STATUSES.has(upstream.status);
  return new Response(bodyAllowed ? (body as BodyInit | null) : null, { status: upstream.status, statusText: upstream.statusText, headers });
}

/**
 * Fetches from the provider. Redirects come back to the client as they are (never followed here).
 * Throws `unreachable` when no answer arrives, or the original error when `clientSignal` fired.
 */
export async function fetchUpstream(
  url: URL,
  init: { method: string; headers: Headers; body?: BodyInit | null; signal: AbortSignal },
  dialect: ProxyDialect,
  clientSignal: AbortSignal,
): Promise<Response> {
  const streamedBody = typeof ReadableStream !== 'undefined' && init.body instanceof ReadableStream;
  try {
    return await fetch(url, { ...init, redirect: 'manual', ...(streamedBody ? { duplex: 'half' } : {}) } as RequestInit);
  } catch (error) {
    if (clientSignal.aborted) throw error;
    throw new ProxyError('unreachable', `LLMTrace proxy: could not reach ${dialect.label} at ${url.origin}: ${networkCause(error)}.`);
  }
}

/** `ECONNREFUSED`, `ENOTFOUND`, … rather than fetch's uninformative "fetch failed". */
function networkCause(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** Header names a `Connection` header lists: hop-by-hop for this message only. */
function connectionHeaderNames(headers: Headers): Set<string> {
  const listed = headers.get('connection');
  return new Set(listed ? listed.split(',').map((name) => name.trim().toLowerCase()).filter(Boolean) : []);
}
