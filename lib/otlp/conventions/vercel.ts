/**
 * The Vercel AI SDK's own span attributes (`ai.*`, its `LegacyOpenTelemetry` format and the only
 * one before AI SDK 7). A call makes a wrapper span (`ai.generateText`) around one provider call
 * per step (`ai.generateText.doGenerate`) and one `ai.toolCall` per tool run; the span name is
 * the operation id. The provider-call spans also carry GenAI attributes, read by `genai.ts`.
 */
import type { MappedOperationType, OtlpSpan } from '../types';
import { toChatMessageList, toToolCall, type ChatMessage, type ToolCall } from './chat-messages';
import { AttributeReader, asNumber, asText, isRecord, parseJson, parseJsonText, setEntry, type ConventionFields, type ConventionResult } from './convention';
import { asTags } from './common';

const OPERATIONS: Record<string, MappedOperationType> = {
  'ai.generateText': 'llm_call',
  'ai.generateText.doGenerate': 'llm_call',
  'ai.streamText': 'llm_call',
  'ai.streamText.doStream': 'llm_call',
  'ai.generateObject': 'llm_call',
  'ai.generateObject.doGenerate': 'llm_call',
  'ai.streamObject': 'llm_call',
  'ai.streamObject.doStream': 'llm_call',
  'ai.embed': 'embedding',
  'ai.embed.doEmbed': 'embedding',
  'ai.embedMany': 'embedding',
  'ai.embedMany.doEmbed': 'embedding',
  'ai.rerank': 'retrieval',
  'ai.rerank.doRerank': 'retrieval',
  'ai.toolCall': 'tool_call',
};

/** Stream progress events; their one figure is the time to first chunk, also an attribute. */
const STREAM_EVENTS: ReadonlySet<string> = new Set(['ai.stream.firstChunk', 'ai.stream.finish']);
const METADATA_PREFIX = 'ai.telemetry.metadata';
const SESSION_KEYS = new Set(['sessionId', 'session_id', 'conversationId', 'threadId']);
const USER_KEYS = new Set(['userId', 'user_id']);

/** The AI SDK operation of a span: `ai.operationId`, or a span name that is a known operation. */
export function vercelOperation(span: OtlpSpan): string | undefined {
  const id = asText(span.attributes['ai.operationId']);
  if (id) return id;
  return Object.hasOwn(OPERATIONS, span.name) && Object.keys(span.attributes).some((key) => key.startsWith('ai.')) ? span.name : undefined;
}

/** `ai.prompt` (`{system?, prompt?, messages?}`) as one message list, the system prompt first. */
function promptMessages(raw: unknown): ChatMessage[] | undefined {
  const prompt = parseJson(raw);
  if (!isRecord(prompt)) return typeof prompt === 'string' ? [{ role: 'user', content: prompt }] : undefined;
  const list: ChatMessage[] = [];
  const system = asText(prompt.system);
  if (system) list.push({ role: 'system', content: system });
  if (typeof prompt.prompt === 'string') list.push({ role: 'user', content: prompt.prompt });
  if (Array.isArray(prompt.prompt)) list.push(...(toChatMessageList(prompt.prompt) ?? []));
  list.push(...(toChatMessageList(prompt.messages) ?? []));
  return list.length > 0 ? list : undefined;
}

/** `ai.value` / `ai.values` hold each embedded value as JSON text (`"\"sunny\""`). */
function embeddedValues(raw: unknown): unknown {
  return Array.isArray(raw) ? raw.map(parseJsonText) : parseJsonText(raw);
}

function responseOutput(reader: AttributeReader): unknown {
  const object = reader.json('ai.response.object');
  if (object !== undefined) return object;
  const text = reader.take('ai.response.text');
  const toolCalls =
    reader.convert('ai.response.toolCalls', (value) => {
      const calls = parseJson(value);
      return Array.isArray(calls) ? calls.map(toToolCall).filter((call): call is ToolCall => call !== undefined) : undefined;
    }) ?? [];
  if (text === undefined && toolCalls.length === 0) return undefined;
  const message: ChatMessage = { role: 'assistant', content: typeof text === 'string' ? text : null };
  const finishReason = reader.text('ai.response.finishReason');
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (finishReason) message.finish_reason = finishReason;
  return [message];
}

/** Maps `ai.*` attributes; `ai.telemetry.metadata.*` become metadata, naming session and user. */
export function vercelConvention(span: OtlpSpan): ConventionResult {
  const reader = new AttributeReader(span.attributes);
  const fields: ConventionFields = {};
  const operation = vercelOperation(span);
  if (operation && OPERATIONS[operation]) fields.operation_type = OPERATIONS[operation];
  // `operation.name` repeats the operation id with the function id (`ai.generateText my-fn`).
  if (operation) reader.consume('ai.operationId', 'operation.name');
  fields.model_name = reader.firstText('ai.response.model', 'ai.model.id');
  fields.model_provider = reader.text('ai.model.provider');
  fields.input_tokens = reader.firstNumber('ai.usage.inputTokens', 'ai.usage.promptTokens', 'ai.usage.tokens');
  fields.output_tokens = reader.firstNumber('ai.usage.outputTokens', 'ai.usage.completionTokens');
  fields.total_tokens = reader.number('ai.usage.totalTokens');
  fields.reasoning_tokens = reader.firstNumber('ai.usage.reasoningTokens', 'ai.usage.outputTokenDetails.reasoningTokens');
  fields.cached_input_tokens = reader.firstNumber('ai.usage.cachedInputTokens', 'ai.usage.inputTokenDetails.cacheReadTokens');
  reader.consume('ai.usage.inputTokenDetails.noCacheTokens', 'ai.usage.outputTokenDetails.textTokens');
  const metadata: Record<string, unknown> = {};
  const cacheWrite = reader.number('ai.usage.inputTokenDetails.cacheWriteTokens');
  if (cacheWrite) metadata.cache_creation_input_tokens = cacheWrite;
  const firstChunk = span.events.find((event) => event.name === 'ai.stream.firstChunk')?.attributes;
  fields.time_to_first_token_ms =
    reader.firstNumber('ai.response.msToFirstChunk', 'ai.stream.msToFirstChunk') ??
    asNumber(firstChunk?.['ai.response.msToFirstChunk'] ?? firstChunk?.['ai.stream.msToFirstChunk']);

  if (operation === 'ai.toolCall') {
    fields.input_data = reader.json('ai.toolCall.args');
    fields.output_data = reader.json('ai.toolCall.result');
  } else {
    fields.input_data = reader.convert('ai.prompt.messages', (value) => toChatMessageList(value)) ?? reader.convert('ai.prompt', promptMessages);
    fields.output_data = responseOutput(reader);
  }
  fields.input_data ??= embeddedValues(reader.take('ai.values') ?? reader.take('ai.value'));
  const embeddings = reader.take('ai.embeddings') ?? reader.take('ai.embedding');
  if (embeddings !== undefined) metadata.embedding_count = Array.isArray(embeddings) ? embeddings.length : 1;

  for (const [key, value] of reader.entries(METADATA_PREFIX)) {
    const text = asText(value);
    if (text && SESSION_KEYS.has(key)) fields.session_id ??= text;
    else if (text && USER_KEYS.has(key)) fields.end_user_id ??= text;
    else if (key === 'tags') fields.tags = asTags(value);
    else setEntry(metadata, key, value);
  }
  if (Object.keys(metadata).length > 0) fields.metadata = metadata;
  return { fields, consumed: reader.consumed, consumedEvents: STREAM_EVENTS };
}
