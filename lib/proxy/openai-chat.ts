/**
 * OpenAI `POST /chat/completions`, JSON and streamed.
 *
 * A stream reports tokens only when the request sets `stream_options.include_usage`. When the
 * client did not, the proxy sets it upstream and then hides its effects, so the client receives
 * what it asked for: the extra final chunk (`choices: []` with `usage`) is dropped, and the
 * `"usage":null` the option adds to every other chunk is taken out again.
 */
import { providerErrorMessage } from './errors';
import { at, count, eventJson, isRecord, scalarParameters, text, type JsonObject } from './fields';
import type { CallObservation, EventVerdict, PreparedCall, ResponseRecorder, SseEvent, TokenUsage, TracedOperation } from './types';

/** Request keys stored as the span's input rather than among its parameters. */
const CONTENT_KEYS = ['messages'];

/** `"usage":null` as a top-level member, with the comma that joins it to its neighbour. */
const USAGE_NULL = /,\s*"usage"\s*:\s*null(?=\s*[,}])|"usage"\s*:\s*null\s*,/g;

export const chatCompletions: TracedOperation = {
  spanName: 'openai.chat.completions',
  operationType: 'llm_call',
  prepare(raw, json): PreparedCall {
    const stream = json?.stream === true;
    const addUsage = stream && json !== undefined && needsUsageOption(json);
    return {
      body: addUsage ? withUsageOption(raw, json) : raw,
      stream,
      model: text(json?.model),
      input: json ? { messages: json.messages, ...(json.tools !== undefined ? { tools: json.tools } : {}) } : undefined,
      parameters: scalarParameters(json, CONTENT_KEYS),
      recorder: new ChatRecorder(addUsage),
      rewritesEvents: addUsage,
    };
  },
};

/** Streams that would report no usage: no `stream_options`, or one without `include_usage: true`. */
function needsUsageOption(body: JsonObject): boolean {
  const options = body.stream_options;
  if (options === undefined || options === null) return true;
  return isRecord(options) && options.include_usage !== true;
}

/**
 * The request with `include_usage` on. When the body has no `stream_options` the member is
 * spliced in after the opening brace, leaving every other byte as sent (a re-serialisation could
 * round large integers); otherwise the object is merged and serialised again.
 */
function withUsageOption(raw: Uint8Array, body: JsonObject): string {
  if (body.stream_options === undefined) {
    const source = new TextDecoder().decode(raw);
    const brace = source.indexOf('{');
    return `${source.slice(0, brace + 1)}"stream_options":{"include_usage":true},${source.slice(brace + 1)}`;
  }
  const options = isRecord(body.stream_options) ? body.stream_options : {};
  return JSON.stringify({ ...body, stream_options: { ...options, include_usage: true } });
}

export function chatUsage(usage: unknown): TokenUsage | undefined {
  if (!isRecord(usage)) return undefined;
  return {
    inputTokens: count(usage.prompt_tokens),
    outputTokens: count(usage.completion_tokens),
    cachedInputTokens: count(at(usage, 'prompt_tokens_details')?.cached_tokens),
    reasoningTokens: count(at(usage, 'completion_tokens_details')?.reasoning_tokens),
  };
}

interface ToolCallParts {
  id?: string;
  type: string;
  name: string;
  arguments: string;
}

interface ChoiceParts {
  content: string;
  refusal: string;
  toolCalls: Map<number, ToolCallParts>;
  finishReason?: string;
}

class ChatRecorder implements ResponseRecorder {
  private model?: string;
  private usage?: TokenUsage;
  private errorMessage?: string;
  /** The answer of a JSON reply, as sent. */
  private messages?: unknown[];
  private finishReason?: string;
  /** The answer of a stream, per choice index, as its deltas arrive. */
  private readonly choices = new Map<number, ChoiceParts>();

  constructor(private readonly usageAddedByProxy: boolean) {}

  json(body: unknown): void {
    if (!isRecord(body)) return;
    this.model = text(body.model);
    this.usage = chatUsage(body.usage);
    this.errorMessage = isRecord(body.error) ? providerErrorMessage(body) : undefined;
    const choices = Array.isArray(body.choices) ? body.choices.filter(isRecord) : [];
    this.messages = choices.map((choice) => choice.message);
    this.finishReason = text(choices[0]?.finish_reason);
  }

  event(event: SseEvent, rawText: () => string): EventVerdict {
    if (event.data === '[DONE]') return 'pass';
    const chunk = eventJson(event.data);
    if (isRecord(chunk.error)) {
      this.errorMessage = providerErrorMessage(chunk) ?? 'The stream reported an error.';
      return 'pass';
    }
    this.model ??= text(chunk.model);
    if (isRecord(chunk.usage)) this.usage = chatUsage(chunk.usage);
    const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
    if (this.usageAddedByProxy && choices.length === 0 && isRecord(chunk.usage)) return 'drop';
    let output = false;
    for (const choice of choices) if (isRecord(choice) && this.addDelta(choice)) output = true;
    if (this.usageAddedByProxy && chunk.usage === null) {
      const rewritten = withoutUsageNull(rawText());
      if (rewritten !== undefined) return { rewrite: rewritten, output };
    }
    return output ? 'output' : 'pass';
  }

  observation(): CallObservation {
    const messages = this.messages ?? [...this.choices.entries()].sort(([a], [b]) => a - b).map(([, parts]) => assembled(parts));
    const first = this.choices.values().next().value as ChoiceParts | undefined;
    return {
      model: this.model,
      usage: this.usage,
      output: messages.length === 0 ? undefined : messages.length === 1 ? messages[0] : messages,
      errorMessage: this.errorMessage,
      finishReason: this.finishReason ?? first?.finishReason,
    };
  }

  /** Adds one choice's delta; true when it carried output (text, refusal or a tool call). */
  private addDelta(choice: JsonObject): boolean {
    const index = count(choice.index) ?? 0;
    let parts = this.choices.get(index);
    if (!parts) this.choices.set(index, (parts = { content: '', refusal: '', toolCalls: new Map() }));
    const finish = text(choice.finish_reason);
    if (finish) parts.finishReason = finish;
    const delta = at(choice, 'delta');
    if (!delta) return false;
    let output = false;
    const content = text(delta.content);
    if (content) {
      parts.content += content;
      output = true;
    }
    const refusal = text(delta.refusal);
    if (refusal) {
      parts.refusal += refusal;
      output = true;
    }
    for (const call of Array.isArray(delta.tool_calls) ? delta.tool_calls.filter(isRecord) : []) {
      const callIndex = count(call.index) ?? 0;
      let toolCall = parts.toolCalls.get(callIndex);
      if (!toolCall) parts.toolCalls.set(callIndex, (toolCall = { type: 'function', name: '', arguments: '' }));
      toolCall.id ??= text(call.id);
      toolCall.type = text(call.type) ?? toolCall.type;
      const fn = at(call, 'function');
      toolCall.name += text(fn?.name) ?? '';
      toolCall.arguments += text(fn?.arguments) ?? '';
      output = true;
    }
    return output;
  }
}

/** A streamed choice as the message a JSON reply would have held. */
function assembled(parts: ChoiceParts): JsonObject {
  const message: JsonObject = { role: 'assistant', content: parts.content || null };
  if (parts.refusal) message.refusal = parts.refusal;
  if (parts.toolCalls.size > 0) {
    message.tool_calls = [...parts.toolCalls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, call]) => ({ id: call.id, type: call.type, function: { name: call.name, arguments: call.arguments } }));
  }
  return message;
}

/** The event's text without its top-level `"usage":null` member (the last one: nested objects come first). */
function withoutUsageNull(raw: string): string | undefined {
  let last: RegExpExecArray | undefined;
  for (const match of raw.matchAll(USAGE_NULL)) last = match;
  if (!last || last.index === undefined) return undefined;
  return raw.slice(0, last.index) + raw.slice(last.index + last[0].length);
}
