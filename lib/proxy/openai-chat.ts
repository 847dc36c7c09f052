/**
 * OpenAI `POST /chat/completions`, JSON and streamed.
 *
 * A stream reports tokens only when the request sets `stream_options.include_usage`. When the
 * client did not, the proxy sets it upstream and then hides its effects, so the client receives
 * what it asked for: the extra final chunk (`choices: []` with `usage`) is dropped, and the
 * `"usage":null` the option adds to every other chunk is taken out again.
 */
import { ChatCompletionObserver, isRecord, scalarParameters, text, type JsonObject } from '@llmtrace/sdk/providers';
import { eventJson } from './fields';
import { ObservedReply } from './recorder';
import type { EventVerdict, PreparedCall, SseEvent, TracedOperation } from './types';

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

/**
 * The chat observer, plus what the proxy hides when it switched usage reporting on: the final
 * usage-only chunk is dropped, and `"usage":null` is taken out of every other chunk.
 */
class ChatRecorder extends ObservedReply {
  constructor(private readonly usageAddedByProxy: boolean) {
    super(new ChatCompletionObserver());
  }

  event(event: SseEvent, rawText: () => string): EventVerdict {
    if (event.data === '[DONE]') return 'pass';
    const chunk = eventJson(event.data);
    const output = this.observer.event(chunk);
    if (this.usageAddedByProxy && !isRecord(chunk.error)) {
      const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
      if (choices.length === 0 && isRecord(chunk.usage)) return 'drop';
      if (chunk.usage === null) {
        const rewritten = withoutUsageNull(rawText());
        if (rewritten !== undefined) return { rewrite: rewritten, output };
      }
    }
    return output ? 'output' : 'pass';
  }
}

/** The event's text without its top-level `"usage":null` member (the last one: nested objects come first). */
function withoutUsageNull(raw: string): string | undefined {
  let last: RegExpExecArray | undefined;
  for (const match of raw.matchAll(USAGE_NULL)) last = match;
  if (!last || last.index === undefined) return undefined;
  return raw.slice(0, last.index) + raw.slice(last.index + last[0].length);
}
