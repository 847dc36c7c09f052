/** Provider-neutral types of the unified LLM client (`lib/llm/unified-client.ts`). */

export type ProviderName = 'openai' | 'anthropic' | 'demo';

export interface ToolCall {
  /** Provider-issued id, echoed back in the tool result message. */
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; name: string; content: string };

export interface ToolDefinition {
  name: string;
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

export interface ModelUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  cachedInputTokens?: number;
  reasoningTokens?: number;
  /** True only when the provider reported nothing and we counted with a tokenizer. */
  estimated: boolean;
}

export interface ModelRequest {
  provider: ProviderName;
  model: string;
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  /** Stream from the provider; `onDelta` receives text as it arrives. */
  stream?: boolean;
  onDelta?: (text: string) => void;
  signal?: AbortSignal;
  maxTokens?: number;
}

export interface ModelResponse {
  provider: ProviderName;
  /** The model name the provider reports (may carry a date suffix). */
  model: string;
  content: string;
  toolCalls: ToolCall[];
  usage: ModelUsage;
  /** null when the model is unpriced. */
  costUsd: number | null;
  finishReason: string | null;
  timeToFirstTokenMs?: number;
}
