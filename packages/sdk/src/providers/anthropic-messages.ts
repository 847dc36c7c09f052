/**
 * Reading an Anthropic message (`POST /v1/messages`): a whole reply, or a stream of events
 * assembled into its content blocks (text, thinking, `tool_use` with its input). Streams always
 * report usage: the input side in `message_start`, cumulative counts in `message_delta`.
 */
import { at, count, isRecord, providerErrorMessage, text, type JsonObject } from './fields';
import type { Observation, ReplyObserver } from './types';
import { anthropicUsage, mergeAnthropicUsage, type AnthropicUsage } from './usage';

/** A content block being streamed; tool input arrives as JSON text in pieces. */
type StreamedBlock = JsonObject & { partialJson?: string };

/**
 * @example
 * const observer = new MessagesObserver();
 * observer.reply(await response.json());
 * observer.observation(); // { model, usage, output: { role: 'assistant', content: [...] }, finishReason: 'end_turn' }
 */
export class MessagesObserver implements ReplyObserver {
  private model?: string;
  private readonly usage: AnthropicUsage = {};
  private sawUsage = false;
  private content?: unknown;
  private readonly blocks = new Map<number, StreamedBlock>();
  private errorMessage?: string;
  private finishReason?: string;
  complete = false;

  reply(body: unknown): void {
    if (!isRecord(body)) return;
    if (body.type === 'error') {
      this.errorMessage = providerErrorMessage(body);
      return;
    }
    this.model = text(body.model);
    this.sawUsage = mergeAnthropicUsage(this.usage, body.usage);
    this.content = body.content;
    this.finishReason = text(body.stop_reason);
  }

  event(payload: unknown, name?: string): boolean {
    if (!isRecord(payload)) return false;
    switch (text(payload.type) ?? name) {
      case 'message_start': {
        const message = at(payload, 'message');
        this.model = text(message?.model);
        if (mergeAnthropicUsage(this.usage, message?.usage)) this.sawUsage = true;
        return false;
      }
      case 'content_block_start': {
        const block = at(payload, 'content_block');
        if (block) this.blocks.set(count(payload.index) ?? this.blocks.size, { ...block });
        return false;
      }
      case 'content_block_delta':
        return this.addDelta(count(payload.index) ?? 0, at(payload, 'delta'));
      case 'content_block_stop': {
        const block = this.blocks.get(count(payload.index) ?? 0);
        if (block) settleInput(block);
        return false;
      }
      case 'message_delta':
        this.finishReason = text(at(payload, 'delta')?.stop_reason) ?? this.finishReason;
        if (this.finishReason) this.complete = true;
        if (mergeAnthropicUsage(this.usage, payload.usage)) this.sawUsage = true;
        return false;
      case 'message_stop':
        this.complete = true;
        return false;
      case 'error':
        this.errorMessage = providerErrorMessage(payload) ?? 'The stream reported an error.';
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
      usage: this.sawUsage ? anthropicUsage(this.usage) : undefined,
      output: content === undefined ? undefined : { role: 'assistant', content },
      errorMessage: this.errorMessage,
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
