/**
 * A local stand-in for the OpenAI endpoints beside Chat Completions that the proxy serves:
 * `POST /v1/embeddings`, `POST /v1/responses` (JSON, or the Responses API's typed SSE events ending
 * in `response.completed` with usage) and `GET /v1/models`, plus scripted failures. Chat
 * Completions stay in `openai-server.ts`.
 *
 * @example
 * const fake = await startFakeOpenAIPlatform();
 * fake.enqueue({ kind: 'response', content: 'Hi', usage: { input_tokens: 9, output_tokens: 1 } });
 * const client = new OpenAI({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 });
 */
import type { ServerResponse } from 'node:http';
import { fragments, pause, startFakeServer, wordPieces, writeEvent, type FakeServer } from './fake-server';

export interface ResponsesUsageScript {
  input_tokens: number;
  output_tokens: number;
  cached_tokens?: number;
  reasoning_tokens?: number;
}

export type OpenAIPlatformScript =
  | { kind: 'embeddings'; dimensions?: number; promptTokens?: number }
  | {
      kind: 'response';
      content?: string;
      functionCalls?: Array<{ name: string; arguments: Record<string, unknown> }>;
      usage?: ResponsesUsageScript;
      /** Reported model. Default: the requested model with a date suffix. */
      model?: string;
      chunkDelayMs?: number;
    }
  | { kind: 'models' }
  | { kind: 'error'; status: number; message?: string };

export interface FakeOpenAIPlatform extends FakeServer<OpenAIPlatformScript> {
  /** Base URL for the SDK: `http://127.0.0.1:<port>/v1`. */
  url: string;
}

export async function startFakeOpenAIPlatform(): Promise<FakeOpenAIPlatform> {
  let sequence = 0;
  const server = await startFakeServer<OpenAIPlatformScript>(async (script, request, response, clientGone) => {
    const id = ++sequence;
    const model = String(request.body?.model ?? 'unknown');
    if (script.kind === 'error') {
      sendJson(response, script.status, { error: { message: script.message ?? `fake error ${script.status}`, type: 'invalid_request_error', param: null, code: null } });
    } else if (script.kind === 'models' && request.method === 'GET' && request.path === '/v1/models') {
      sendJson(response, 200, { object: 'list', data: [{ id: 'gpt-4o-mini', object: 'model', created: 1721172741, owned_by: 'system' }] });
    } else if (script.kind === 'embeddings' && request.path === '/v1/embeddings') {
      const inputs: unknown[] = Array.isArray(request.body?.input) ? request.body.input : [request.body?.input];
      const dimensions = script.dimensions ?? 8;
      sendJson(response, 200, {
        object: 'list',
        data: inputs.map((_, index) => ({ object: 'embedding', index, embedding: Array.from({ length: dimensions }, (__, d) => (index + 1) / (d + 2)) })),
        model: `${model}-v1`,
        usage: { prompt_tokens: script.promptTokens ?? 7, total_tokens: script.promptTokens ?? 7 },
      });
    } else if (script.kind === 'response' && request.path === '/v1/responses') {
      const final = finalResponse(`resp_fake${id}`, script, model, request.body?.instructions ?? null);
      if (!request.body?.stream) return sendJson(response, 200, final);
      await streamResponse(response, final, script, clientGone);
    } else {
      sendJson(response, 404, { error: { message: `fake: no route ${request.method} ${request.path} for ${script.kind}`, type: 'invalid_request_error', param: null, code: null } });
    }
  });
  return Object.assign(server, { url: `${server.origin}/v1` });
}

type ResponseScript = Extract<OpenAIPlatformScript, { kind: 'response' }>;

function finalResponse(id: string, script: ResponseScript, requestedModel: string, instructions: unknown) {
  const usage = script.usage ?? { input_tokens: 11, output_tokens: 4 };
  const output: unknown[] = [];
  if (script.content !== undefined) {
    output.push({ id: `msg_${id}`, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: script.content, annotations: [] }] });
  }
  for (const [index, call] of (script.functionCalls ?? []).entries()) {
    output.push({ id: `fc_${id}_${index}`, type: 'function_call', status: 'completed', call_id: `call_${id}_${index}`, name: call.name, arguments: JSON.stringify(call.arguments) });
  }
  return {
    id,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: 'completed',
    error: null,
    incomplete_details: null,
    instructions,
    model: script.model ?? `${requestedModel}-2025-04-14`,
    output,
    parallel_tool_calls: true,
    temperature: 1,
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    usage: {
      input_tokens: usage.input_tokens,
      input_tokens_details: { cached_tokens: usage.cached_tokens ?? 0 },
      output_tokens: usage.output_tokens,
      output_tokens_details: { reasoning_tokens: usage.reasoning_tokens ?? 0 },
      total_tokens: usage.input_tokens + usage.output_tokens,
    },
    metadata: {},
  };
}

/** The Responses API's event sequence for `final`: created, items with their deltas, completed. */
async function streamResponse(response: ServerResponse, final: ReturnType<typeof finalResponse>, script: ResponseScript, clientGone: Promise<void>) {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'x-request-id': `req_${final.id}` });
  response.flushHeaders();
  let sequence = 0;
  const send = async (type: string, body: Record<string, unknown>) => {
    writeEvent(response, JSON.stringify({ type, sequence_number: sequence++, ...body }), type);
    await pause(script.chunkDelayMs ?? 0, clientGone);
  };
  const pending = { ...final, status: 'in_progress', output: [], usage: null };
  await send('response.created', { response: pending });
  await send('response.in_progress', { response: pending });
  for (const [outputIndex, item] of (final.output as Array<Record<string, any>>).entries()) {
    if (item.type === 'message') {
      await send('response.output_item.added', { output_index: outputIndex, item: { ...item, status: 'in_progress', content: [] } });
      await send('response.content_part.added', { item_id: item.id, output_index: outputIndex, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
      for (const piece of wordPieces(item.content[0].text)) {
        await send('response.output_text.delta', { item_id: item.id, output_index: outputIndex, content_index: 0, delta: piece, logprobs: [] });
      }
      await send('response.output_text.done', { item_id: item.id, output_index: outputIndex, content_index: 0, text: item.content[0].text, logprobs: [] });
      await send('response.content_part.done', { item_id: item.id, output_index: outputIndex, content_index: 0, part: item.content[0] });
    } else {
      await send('response.output_item.added', { output_index: outputIndex, item: { ...item, status: 'in_progress', arguments: '' } });
      for (const part of fragments(item.arguments)) {
        await send('response.function_call_arguments.delta', { item_id: item.id, output_index: outputIndex, delta: part });
      }
      await send('response.function_call_arguments.done', { item_id: item.id, output_index: outputIndex, arguments: item.arguments });
    }
    await send('response.output_item.done', { output_index: outputIndex, item });
  }
  await send('response.completed', { response: final });
  response.end();
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'req_platform' });
  response.end(JSON.stringify(body));
}
