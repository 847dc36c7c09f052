/**
 * Reading an OpenAI chat completion (`POST /chat/completions`): a whole reply, or a stream of
 * `chat.completion.chunk` events assembled per choice (text, refusal, tool calls) into the
 * messages a whole reply would have held. A stream reports tokens only when the request set
 * `stream_options.include_usage`.
 */
import { at, count, isRecord, providerErrorMessage, text, type JsonObject } from './fields';
import type { Observation, ReplyObserver, TokenUsage } from './types';
import { chatUsage } from './usage';

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

/**
 * @example
 * const observer = new ChatCompletionObserver();
 * for await (const chunk of stream) observer.event(chunk);
 * observer.observation(); // { model, usage, output: { role: 'assistant', content: '…' }, finishReason: 'stop' }
 */
export class ChatCompletionObserver implements ReplyObserver {
  private model?: string;
  private usage?: TokenUsage;
  private errorMessage?: string;
  /** The answer of a whole reply, as received. */
  private messages?: unknown[];
  private finishReason?: string;
  /** The answer of a stream, per choice index, as its deltas arrive. */
  private readonly choices = new Map<number, ChoiceParts>();
  complete = false;

  reply(body: unknown): void {
    if (!isRecord(body)) return;
    this.model = text(body.model);
    this.usage = chatUsage(body.usage);
    this.errorMessage = isRecord(body.error) ? providerErrorMessage(body) : undefined;
    const choices = Array.isArray(body.choices) ? body.choices.filter(isRecord) : [];
    this.messages = choices.map((choice) => choice.message);
    this.finishReason = text(choices[0]?.finish_reason);
  }

  event(chunk: unknown): boolean {
    if (!isRecord(chunk)) return false;
    if (isRecord(chunk.error)) {
      this.errorMessage = providerErrorMessage(chunk) ?? 'The stream reported an error.';
      return false;
    }
    this.model ??= text(chunk.model);
    if (isRecord(chunk.usage)) this.usage = chatUsage(chunk.usage);
    let output = false;
    for (const choice of Array.isArray(chunk.choices) ? chunk.choices : []) {
      if (isRecord(choice) && this.addDelta(choice)) output = true;
    }
    return output;
  }

  observation(): Observation {
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
    if (finish) {
      parts.finishReason = finish;
      this.complete = true;
    }
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

/** A streamed choice as the message a whole reply would have held. */
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
