/**
 * Provider usage objects → the span's token counts. Anthropic's `input_tokens` leaves out cache
 * reads and writes; the span's input count includes them, as the price table expects.
 */
import { at, count, isRecord } from './fields';
import type { TokenUsage } from './types';

/** OpenAI chat completions usage (`prompt_tokens`, `completion_tokens`). */
export function chatUsage(usage: unknown): TokenUsage | undefined {
  if (!isRecord(usage)) return undefined;
  return {
    inputTokens: count(usage.prompt_tokens),
    outputTokens: count(usage.completion_tokens),
    cachedInputTokens: count(at(usage, 'prompt_tokens_details')?.cached_tokens),
    reasoningTokens: count(at(usage, 'completion_tokens_details')?.reasoning_tokens),
  };
}

/** OpenAI Responses API usage (`input_tokens`, `output_tokens`). */
export function responsesUsage(usage: unknown): TokenUsage | undefined {
  if (!isRecord(usage)) return undefined;
  return {
    inputTokens: count(usage.input_tokens),
    outputTokens: count(usage.output_tokens),
    cachedInputTokens: count(at(usage, 'input_tokens_details')?.cached_tokens),
    reasoningTokens: count(at(usage, 'output_tokens_details')?.reasoning_tokens),
  };
}

const ANTHROPIC_USAGE_KEYS = ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens'] as const;

/** Anthropic usage fields, merged across a stream's events. */
export type AnthropicUsage = Partial<Record<(typeof ANTHROPIC_USAGE_KEYS)[number] | 'thinking_tokens', number>>;

/** Anthropic usage fields → the span's counts. */
export function anthropicUsage(usage: AnthropicUsage): TokenUsage {
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  return {
    inputTokens: usage.input_tokens === undefined ? undefined : usage.input_tokens + cacheRead + cacheWrite,
    outputTokens: usage.output_tokens,
    cachedInputTokens: usage.cache_read_input_tokens,
    reasoningTokens: usage.thinking_tokens,
  };
}

/** Merges one Anthropic usage object into `into` (later counts, from message_delta, win); false when there is none. */
export function mergeAnthropicUsage(into: AnthropicUsage, usage: unknown): boolean {
  if (!isRecord(usage)) return false;
  for (const key of ANTHROPIC_USAGE_KEYS) {
    const value = count(usage[key]);
    if (value !== undefined) into[key] = value;
  }
  const thinking = count(at(usage, 'output_tokens_details')?.thinking_tokens);
  if (thinking !== undefined) into.thinking_tokens = thinking;
  return true;
}
