/**
 * A local stand-in for the OpenAI Chat Completions API, close enough to the wire protocol for the
 * official `openai` SDK: JSON completions, SSE streams (`data: {chunk}` … `data: [DONE]`, with the
 * final usage chunk when `stream_options.include_usage` is set), streamed tool-call fragments,
 * usage with cached and reasoning tokens, and scripted failures.
 *
 * @example
 * const fake = await startFakeOpenAI();
 * fake.enqueue({ kind: 'reply', content: 'Hello there', usage: { prompt_tokens: 10, completion_tokens: 2 } });
 * const client = new OpenAI({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 });
 */
import type { ServerResponse } from 'node:http';
import { fragments, pause, startFakeServer, wordPieces, writeEvent, type FakeServer, type RecordedRequest } from './fake-server';

export interface OpenAIUsageScript {
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens?: number;
  reasoning_tokens?: number;
}

export type OpenAIScript =
  /** A completion; JSON or a stream, as the request asks. */
  | {
      kind: 'reply';
      content?: string;
      toolCalls?: Array<{ id?: string; name: string; arguments: string | Record<string, unknown> }>;
      /** null: report no usage at all (some compatible servers). Default: a small fixed usage. */
      usage?: OpenAIUsageScript | null;
      /** Reported model name. Default: the requested model with a date suffix. */
      model?: string;
      finishReason?: string;
      /** Wait before the first streamed chunk (or the JSON body). */
      firstChunkDelayMs?: number;
      /** Wait between streamed chunks. */
      chunkDelayMs?: number;
    }
  /** An HTTP error in OpenAI's error shape. */
  | { kind: 'error'; status: number; message?: string; code?: string; retryAfter?: string }
  /** A stream that sends the first `afterChunks` content chunks of `content`, then goes silent. */
  | { kind: 'stall'; content: string; afterChunks: number };

export interface FakeOpenAI extends FakeServer<OpenAIScript> {
  /** Base URL for the SDK: `http://127.0.0.1:<port>/v1`. */
  url: string;
  /** Bodies of the chat completion requests received. */
  chatRequests(): RecordedRequest[];
}

const DEFAULT_USAGE: OpenAIUsageScript = { prompt_tokens: 12, completion_tokens: 5 };

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  let sequence = 0;
  const server = await startFakeServer<OpenAIScript>(async (script, request, response, clientGone) => {
    if (request.method !== 'POST' || !request.path.startsWith('/v1/chat/completions')) {
      sendJson(response, 404, { error: { message: `fake: no route ${request.method} ${request.path}`, type: 'invalid_request_error', param: null, code: null } });
      return;
    }
    const id = `chatcmpl-fake${++sequence}`;
    const requestedModel = String(request.body?.model ?? 'unknown');

    if (script.kind === 'error') {
      const headers: Record<string, string> = { 'x-request-id': `req_${sequence}` };
      if (script.retryAfter !== undefined) headers['retry-after'] = script.retryAfter;
      sendJson(
        response,
        script.status,
        { error: { message: script.message ?? `fake error ${script.status}`, type: script.status === 429 ? 'requests' : 'server_error', param: null, code: script.code ?? null } },
        headers,
      );
      return;
    }

    if (script.kind === 'stall') {
      startStream(response);
      const pieces = wordPieces(script.content).slice(0, script.afterChunks);
      writeEvent(response, JSON.stringify(chunk(id, requestedModel, { role: 'assistant', content: '' }, null)));
      for (const piece of pieces) writeEvent(response, JSON.stringify(chunk(id, requestedModel, { content: piece }, null)));
      // Silence until the client gives up; then close our side.
      await clientGone;
      response.end();
      return;
    }

    const model = script.model ?? `${requestedModel}-2024-07-18`;
    const toolCalls = (script.toolCalls ?? []).map((call, index) => ({
      id: call.id ?? `call_fake${sequence}_${index}`,
      name: call.name,
      arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
    }));
    const finishReason = script.finishReason ?? (toolCalls.length ? 'tool_calls' : 'stop');
    const usage = script.usage === null ? undefined : usageBody(script.usage ?? DEFAULT_USAGE);
    await pause(script.firstChunkDelayMs ?? 0, clientGone);

    if (!request.body?.stream) {
      sendJson(response, 200, {
        id,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model,
        system_fingerprint: 'fp_fake',
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: script.content ?? (toolCalls.length ? null : ''),
              refusal: null,
              ...(toolCalls.length
                ? { tool_calls: toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) }
                : {}),
            },
            logprobs: null,
            finish_reason: finishReason,
          },
        ],
        ...(usage ? { usage } : {}),
      });
      return;
    }

    const includeUsage = Boolean(request.body?.stream_options?.include_usage) && usage !== undefined;
    const send = async (delta: Record<string, unknown>, finish: string | null) => {
      writeEvent(response, JSON.stringify({ ...chunk(id, model, delta, finish), ...(includeUsage ? { usage: null } : {}) }));
      await pause(script.chunkDelayMs ?? 0, clientGone);
    };
    startStream(response);
    await send({ role: 'assistant', content: '' }, null);
    for (const piece of wordPieces(script.content ?? '')) await send({ content: piece }, null);
    for (const [index, call] of toolCalls.entries()) {
      await send({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }, null);
      for (const part of fragments(call.arguments)) await send({ tool_calls: [{ index, function: { arguments: part } }] }, null);
    }
    await send({}, finishReason);
    if (includeUsage) {
      writeEvent(response, JSON.stringify({ id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model, choices: [], usage }));
    }
    writeEvent(response, '[DONE]');
    response.end();
  });

  return Object.assign(server, {
    url: `${server.origin}/v1`,
    chatRequests: () => server.requests.filter((r) => r.path.startsWith('/v1/chat/completions')),
  });
}

function chunk(id: string, model: string, delta: Record<string, unknown>, finishReason: string | null) {
  return {
    id,
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model,
    system_fingerprint: 'fp_fake',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

function usageBody(usage: OpenAIUsageScript) {
  return {
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    total_tokens: usage.prompt_tokens + usage.completion_tokens,
    prompt_tokens_details: { cached_tokens: usage.cached_tokens ?? 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: usage.reasoning_tokens ?? 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

function startStream(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  response.flushHeaders();
}

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}
