/**
 * Reading OpenAI's Responses API (`POST /responses`) and embeddings (`POST /embeddings`).
 *
 * A response stream ends with the whole response (`response.completed`, `.incomplete` or
 * `.failed`), usage included; its text deltas only matter when the stream is cut short.
 * Embeddings keep the shape of the answer (how many vectors, of which size), not the vectors:
 * they are large, and unreadable in a trace.
 */
import { at, count, isRecord, providerErrorMessage, text, type JsonObject } from './fields';
import type { Observation, ReplyObserver } from './types';
import { responsesUsage } from './usage';

/** Stream events that carry the finished response object. */
const FINAL_EVENTS = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/** Stream events whose delta is output the user waits for. */
const OUTPUT_DELTAS = new Set([
  'response.output_text.delta',
  'response.refusal.delta',
  'response.function_call_arguments.delta',
  'response.reasoning_summary_text.delta',
]);

/**
 * @example
 * const observer = new ResponsesObserver();
 * for await (const event of stream) observer.event(event);
 * observer.observation(); // { model, usage, output: { role: 'assistant', content: '…' }, finishReason: 'completed' }
 */
export class ResponsesObserver implements ReplyObserver {
  private seen: Observation = {};
  /** Text streamed so far, for a stream that ends before its final event. */
  private partialText = '';
  complete = false;

  reply(body: unknown): void {
    if (isRecord(body) && isRecord(body.error) && body.object !== 'response') {
      this.seen.errorMessage = providerErrorMessage(body);
      return;
    }
    this.observeResponse(body);
  }

  event(payload: unknown, name?: string): boolean {
    if (!isRecord(payload)) return false;
    const type = text(payload.type) ?? name ?? '';
    if (type === 'response.output_text.delta') this.partialText += text(payload.delta) ?? '';
    if (OUTPUT_DELTAS.has(type)) return true;
    if (type === 'response.created' || type === 'response.in_progress') this.seen.model ??= text(at(payload, 'response')?.model);
    else if (FINAL_EVENTS.has(type)) {
      this.observeResponse(payload.response);
      this.complete = true;
    } else if (type === 'error') this.seen.errorMessage = text(payload.message) ?? providerErrorMessage(payload) ?? 'The stream reported an error.';
    return false;
  }

  observation(): Observation {
    const output = this.seen.output ?? (this.partialText ? { role: 'assistant', content: this.partialText } : undefined);
    return { ...this.seen, output };
  }

  private observeResponse(response: unknown): void {
    if (!isRecord(response)) return;
    this.seen.model = text(response.model) ?? this.seen.model;
    this.seen.usage = responsesUsage(response.usage) ?? this.seen.usage;
    if (Array.isArray(response.output)) this.seen.output = messageOf(response.output);
    const status = text(response.status);
    const reason = text(at(response, 'incomplete_details')?.reason);
    this.seen.finishReason = reason ? `${status ?? 'incomplete'}: ${reason}` : status;
    if (status === 'failed') this.seen.errorMessage = text(at(response, 'error')?.message) ?? 'The response failed.';
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

/**
 * An embeddings reply: the model, the input tokens, and how many vectors of which size (or
 * `encoding: 'base64'`). A reply only partly read (`truncated: true`, its tail) keeps model and usage.
 */
export class EmbeddingsObserver implements ReplyObserver {
  private seen: Observation = {};
  readonly complete = true;

  reply(body: unknown): void {
    if (!isRecord(body)) return;
    if (isRecord(body.error)) {
      this.seen = { errorMessage: providerErrorMessage(body) };
      return;
    }
    const usage = isRecord(body.usage) ? body.usage : undefined;
    const vectors = Array.isArray(body.data) ? body.data.filter(isRecord) : [];
    const first = vectors[0]?.embedding;
    // The openai SDK may hand back decoded vectors as typed arrays.
    const dimensions = Array.isArray(first) || ArrayBuffer.isView(first) ? (first as ArrayLike<unknown>).length : undefined;
    this.seen = {
      model: text(body.model),
      // Embeddings produce no tokens: 0 output tokens is the provider's own count, not a guess.
      usage: usage ? { inputTokens: count(usage.prompt_tokens), outputTokens: 0 } : undefined,
      output:
        body.truncated === true
          ? { truncated: true }
          : {
              embeddings: vectors.length,
              ...(dimensions !== undefined ? { dimensions } : typeof first === 'string' ? { encoding: 'base64' } : {}),
            },
    };
  }

  event(): boolean {
    return false;
  }

  observation(): Observation {
    return this.seen;
  }
}
