/**
 * The proxy's request handler: authenticate, forward to the configured provider, relay the
 * reply, and record a span for the traced endpoints. Every other path below the prefix is
 * forwarded untouched and untraced, but still needs a valid LLMTrace key.
 *
 * What the client gets back is the provider's status, headers and body, byte for byte (minus
 * hop-by-hop headers, plus `x-llmtrace-trace-id`). The proxy answers by itself only when it cannot
 * forward (no key, provider unreachable…), then in the provider's error format.
 */
import 'server-only';
import { llmConfig } from '@/lib/config/llm.config';
import { summarizeDatabaseError } from '@/lib/db/errors';
import { getAppContext } from '@/lib/server/context';
import { isRecording } from '@llmtrace/sdk';
import { isRecord, providerErrorMessage, type Observation } from '@llmtrace/sdk/providers';
import { authenticateCaller, LLMTRACE_KEY_HEADER, type ProxyCaller } from './auth';
import { KEY_CHECK_UNAVAILABLE, ProxyError } from './errors';
import { withoutInlineData } from './payload';
import { relayBody, type RelayEnd } from './relay';
import { redactKeys } from './secrets';
import { endProxySpan, startProxySpan } from './span';
import { clientResponse, clientResponseHeaders, fetchUpstream, upstreamRequestHeaders, upstreamUrl } from './upstream';
import type { PreparedCall, ProxyDialect, TracedOperation } from './types';

/** Largest request body a traced call reads (it must be parsed); larger ones are refused with 413. */
export const MAX_TRACED_REQUEST_BYTES = 64 * 1024 * 1024;

/** What one call needs once the caller is known. */
interface CallContext {
  request: Request;
  dialect: ProxyDialect;
  caller: ProxyCaller;
  /** Below the prefix, without the query: `/chat/completions`. */
  path: string;
  target: URL;
  headers: Headers;
  /** Keys never to be stored, nor returned to a client that did not send them. */
  secrets: Array<string | undefined>;
  arrival: { date: Date; ms: number };
}

/**
 * The route handler for one provider: every method, every path below `dialect.prefix`.
 *
 * @example
 * // app/api/proxy/openai/v1/[...path]/route.ts
 * export const POST = proxyRoute(openaiDialect);
 */
export function proxyRoute(dialect: ProxyDialect): (request: Request) => Promise<Response> {
  return async (request) => {
    const arrival = { date: new Date(), ms: performance.now() };
    try {
      return await handle(request, dialect, arrival);
    } catch (error) {
      if (error instanceof ProxyError) return error.toResponse(dialect);
      // The client is gone; nobody reads this answer.
      if (request.signal.aborted) return new Response(null, { status: 499 });
      console.error(`[llmtrace] proxy: ${request.method} ${new URL(request.url).pathname} failed:`, error);
      return new ProxyError('internal', 'LLMTrace proxy: something went wrong on our side. The error was logged.').toResponse(dialect);
    }
  };
}

async function handle(request: Request, dialect: ProxyDialect, arrival: CallContext['arrival']): Promise<Response> {
  const url = new URL(request.url);
  const path = pathBelow(url.pathname, dialect.prefix);
  let database;
  try {
    ({ database } = await getAppContext());
  } catch (error) {
    console.error(`[llmtrace] proxy: the database could not be opened: ${summarizeDatabaseError(error)}`);
    throw new ProxyError('unavailable', KEY_CHECK_UNAVAILABLE);
  }
  const caller = await authenticateCaller(request, database, dialect);
  const upstream = dialect.upstream(llmConfig());
  if (caller.mode === 'managed' && !upstream.usable) {
    throw new ProxyError(
      'not_configured',
      `LLMTrace proxy: no ${dialect.label} key is configured on the LLMTrace server. Set ${dialect.keyVariable} in the server's environment, ` +
        `or use pass-through: keep your own ${dialect.label} key and send your LLMTrace key in "${LLMTRACE_KEY_HEADER}".`,
    );
  }
  const context: CallContext = {
    request,
    dialect,
    caller,
    path,
    target: upstreamUrl(upstream.baseURL, `${path}${url.search}`),
    headers: upstreamRequestHeaders(request.headers, caller.mode, dialect, upstream.apiKey),
    secrets: [upstream.apiKey, request.headers.get('x-api-key') ?? undefined, bearerOf(request.headers)],
    arrival,
  };
  const operation = request.method === 'POST' ? dialect.operation(path) : undefined;
  return operation ? forwardTraced(context, operation) : forwardUntraced(context);
}

async function forwardUntraced(context: CallContext): Promise<Response> {
  const { request } = context;
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD' && request.body !== null;
  const response = await fetchUpstream(
    context.target,
    { method: request.method, headers: context.headers, body: hasBody ? request.body : undefined, signal: request.signal },
    context.dialect,
    request.signal,
  );
  if (response.status >= 400 && context.caller.mode === 'managed' && !isEventStream(response)) {
    return clientResponse(response, await redactedBody(response, context), clientResponseHeaders(response.headers));
  }
  return clientResponse(response, response.body, clientResponseHeaders(response.headers));
}

async function forwardTraced(context: CallContext, operation: TracedOperation): Promise<Response> {
  const { request, dialect } = context;
  const raw = await readBody(request);
  const call = operation.prepare(raw, parseObject(raw));
  const span = await startProxySpan({
    userId: context.caller.principal.userId,
    provider: dialect.provider,
    operation,
    call: { ...call, input: withoutInlineData(call.input, raw.length) },
    mode: context.caller.mode,
    path: context.path,
    headers: request.headers,
    startTime: context.arrival.date,
  });
  const traceId = isRecording(span) ? span.traceId : undefined;

  let response: Response;
  try {
    response = await fetchUpstream(context.target, { method: 'POST', headers: context.headers, body: call.body as BodyInit, signal: request.signal }, dialect, request.signal);
  } catch (error) {
    if (!(error instanceof ProxyError)) {
      endProxySpan(span, call, { outcome: 'cancelled', observation: {} });
      throw error;
    }
    endProxySpan(span, call, { outcome: 'failed', observation: {}, errorMessage: error.message });
    return error.toResponse(dialect, traceId);
  }
  const requestId = response.headers.get('x-request-id') ?? response.headers.get('request-id');
  const headers = clientResponseHeaders(response.headers, traceId);

  if (response.status >= 400 && !isEventStream(response)) {
    let body: Uint8Array;
    try {
      body = await redactedBody(response, context);
    } catch (error) {
      endProxySpan(span, call, { outcome: request.signal.aborted ? 'cancelled' : 'failed', observation: {}, httpStatus: response.status });
      throw error;
    }
    const message = providerErrorMessage(parseObject(body)) ?? `${dialect.label} answered HTTP ${response.status}.`;
    const errorMessage = redactKeys(message, context.secrets);
    endProxySpan(span, call, { outcome: 'failed', observation: {}, httpStatus: response.status, errorMessage });
    return clientResponse(response, body, headers);
  }

  const finish = (end: RelayEnd, timeToFirstTokenMs?: number) => {
    const failed = end.outcome === 'failed' || response.status >= 400;
    const observation = observe(call);
    if (observation.errorMessage) observation.errorMessage = redactKeys(observation.errorMessage, context.secrets);
    endProxySpan(span, call, {
      outcome: failed ? 'failed' : end.outcome,
      observation,
      httpStatus: response.status,
      errorMessage:
        end.outcome === 'failed'
          ? `The ${dialect.label} reply broke off: ${end.error instanceof Error ? end.error.message : String(end.error)}`
          : `${dialect.label} answered HTTP ${response.status}.`,
      timeToFirstTokenMs,
      upstreamRequestId: requestId,
    });
  };
  if (!response.body) {
    finish({ outcome: 'completed' });
    return clientResponse(response, null, headers);
  }
  let timeToFirstTokenMs: number | undefined;
  const body = relayBody(response.body, {
    sse: isEventStream(response),
    rewriteEvents: call.rewritesEvents,
    recorder: call.recorder,
    clientSignal: request.signal,
    onFirstOutput: () => {
      timeToFirstTokenMs = performance.now() - context.arrival.ms;
    },
    onEnd: (end) => finish(end, call.stream ? timeToFirstTokenMs : undefined),
  });
  return clientResponse(response, body, headers);
}

/** What the recorder saw; nothing when it fails (the span then still records status and timing). */
function observe(call: PreparedCall): Observation {
  try {
    return call.recorder.observation();
  } catch {
    return {};
  }
}

/** The path below `prefix` (`/chat/completions`), or a 404 for a path outside it. */
function pathBelow(pathname: string, prefix: string): string {
  if (pathname === prefix) return '';
  if (pathname.startsWith(`${prefix}/`)) return pathname.slice(prefix.length);
  throw new ProxyError('not_found', `LLMTrace proxy: ${pathname} is not below ${prefix}.`);
}

/** The request body, refused with 413 beyond {@link MAX_TRACED_REQUEST_BYTES}. */
async function readBody(request: Request): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length'));
  const tooLarge = () => new ProxyError('too_large', `LLMTrace proxy: the request body is larger than ${MAX_TRACED_REQUEST_BYTES / 1024 / 1024} MB.`);
  if (declared > MAX_TRACED_REQUEST_BYTES) throw tooLarge();
  if (!request.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > MAX_TRACED_REQUEST_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

function parseObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An error body, read whole (they are small). In managed mode the provider is refusing the
 * *server's* key, and quotes it back masked: the client gets the body with keys redacted.
 */
async function redactedBody(response: Response, context: CallContext): Promise<Uint8Array> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (context.caller.mode !== 'managed') return bytes;
  const text = new TextDecoder().decode(bytes);
  const redacted = redactKeys(text, context.secrets);
  return redacted === text ? bytes : new TextEncoder().encode(redacted);
}

function isEventStream(response: Response): boolean {
  return (response.headers.get('content-type') ?? '').toLowerCase().startsWith('text/event-stream');
}

function bearerOf(headers: Headers): string | undefined {
  return /^Bearer\s+(\S+)/i.exec(headers.get('authorization') ?? '')?.[1];
}
