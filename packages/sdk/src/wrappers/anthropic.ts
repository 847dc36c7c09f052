/**
 * `wrapAnthropic`: tracing for the official `@anthropic-ai/sdk` client, without depending on it.
 * Streams always report usage (the input side in `message_start`, cumulative counts in
 * `message_delta`). Anthropic's `input_tokens` leaves out cache reads and writes; the span's
 * input count includes them, as the price table expects.
 */
import { reportError } from '../diag';
import { traceMethod } from './call';
import type { CallRecorder, Observation, TokenUsage, TracedMethod, WrapOptions } from './types';
import { at, count, isRecord, snapshot, text, type JsonObject } from './fields';

export const messagesMethod: TracedMethod = {
  spanName: 'anthropic.messages',
  operationType: 'llm_call',
  provider: 'anthropic',
  contentKeys: ['messages', 'system'],
  input: (body) => ({
    messages: snapshot(body.messages),
    ...(body.system !== undefined ? { system: body.system } : {}),
    ...(body.tools !== undefined ? { tools: body.tools } : {}),
  }),
  recorder: () => new MessagesRecorder(),
};

/**
 * Traces an `@anthropic-ai/sdk` client's `messages.create` (and the helpers built on it, such as
 * `messages.stream()`): each call becomes an `llm_call` span with the model, the messages, the
 * answer with its `tool_use` blocks, the token counts (cache reads as cached input tokens), the
 * time to first token of a stream, and the error of a failed call. Spans nest under the current
 * `observe`/`withSpan` span.
 *
 * The client is traced in place and returned, with its type: calls return exactly what they
 * returned before (the same `APIPromise`, so `.withResponse()` and `.asResponse()` work, and the
 * same stream), and throw the same errors. A stream's span ends when the stream is read to the
 * end, broken off or aborted. Wrapping a client twice traces it once.
 *
 * @example
 * import Anthropic from '@anthropic-ai/sdk';
 * import { init, wrapAnthropic } from '@llmtrace/sdk';
 * init();
 * const anthropic = wrapAnthropic(new Anthropic());
 * const message = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 1024, messages });
 */
export function wrapAnthropic<T>(client: T, options?: WrapOptions): T {
  try {
    traceMethod((client as { messages?: unknown } | null | undefined)?.messages, messagesMethod, options);
  } catch (error) {
    reportError('wrapAnthropic() could not trace the client', error);
  }
  return client;
}

const USAGE_KEYS = ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'] as const;
type UsageFields = Partial<Record<(typeof USAGE_KEYS)[number] | 'thinking_tokens', number>>;

/** Anthropic usage fields → the span's counts. */
function messageUsage(usage: UsageFields): TokenUsage {
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  return {
    inputTokens: usage.input_tokens === undefined ? undefined : usage.input_tokens + cacheRead + cacheWrite,
    outputTokens: usage.output_tokens,
    cachedInputTokens: usage.cache_read_input_tokens,
    reasoningTokens: usage.thinking_tokens,
  };
}

/** Merges one usage object into `into` (later counts, from message_delta, win); false when there is none. */
function mergeUsage(into: UsageFields, usage: unknown): boolean {
  if (!isRecord(usage)) return false;
  for (const key of USAGE_KEYS) {
    const value = count(usage[key]);
    if (value !== undefined) into[key] = value;
  }
  const thinking = count(at(usage, 'output_tokens_details')?.thinking_tokens);
  if (thinking !== undefined) into.thinking_tokens = thinking;
  return true;
}

/** A content block being streamed; tool input arrives as JSON text in pieces. */
type StreamedBlock = JsonObject & { partialJson?: string };

class MessagesRecorder implements CallRecorder {
  private model?: string;
  private readonly usage: UsageFields = {};
  private sawUsage = false;
  private content?: unknown;
  private readonly blocks = new Map<number, StreamedBlock>();
  private finishReason?: string;
  complete = false;

  result(body: unknown): void {
    if (!isRecord(body)) return;
    this.model = text(body.model);
    this.sawUsage = mergeUsage(this.usage, body.usage);
    this.content = body.content;
    this.finishReason = text(body.stop_reason);
  }

  chunk(event: unknown): boolean {
    if (!isRecord(event)) return false;
    switch (event.type) {
      case 'message_start': {
        const message = at(event, 'message');
        this.model = text(message?.model);
        if (mergeUsage(this.usage, message?.usage)) this.sawUsage = true;
        return false;
      }
      case 'content_block_start': {
        const block = at(event, 'content_block');
        if (block) this.blocks.set(count(event.index) ?? this.blocks.size, { ...block });
        return false;
      }
      case 'content_block_delta':
        return this.addDelta(count(event.index) ?? 0, at(event, 'delta'));
      case 'content_block_stop': {
        const block = this.blocks.get(count(event.index) ?? 0);
        if (block) settleInput(block);
        return false;
      }
      case 'message_delta':
        this.finishReason = text(at(event, 'delta')?.stop_reason) ?? this.finishReason;
        if (this.finishReason) this.complete = true;
        if (mergeUsage(this.usage, event.usage)) this.sawUsage = true;
        return false;
      case 'message_stop':
        this.complete = true;
        return false;
      default:
        return false;
    }
  }

  observation(): Observation {
    let content = this.content;
    if (content === undefined && this.blocks.size > 0) {
      content = [...this.blocks.entries()].sort(([a], [b]) => a - b).map(([, block]) => settleInput({ ...block }));
    }
    return {
      model: this.model,
      usage: this.sawUsage ? messageUsage(this.usage) : undefined,
      output: content === undefined ? undefined : { role: 'assistant', content },
      finishReason: this.finishReason,
    };
  }

  /** Adds one block delta; true when it carried output. */
  private addDelta(index: number, delta: JsonObject | undefined): boolean {
    const block = this.blocks.get(index);
    if (!block || !delta) return false;
    switch (delta.type) {
      case 'text_delta':
        block.text = (text(block.text) ?? '') + (text(delta.text) ?? '');
        return true;
      case 'thinking_delta':
        block.thinking = (text(block.thinking) ?? '') + (text(delta.thinking) ?? '');
        return true;
      case 'input_json_delta':
        block.partialJson = (block.partialJson ?? '') + (text(delta.partial_json) ?? '');
        return true;
      case 'citations_delta':
        block.citations = [...(Array.isArray(block.citations) ? block.citations : []), delta.citation];
        return false;
      default:
        return false;
    }
  }
}

/** Turns a tool block's streamed JSON text into its `input` (kept as text when it does not parse yet). */
function settleInput(block: StreamedBlock): StreamedBlock {
  if (block.partialJson === undefined) return block;
  try {
    block.input = block.partialJson === '' ? {} : JSON.parse(block.partialJson);
  } catch {
    block.input = block.partialJson;
  }
  delete block.partialJson;
  return block;
}
