import type { ChatMessage, ProviderName, ToolCall, ToolDefinition } from '../types';

/** One round trip as a provider adapter receives it (provider and model already resolved). */
export interface ProviderRequest {
  model: string;
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  stream: boolean;
  maxTokens?: number;
  signal?: AbortSignal;
  /** Streamed text, in order. */
  onDelta?: (text: string) => void;
  /** Called once, when the first content (text or a tool call) arrives. */
  onFirstToken?: () => void;
}

/** Token counts as the provider reported them; a field is absent when it reported nothing. */
export interface ReportedUsage {
  /** All input tokens, cached ones included. */
  inputTokens?: number;
  outputTokens?: number;
  cachedInputTokens?: number;
  reasoningTokens?: number;
}

export interface ProviderResult {
  /** The model name the provider reports. */
  model: string;
  content: string;
  toolCalls: ToolCall[];
  /** undefined when the provider reported no usage at all. */
  usage?: ReportedUsage;
  finishReason: string | null;
}

/**
 * Adapter from our provider-neutral request to one provider's API. It throws
 * {@link import('../errors').ProviderError} for provider failures and
 * {@link import('../errors').CancelledError} when `signal` fires.
 */
export interface ModelProvider {
  readonly name: ProviderName;
  complete(request: ProviderRequest): Promise<ProviderResult>;
}

/** Parses a tool call's JSON arguments; unparseable text is kept so the tool span shows it. */
export function parseToolArguments(text: string): Record<string, unknown> {
  if (!text.trim()) return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    return { _unparsed: text };
  } catch {
    return { _unparsed: text };
  }
}
