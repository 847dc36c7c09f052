import Anthropic from '@anthropic-ai/sdk';
import type {
  ContentBlockParam,
  Message,
  MessageCreateParamsBase,
  MessageParam,
  RawMessageStreamEvent,
  Tool,
  Usage,
} from '@anthropic-ai/sdk/resources/messages';
import { CancelledError, toProviderError } from '../errors';
import type { ChatMessage, ToolCall, ToolDefinition } from '../types';
import { parseToolArguments, type ModelProvider, type ProviderRequest, type ProviderResult, type ReportedUsage } from './provider';

export interface AnthropicProviderOptions {
  apiKey?: string;
  baseURL?: string;
  /** SDK-level retries. Default 0: the unified client retries, each attempt in its own span. */
  maxRetries?: number;
  /** Per-request time-out of the SDK in ms (default: the SDK's 10 minutes). */
  timeoutMs?: number;
}

/** The Messages API requires `max_tokens`; used when the request sets none. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

/**
 * The Messages API through the official `@anthropic-ai/sdk`.
 *
 * @example
 * const provider = createAnthropicProvider({ apiKey: process.env.ANTHROPIC_API_KEY });
 */
export function createAnthropicProvider(options: AnthropicProviderOptions = {}): ModelProvider {
  const client = new Anthropic({
    // An explicit key (or null) keeps the SDK from searching the environment and profile files.
    apiKey: options.apiKey ?? null,
    baseURL: options.baseURL ?? 'https://api.anthropic.com',
    maxRetries: options.maxRetries ?? 0,
    timeout: options.timeoutMs,
    // LLMTrace records these calls itself; the SDK's own OpenTelemetry spans would duplicate them.
    openTelemetry: false,
  });

  return {
    name: 'anthropic',
    async complete(request: ProviderRequest): Promise<ProviderResult> {
      const { system, messages } = toAnthropicMessages(request.messages);
      const params: MessageCreateParamsBase = {
        model: request.model,
        max_tokens: request.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
        messages,
        ...(system ? { system } : {}),
        ...(request.tools?.length ? { tools: request.tools.map(toAnthropicTool) } : {}),
      };
      try {
        if (!request.stream) {
          const message = await client.messages.create({ ...params, stream: false }, { signal: request.signal });
          return fromMessage(message);
        }
        const stream = await client.messages.create({ ...params, stream: true }, { signal: request.signal });
        const result = await readStream(stream, request);
        // The SDK ends the iteration quietly when the signal fires mid-stream.
        if (request.signal?.aborted) throw new CancelledError();
        return result;
      } catch (error) {
        throw toProviderError('anthropic', error, { sdk: Anthropic, signal: request.signal });
      }
    },
  };
}

/**
 * System messages go to the separate `system` field. Tool results become `tool_result` blocks of
 * a user turn, and consecutive results share one turn, as the API requires.
 */
function toAnthropicMessages(input: ChatMessage[]): { system: string; messages: MessageParam[] } {
  const systemParts: string[] = [];
  const messages: MessageParam[] = [];
  for (const message of input) {
    switch (message.role) {
      case 'system':
        systemParts.push(message.content);
        break;
      case 'user':
        messages.push({ role: 'user', content: message.content });
        break;
      case 'assistant': {
        if (!message.toolCalls?.length) {
          messages.push({ role: 'assistant', content: message.content });
          break;
        }
        const blocks: ContentBlockParam[] = [];
        if (message.content) blocks.push({ type: 'text', text: message.content });
        for (const call of message.toolCalls) blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: call.arguments });
        messages.push({ role: 'assistant', content: blocks });
        break;
      }
      case 'tool': {
        const block: ContentBlockParam = { type: 'tool_result', tool_use_id: message.toolCallId, content: message.content };
        const previous = messages.at(-1);
        if (previous?.role === 'user' && Array.isArray(previous.content) && previous.content.every((b) => b.type === 'tool_result')) {
          previous.content.push(block);
        } else {
          messages.push({ role: 'user', content: [block] });
        }
        break;
      }
    }
  }
  return { system: systemParts.join('\n\n'), messages };
}

function toAnthropicTool(tool: ToolDefinition): Tool {
  return {
    name: tool.name,
    description: tool.description,
    input_schema: { ...tool.parameters, type: 'object' } as Tool.InputSchema,
  };
}

function fromMessage(message: Message): ProviderResult {
  let content = '';
  const toolCalls: ToolCall[] = [];
  for (const block of message.content) {
    if (block.type === 'text') content += block.text;
    else if (block.type === 'tool_use') toolCalls.push({ id: block.id, name: block.name, arguments: asArguments(block.input) });
  }
  return { model: message.model, content, toolCalls, usage: fromUsage(message.usage), finishReason: message.stop_reason ?? null };
}

type UsageFields = Partial<Pick<Usage, 'input_tokens' | 'output_tokens' | 'cache_read_input_tokens' | 'cache_creation_input_tokens' | 'output_tokens_details'>>;

/** Anthropic's `input_tokens` excludes cache reads and writes; ours includes them. */
function fromUsage(usage: UsageFields | null | undefined): ReportedUsage | undefined {
  if (!usage) return undefined;
  const cacheRead = usage.cache_read_input_tokens ?? 0;
  const cacheWrite = usage.cache_creation_input_tokens ?? 0;
  return {
    inputTokens: typeof usage.input_tokens === 'number' ? usage.input_tokens + cacheRead + cacheWrite : undefined,
    outputTokens: usage.output_tokens ?? undefined,
    cachedInputTokens: usage.cache_read_input_tokens ?? undefined,
    reasoningTokens: usage.output_tokens_details?.thinking_tokens ?? undefined,
  };
}

async function readStream(stream: AsyncIterable<RawMessageStreamEvent>, request: ProviderRequest): Promise<ProviderResult> {
  let model = request.model;
  let content = '';
  let finishReason: string | null = null;
  let started = false;
  // message_start carries input and cache counts; message_delta carries cumulative counts.
  const usage: UsageFields = {};
  let sawUsage = false;
  const toolBlocks = new Map<number, { id: string; name: string; json: string; input: unknown }>();

  const firstToken = () => {
    if (!started) {
      started = true;
      request.onFirstToken?.();
    }
  };

  for await (const event of stream) {
    switch (event.type) {
      case 'message_start':
        model = event.message.model || model;
        if (event.message.usage) {
          Object.assign(usage, definedFields(event.message.usage));
          sawUsage = true;
        }
        break;
      case 'content_block_start':
        if (event.content_block.type === 'tool_use') {
          firstToken();
          const { id, name, input } = event.content_block;
          toolBlocks.set(event.index, { id, name, json: '', input });
        } else if (event.content_block.type === 'text' && event.content_block.text) {
          firstToken();
          content += event.content_block.text;
          request.onDelta?.(event.content_block.text);
        }
        break;
      case 'content_block_delta':
        if (event.delta.type === 'text_delta') {
          firstToken();
          content += event.delta.text;
          request.onDelta?.(event.delta.text);
        } else if (event.delta.type === 'input_json_delta') {
          const block = toolBlocks.get(event.index);
          if (block) block.json += event.delta.partial_json;
        }
        break;
      case 'message_delta':
        if (event.delta.stop_reason) finishReason = event.delta.stop_reason;
        if (event.usage) {
          Object.assign(usage, definedFields(event.usage));
          sawUsage = true;
        }
        break;
      default:
        break;
    }
  }

  const toolCalls: ToolCall[] = [...toolBlocks.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, block]) => ({
      id: block.id,
      name: block.name,
      arguments: block.json ? parseToolArguments(block.json) : asArguments(block.input),
    }));
  return { model, content, toolCalls, usage: sawUsage ? fromUsage(usage) : undefined, finishReason };
}

function definedFields<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as Partial<T>;
}

function asArguments(input: unknown): Record<string, unknown> {
  return input && typeof input === 'object' && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
}
