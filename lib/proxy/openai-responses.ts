/**
 * OpenAI `POST /responses` (the Responses API), JSON and streamed. A stream always ends with the
 * whole response (`response.completed`, `.incomplete` or `.failed`), usage included, so nothing is
 * added to the request; the text deltas only matter when a stream is cut short.
 */
import { providerErrorMessage } from './errors';
import { at, count, eventJson, isRecord, scalarParameters, text, type JsonObject } from './fields';
import type { CallObservation, EventVerdict, PreparedCall, ResponseRecorder, SseEvent, TokenUsage, TracedOperation } from './types';

/** Request keys stored as the span's input rather than among its parameters. */
const CONTENT_KEYS = ['input', 'instructions'];

/** Stream events that carry the finished response object. */
const FINAL_EVENTS = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/** Stream events whose delta is output the user waits for. */
const OUTPUT_DELTAS = new Set(['response.output_text.delta', 'response.refusal.delta', 'response.function_call_arguments.delta', 'response.reasoning_summary_text.delta']);

export const responses: TracedOperation = {
  spanName: 'openai.responses',
  operationType: 'llm_call',
  prepare(raw, json): PreparedCall {
    return {
      body: raw,
      stream: json?.stream === true,
      model: text(json?.model),
      input: json ? inputOf(json) : undefined,
      parameters: scalarParameters(json, CONTENT_KEYS),
      recorder: new ResponsesRecorder(),
      rewritesEvents: false,
    };
  },
};

/** The request as a conversation: `input` (a string or a list of items) after the `instructions`. */
function inputOf(body: JsonObject): JsonObject {
  const input = body.input;
  const messages = typeof input === 'string' ? [{ role: 'user', content: input }] : input;
  return {
    messages,
    ...(typeof body.instructions === 'string' ? { system: body.instructions } : {}),
    ...(body.tools !== undefined ? { tools: body.tools } : {}),
  };
}

function responseUsage(usage: unknown): TokenUsage | undefined {
  if (!isRecord(usage)) return undefined;
  return {
    inputTokens: count(usage.input_tokens),
    outputTokens: count(usage.output_tokens),
    cachedInputTokens: count(at(usage, 'input_tokens_details')?.cached_tokens),
    reasoningTokens: count(at(usage, 'output_tokens_details')?.reasoning_tokens),
  };
}

class ResponsesRecorder implements ResponseRecorder {
  private model?: string;
  private usage?: TokenUsage;
  private output?: unknown;
  private errorMessage?: string;
  private finishReason?: string;
  /** Text streamed so far, for a stream that ends before its final event. */
  private partialText = '';

  json(body: unknown): void {
    if (isRecord(body) && isRecord(body.error) && body.object !== 'response') {
      this.errorMessage = providerErrorMessage(body);
      return;
    }
    this.observeResponse(body);
  }

  event(event: SseEvent): EventVerdict {
    const payload = eventJson(event.data);
    const type = text(payload.type) ?? event.event;
    if (type === 'response.output_text.delta') this.partialText += text(payload.delta) ?? '';
    if (OUTPUT_DELTAS.has(type)) return 'output';
    if (type === 'response.created' || type === 'response.in_progress') this.model ??= text(at(payload, 'response')?.model);
    else if (FINAL_EVENTS.has(type)) this.observeResponse(payload.response);
    else if (type === 'error') this.errorMessage = text(payload.message) ?? providerErrorMessage(payload) ?? 'The stream reported an error.';
    return 'pass';
  }

  observation(): CallObservation {
    const output = this.output ?? (this.partialText ? { role: 'assistant', content: this.partialText } : undefined);
    return { model: this.model, usage: this.usage, output, errorMessage: this.errorMessage, finishReason: this.finishReason };
  }

  private observeResponse(response: unknown): void {
    if (!isRecord(response)) return;
    this.model = text(response.model) ?? this.model;
    this.usage = responseUsage(response.usage) ?? this.usage;
    if (Array.isArray(response.output)) this.output = messageOf(response.output);
    const status = text(response.status);
    const reason = text(at(response, 'incomplete_details')?.reason);
    this.finishReason = reason ? `${status ?? 'incomplete'}: ${reason}` : status;
    if (status === 'failed') this.errorMessage = text(at(response, 'error')?.message) ?? 'The response failed.';
  }
}

/**
 * The response's output items as one assistant message: its text, its function calls as
 * `tool_calls`, and any other items (reasoning, built-in tool calls) as they came.
 */
function messageOf(items: unknown[]): JsonObject {
  let content = '';
  const toolCalls: JsonObject[] = [];
  const other: unknown[] = [];
  for (const item of items) {
    if (!isRecord(item)) continue;
    if (item.type === 'message' && Array.isArray(item.content)) {
      for (const part of item.content) {
        if (isRecord(part)) content += text(part.text) ?? text(part.refusal) ?? '';
      }
    } else if (item.type === 'function_call') {
      toolCalls.push({ id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments } });
    } else other.push(item);
  }
  return {
    role: 'assistant',
    content: content || null,
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
    ...(other.length > 0 ? { other_output: other } : {}),
  };
}
