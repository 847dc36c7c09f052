import { Tiktoken } from 'js-tiktoken/lite';
import cl100kBase from 'js-tiktoken/ranks/cl100k_base';
import type { ChatMessage, ModelUsage, ToolCall, ToolDefinition } from './types';

/**
 * Token counting with the cl100k_base encoding. For most models (other tokenizers) it is an
 * estimate, which is why the unified client uses it only when a provider reports no usage, and
 * marks the result `estimated`. cl100k_base rather than o200k_base: building its tables blocks
 * the event loop about 0.4 s instead of 1.1 s, and the models that use o200k report usage anyway.
 */

let encoder: Tiktoken | undefined;

/**
 * Built on the first count (a one-off, synchronous ~0.4 s, then tens of MB held): most servers
 * receive traces whose providers report usage and never count, so start-up does not pay for it.
 */
function encoding(): Tiktoken {
  encoder ??= new Tiktoken(cl100kBase);
  return encoder;
}

/** Tokens in a piece of text. */
export function countTokens(text: string): number {
  if (!text) return 0;
  return encoding().encode(text, [], []).length;
}

// OpenAI's published accounting for chat formatting: a few tokens per message and for the reply.
const TOKENS_PER_MESSAGE = 3;
const TOKENS_FOR_REPLY = 3;

/** Tokens of a prompt: the messages with their chat framing, plus the tool definitions. */
export function countPromptTokens(messages: ChatMessage[], tools: ToolDefinition[] = []): number {
  let total = TOKENS_FOR_REPLY;
  for (const message of messages) {
    total += TOKENS_PER_MESSAGE + countTokens(message.role) + countTokens(message.content);
    if (message.role === 'assistant' && message.toolCalls?.length) total += countToolCallTokens(message.toolCalls);
    if (message.role === 'tool') total += countTokens(message.name);
  }
  if (tools.length) total += countTokens(JSON.stringify(tools));
  return total;
}

/** Tokens of a completion: its text and its tool calls. */
export function countCompletionTokens(content: string, toolCalls: ToolCall[] = []): number {
  return countTokens(content) + (toolCalls.length ? countToolCallTokens(toolCalls) : 0);
}

function countToolCallTokens(toolCalls: ToolCall[]): number {
  return toolCalls.reduce((sum, call) => sum + countTokens(call.name) + countTokens(JSON.stringify(call.arguments)), 0);
}

/**
 * Usage counted locally for a round trip whose provider reported none; `estimated` is true.
 *
 * @example
 * estimateUsage({ messages, tools, content: 'Hello!' }) // { inputTokens: 12, outputTokens: 2, …, estimated: true }
 */
export function estimateUsage(input: {
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  content: string;
  toolCalls?: ToolCall[];
}): ModelUsage {
  const inputTokens = countPromptTokens(input.messages, input.tools);
  const outputTokens = countCompletionTokens(input.content, input.toolCalls);
  return { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens, estimated: true };
}
