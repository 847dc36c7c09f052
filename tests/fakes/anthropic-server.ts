/**
 * A local stand-in for Anthropic's Messages API, close enough to the wire protocol for the
 * official `@anthropic-ai/sdk`: JSON messages and SSE streams (`event: message_start`,
 * `content_block_start/delta/stop`, `message_delta`, `message_stop`, plus `ping`), `tool_use`
 * blocks streamed as `input_json_delta` fragments, usage with cache reads, and scripted failures.
 *
 * @example
 * const fake = await startFakeAnthropic();
 * fake.enqueue({ kind: 'reply', content: 'Hello', usage: { input_tokens: 10, output_tokens: 3 } });
 * const client = new Anthropic({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 });
 */
import type { ServerResponse } from 'node:http';
import { fragments, pause, startFakeServer, wordPieces, writeEvent, type FakeServer, type RecordedRequest } from './fake-server';

export interface AnthropicUsageScript {
  /** Input tokens not read from or written to the cache (Anthropic's meaning). */
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
  thinking_tokens?: number;
}

export type AnthropicScript =
  | {
      kind: 'reply';
      content?: string;
      toolUses?: Array<{ id?: string; name: string; input: Record<string, unknown> }>;
      usage?: AnthropicUsageScript;
      /** Reported model name. Default: the requested model with a date suffix. */
      model?: string;
      stopReason?: string;
      firstChunkDelayMs?: number;
      chunkDelayMs?: number;
    }
  /** An HTTP error in Anthropic's error shape (`{"type":"error","error":{type,message}}`). */
  | { kind: 'error'; status: number; message?: string; errorType?: string; retryAfter?: string }
  /** An `event: error` inside a 200 stream (e.g. overloaded_error), after the text `content` if given. */
  | { kind: 'stream_error'; errorType?: string; message?: string; content?: string }
  /** A stream that sends the first `afterChunks` text deltas of `content`, then goes silent. */
  | { kind: 'stall'; content: string; afterChunks: number };

export interface FakeAnthropic extends FakeServer<AnthropicScript> {
  /** Base URL for the SDK: `http://127.0.0.1:<port>`. */
  url: string;
  messageRequests(): RecordedRequest[];
}

const DEFAULT_USAGE: AnthropicUsageScript = { input_tokens: 12, output_tokens: 5 };

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

export async function startFakeAnthropic(): Promise<FakeAnthropic> {
  let sequence = 0;
  const server = await startFakeServer<AnthropicScript>(async (script, request, response, clientGone) => {
    if (request.method !== 'POST' || !request.path.startsWith('/v1/messages')) {
      sendError(response, 404, 'not_found_error', `fake: no route ${request.method} ${request.path}`);
      return;
    }
    const id = `msg_fake${++sequence}`;
    const requestedModel = String(request.body?.model ?? 'unknown');

    if (script.kind === 'error') {
      const headers: Record<string, string> = { 'request-id': `req_fake${sequence}` };
      if (script.retryAfter !== undefined) headers['retry-after'] = script.retryAfter;
      sendError(response, script.status, script.errorType ?? ERROR_TYPES[script.status] ?? 'api_error', script.message ?? `fake error ${script.status}`, headers);
      return;
    }

    const model = script.kind === 'reply' && script.model ? script.model : `${requestedModel}-20250929`;

    if (script.kind === 'stall' || script.kind === 'stream_error') {
      startStream(response);
      writeEvent(response, JSON.stringify({ type: 'message_start', message: messageShell(id, model, DEFAULT_USAGE) }), 'message_start');
      if (script.kind === 'stream_error') {
        if (script.content) {
          writeEvent(response, JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }), 'content_block_start');
          for (const piece of wordPieces(script.content)) {
            writeEvent(response, JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } }), 'content_block_delta');
          }
        }
        const error = { type: 'error', error: { type: script.errorType ?? 'overloaded_error', message: script.message ?? 'Overloaded' } };
        writeEvent(response, JSON.stringify(error), 'error');
        response.end();
        return;
      }
      writeEvent(response, JSON.stringify({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }), 'content_block_start');
      for (const piece of wordPieces(script.content).slice(0, script.afterChunks)) {
        writeEvent(response, JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } }), 'content_block_delta');
      }
      await clientGone;
      response.end();
      return;
    }

    const usage = script.usage ?? DEFAULT_USAGE;
    const toolUses = (script.toolUses ?? []).map((use, index) => ({ id: use.id ?? `toolu_fake${sequence}_${index}`, name: use.name, input: use.input }));
    const stopReason = script.stopReason ?? (toolUses.length ? 'tool_use' : 'end_turn');
    await pause(script.firstChunkDelayMs ?? 0, clientGone);

    if (!request.body?.stream) {
      const content = [
        ...(script.content ? [{ type: 'text', text: script.content, citations: null }] : []),
        ...toolUses.map((use) => ({ type: 'tool_use', id: use.id, name: use.name, input: use.input, caller: { type: 'direct' } })),
      ];
      sendJson(response, 200, { ...messageShell(id, model, usage), content, stop_reason: stopReason, usage: usageBody(usage) });
      return;
    }

    const send = async (type: string, body: Record<string, unknown>) => {
      writeEvent(response, JSON.stringify({ type, ...body }), type);
      await pause(script.chunkDelayMs ?? 0, clientGone);
    };
    startStream(response);
    // message_start reports the input side; output_tokens there is a placeholder, as in the real API.
    await send('message_start', { message: messageShell(id, model, { ...usage, output_tokens: 1 }) });
    writeEvent(response, JSON.stringify({ type: 'ping' }), 'ping');
    let index = 0;
    if (script.content) {
      await send('content_block_start', { index, content_block: { type: 'text', text: '', citations: null } });
      for (const piece of wordPieces(script.content)) await send('content_block_delta', { index, delta: { type: 'text_delta', text: piece } });
      await send('content_block_stop', { index });
      index++;
    }
    for (const use of toolUses) {
      await send('content_block_start', { index, content_block: { type: 'tool_use', id: use.id, name: use.name, input: {}, caller: { type: 'direct' } } });
      for (const part of fragments(JSON.stringify(use.input))) {
        await send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: part } });
      }
      await send('content_block_stop', { index });
      index++;
    }
    await send('message_delta', {
      delta: { stop_reason: stopReason, stop_sequence: null, stop_details: null, container: null },
      usage: {
        output_tokens: usage.output_tokens,
        input_tokens: usage.input_tokens,
        cache_read_input_tokens: usage.cache_read_input_tokens ?? 0,
        cache_creation_input_tokens: usage.cache_creation_input_tokens ?? 0,
        output_tokens_details: usage.thinking_tokens === undefined ? null : { thinking_tokens: usage.thinking_tokens },
        server_tool_use: null,
      },
    });
    await send('message_stop', {});
    response.end();
  });

  return Object.assign(server, {
    url: server.origin,
    messageRequests: () => server.requests.filter((r) => r.path.startsWith('/v1/messages')),
  });
}

function messageShell(id: string, model: string, usage: AnthropicUsageScript) {
  return {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content: [],
    container: null,
    diagnostics: null,
    stop_reason: null,
    stop_sequence: null,
    stop_details: null,
    usage: usageBody(usage),
  };
}

function usageBody(usage: AnthropicUsageScript) {
  return {
    input_tokens: usage.input_tokens,
    output_tokens: usage.output_tokens,
    cache_read_input_tokens: usage.cache_read_input_tokens ?? 0,
    cache_creation_input_tokens: usage.cache_creation_input_tokens ?? 0,
    cache_creation: null,
    inference_geo: null,
    output_tokens_details: usage.thinking_tokens === undefined ? null : { thinking_tokens: usage.thinking_tokens },
    server_tool_use: null,
    service_tier: 'standard',
    speed: null,
  };
}

function startStream(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': 'req_fake_stream' });
  response.flushHeaders();
}

function sendError(response: ServerResponse, status: number, type: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(response, status, { type: 'error', error: { type, message } }, headers);
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}
