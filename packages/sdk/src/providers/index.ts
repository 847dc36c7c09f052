/**
 * `@llmtrace/sdk/providers`: the one reading of each provider's replies (a whole JSON reply, or
 * its stream events assembled) into what a span stores: model, token usage, the answer, finish
 * reason and any error the reply reported. Used by the SDK's `wrapOpenAI`/`wrapAnthropic` and by
 * the LLMTrace proxy. Pure (no Node.js API).
 */
export type { Observation, ReplyObserver, TokenUsage } from './types';
export { at, count, isRecord, providerErrorMessage, scalarParameters, text } from './fields';
export type { JsonObject } from './fields';
export { anthropicUsage, chatUsage, mergeAnthropicUsage, responsesUsage } from './usage';
export type { AnthropicUsage } from './usage';
export { ChatCompletionObserver } from './openai-chat';
export { EmbeddingsObserver, ResponsesObserver } from './openai-responses';
export { MessagesObserver } from './anthropic-messages';
