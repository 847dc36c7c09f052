import OpenAI from 'openai';
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionCreateParamsBase,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';
import { CancelledError, ProviderError, toProviderError } from '../errors';
import type { ChatMessage, ToolCall, ToolDefinition } from '../types';
import { parseToolArguments, type ModelProvider, type ProviderRequest, type ProviderResult, type ReportedUsage } from './provider';

export interface OpenAIProviderOptions {
  apiKey?: string;
  /** An OpenAI-compatible server (vLLM, Ollama, LM Studio, llama.cpp…); unset = api.openai.com. */
  baseURL?: string;
  /** SDK-level retries. Default 0: the unified client retries, each attempt in its own span. */
  maxRetries?: number;
  /** Per-request time-out of the SDK in ms (default: the SDK's 10 minutes). */
  timeoutMs?: number;
}

/** Local OpenAI-compatible servers ignore the key, but the SDK refuses to start without one. */
const PLACEHOLDER_API_KEY = 'no-key-required';

/**
 * Chat Completions through the official `openai` SDK. Works with any server that speaks the
 * same protocol when `baseURL` is set.
 *
 * @example
 * const provider = createOpenAIProvider({ baseURL: 'http://127.0.0.1:11434/v1' }); // Ollama
 */
export function createOpenAIProvider(options: OpenAIProviderOptions = {}): ModelProvider {
  const client = new OpenAI({
    apiKey: options.apiKey ?? PLACEHOLDER_API_KEY,
    baseURL: options.baseURL ?? 'https://api.openai.com/v1',
    maxRetries: options.maxRetries ?? 0,
    timeout: options.timeoutMs,
  });
  // api.openai.com's reasoning models reject `max_tokens`; many compatible servers only know it.
  const maxTokensField = options.baseURL ? 'max_tokens' : 'max_completion_tokens';

  return {
    name: 'openai',
    async complete(request: ProviderRequest): Promise<ProviderResult> {
      const params: ChatCompletionCreateParamsBase = {
        model: request.model,
        messages: request.messages.map(toOpenAIMessage),
        ...(request.tools?.length ? { tools: request.tools.map(toOpenAITool) } : {}),
        ...(request.maxTokens ? { [maxTokensField]: request.maxTokens } : {}),
      };
      try {
        if (!request.stream) {
          const completion = await client.chat.completions.create({ ...params, stream: false }, { signal: request.signal });
          return fromCompletion(completion, request.model);
        }
        const stream = await client.chat.completions.create(
          { ...params, stream: true, stream_options: { include_usage: true } },
          { signal: request.signal },
        );
        const result = await readStream(stream, request);
        // The SDK ends the iteration quietly when the signal fires mid-stream.
        if (request.signal?.aborted) throw new CancelledError();
        return result;
      } catch (error) {
        throw toProviderError('openai', error, { sdk: OpenAI, signal: request.signal });
      }
    },
  };
}

function toOpenAIMessage(message: ChatMessage): ChatCompletionMessageParam {
  switch (message.role) {
    case 'system':
    case 'user':
      return { role: message.role, content: message.content };
    case 'assistant':
      if (!message.toolCalls?.length) return { role: 'assistant', content: message.content };
      return {
        role: 'assistant',
        content: message.content || null,
        tool_calls: message.toolCalls.map((call) => ({
          id: call.id,
          type: 'function' as const,
          function: { name: call.name, arguments: JSON.stringify(call.arguments) },
        })),
      };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  }
}

function toOpenAITool(tool: ToolDefinition): ChatCompletionTool {
  return { type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.parameters } };
}

function fromCompletion(completion: ChatCompletion, requestedModel: string): ProviderResult {
  const choice = completion.choices?.[0];
  if (!choice) {
    throw new ProviderError({ provider: 'openai', code: 'invalid_response', message: 'The provider returned no choices.', retryable: false });
  }
  const toolCalls: ToolCall[] = [];
  for (const call of choice.message.tool_calls ?? []) {
    if (call.type === 'function') {
      toolCalls.push({ id: call.id, name: call.function.name, arguments: parseToolArguments(call.function.arguments) });
    }
  }
  return {
    model: completion.model || requestedModel,
    content: choice.message.content ?? '',
    toolCalls,
    usage: fromUsage(completion.usage),
    finishReason: choice.finish_reason ?? null,
  };
}

async function readStream(stream: AsyncIterable<ChatCompletionChunk>, request: ProviderRequest): Promise<ProviderResult> {
  let model = request.model;
  let content = '';
  let finishReason: string | null = null;
  let usage: ReportedUsage | undefined;
  let started = false;
  // Tool calls arrive as fragments keyed by `index`: the first carries id and name, later ones more arguments.
  const partialCalls = new Map<number, { id: string; name: string; arguments: string }>();

  for await (const chunk of stream) {
    if (chunk.model) model = chunk.model;
    if (chunk.usage) usage = fromUsage(chunk.usage);
    const choice = chunk.choices?.[0];
    if (!choice) continue;
    const text = choice.delta?.content;
    if (text || choice.delta?.tool_calls?.length) {
      if (!started) {
        started = true;
        request.onFirstToken?.();
      }
    }
    if (text) {
      content += text;
      request.onDelta?.(text);
    }
    for (const fragment of choice.delta?.tool_calls ?? []) {
      const call = partialCalls.get(fragment.index) ?? { id: '', name: '', arguments: '' };
      if (fragment.id) call.id = fragment.id;
      if (fragment.function?.name) call.name += fragment.function.name;
      if (fragment.function?.arguments) call.arguments += fragment.function.arguments;
      partialCalls.set(fragment.index, call);
    }
    if (choice.finish_reason) finishReason = choice.finish_reason;
  }

  const toolCalls = [...partialCalls.entries()]
    .sort(([a], [b]) => a - b)
    .map(([index, call]) => ({
      id: call.id || `call_${index}`,
      name: call.name,
      arguments: parseToolArguments(call.arguments),
    }));
  return { model, content, toolCalls, usage, finishReason };
}

function fromUsage(usage: CompletionUsage | null | undefined): ReportedUsage | undefined {
  if (!usage) return undefined;
  return {
    inputTokens: usage.prompt_tokens,
    outputTokens: usage.completion_tokens,
    cachedInputTokens: usage.prompt_tokens_details?.cached_tokens ?? undefined,
    reasoningTokens: usage.completion_tokens_details?.reasoning_tokens ?? undefined,
  };
}
