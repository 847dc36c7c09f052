/**
 * Anthropic `POST /v1/messages`, JSON and streamed. Streams always report usage (input side in
 * `message_start`, cumulative counts in `message_delta`), so the request is forwarded as sent.
 * Anthropic's `input_tokens` leaves out cache reads and writes; the span's input count includes
 * them, as the price table expects.
 */
import { providerErrorMessage } from './errors';
import { at, count, eventJson, isRecord, scalarParameters, text, type JsonObject } from './fields';
import type { CallObservation, EventVerdict, PreparedCall, ResponseRecorder, SseEvent, TokenUsage, TracedOperation } from './types';

/** Request keys stored as the span's input rather than among its parameters. */
const CONTENT_KEYS = ['messages', 'system'];

export const messages: TracedOperation = {
  spanName: 'anthropic.messages',
  operationType: 'llm_call',
  prepare(raw, json): PreparedCall {
    return {
      body: raw,
      stream: json?.stream === true,
      model: text(json?.model),
      input: json
        ? { messages: json.messages, ...(json.system !== undefined ? { system: json.system } : {}), ...(json.tools !== undefined ? { tools: json.tools } : {}) }
        : undefined,
      parameters: scalarParameters(json, CONTENT_KEYS),
      recorder: new MessagesRecorder(),
      rewritesEvents: false,
    };
  },
};

type UsageFields = Partial<Record<'input_tokens' | 'output_tokens' | 'cache_read_input_tokens' | 'cache_creation_input_tokens', number>> & {
  thinking_tokens?: number;
};

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

/** Merges one usage object into `into`: later counts (message_delta) replace earlier ones. */
function mergeUsage(into: UsageFields, usage: unknown): boolean {
  if (!isRecord(usage)) return false;
  for (const key of ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'] as const) {
    const value = count(usage[key]);
    if (value !== undefined) into[key] = value;
  }
  const thinking = count(at(usage, 'output_tokens_details')?.thinking_tokens);
  if (thinking !== undefined) into.thinking_tokens = thinking;
  return true;
}

/** A content block being streamed; tool input arrives as JSON text in pieces. */
type StreamedBlock = JsonObject & { partialJson?: string };

class MessagesRecorder implements ResponseRecorder {
  private model?: string;
  private readonly usage: UsageFields = {};
  private sawUsage = false;
  private content?: unknown;
  private readonly blocks = new Map<number, StreamedBlock>();
  private errorMessage?: string;
  private finishReason?: string;

  json(body: unknown): void {
    if (!isRecord(body)) return;
    if (body.type === 'error') {
      this.errorMessage = providerErrorMessage(body);
      return;
    }
    this.model = text(body.model);
    this.sawUsage = mergeUsage(this.usage, body.usage);
    this.content = body.content;
    this.finishReason = text(body.stop_reason);
  }

  event(event: SseEvent): EventVerdict {
    const payload = eventJson(event.data);
    switch (text(payload.type) ?? event.event) {
      case 'message_start': {
        const message = at(payload, 'message');
        this.model = text(message?.model);
        if (mergeUsage(this.usage, message?.usage)) this.sawUsage = true;
        return 'pass';
      }
      case 'content_block_start': {
        const block = at(payload, 'content_block');
        if (block) this.blocks.set(count(payload.index) ?? this.blocks.size, { ...block });
        return 'pass';
      }
      case 'content_block_delta':
        return this.addDelta(count(payload.index) ?? 0, at(payload, 'delta'));
      case 'content_block_stop': {
        const block = this.blocks.get(count(payload.index) ?? 0);
        if (block) settleInput(block);
        return 'pass';
      }
      case 'message_delta':
        this.finishReason = text(at(payload, 'delta')?.stop_reason) ?? this.finishReason;
        if (mergeUsage(this.usage, payload.usage)) this.sawUsage = true;
        return 'pass';
      case 'error':
        this.errorMessage = providerErrorMessage(payload) ?? 'The stream reported an error.';
        return 'pass';
      default:
        return 'pass';
    }
  }

  observation(): CallObservation {
    let content = this.content;
    if (content === undefined && this.blocks.size > 0) {
      content = [...this.blocks.entries()].sort(([a], [b]) => a - b).map(([, block]) => settleInput({ ...block }));
    }
    return {
      model: this.model,
      usage: this.sawUsage ? messageUsage(this.usage) : undefined,
      output: content === undefined ? undefined : { role: 'assistant', content },
      errorMessage: this.errorMessage,
      finishReason: this.finishReason,
    };
  }

  private addDelta(index: number, delta: JsonObject | undefined): EventVerdict {
    const block = this.blocks.get(index);
    if (!block || !delta) return 'pass';
    switch (delta.type) {
      case 'text_delta':
        block.text = (text(block.text) ?? '') + (text(delta.text) ?? '');
        return 'output';
      case 'thinking_delta':
        block.thinking = (text(block.thinking) ?? '') + (text(delta.thinking) ?? '');
        return 'output';
      case 'input_json_delta':
        block.partialJson = (block.partialJson ?? '') + (text(delta.partial_json) ?? '');
        return 'output';
      case 'citations_delta':
        block.citations = [...(Array.isArray(block.citations) ? block.citations : []), delta.citation];
        return 'pass';
      default:
        return 'pass';
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
