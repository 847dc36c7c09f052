/**
 * One LLMTrace {@link SpanRecord} as an OTLP span described with the GenAI semantic conventions
 * (semconv 1.37+ names: `gen_ai.provider.name`, `gen_ai.usage.cache_read.input_tokens`, …).
 *
 * | record field                   | attribute                                                  |
 * |--------------------------------|------------------------------------------------------------|
 * | operation_type                 | `gen_ai.operation.name` (below), `llmtrace.operation_type` |
 * | model_provider                 | `gen_ai.provider.name`, and the deprecated `gen_ai.system` |
 * | model_name                     | `gen_ai.request.model`, `gen_ai.response.model`            |
 * | input_tokens / output_tokens   | `gen_ai.usage.input_tokens` / `gen_ai.usage.output_tokens` |
 * | cached_input_tokens            | `gen_ai.usage.cache_read.input_tokens`                     |
 * | reasoning_tokens               | `gen_ai.usage.reasoning.output_tokens`                     |
 * | span_name `tool.<name>`        | `gen_ai.tool.name` (tool spans)                            |
 * | input_data / output_data       | `gen_ai.input.messages` / `gen_ai.output.messages` (JSON); on tool spans `gen_ai.tool.call.arguments` / `gen_ai.tool.call.result` |
 * | conversation_id                | `gen_ai.conversation.id`, `llmtrace.conversation_id`       |
 * | status `failed`, error_message | status ERROR with the message, `error.type` `_OTHER`, an `exception` event |
 * | message_id, cost_usd, time_to_first_token_ms, metadata | `llmtrace.*`                       |
 *
 * `gen_ai.operation.name`: llm_call → `chat`, embedding → `embeddings`, tool_call →
 * `execute_tool`, agent → `invoke_agent`, retrieval → `retrieval`; chain and other spans get none.
 */
import { extractChatMessages } from '@/lib/trace-view/messages';
import type { SpanRecord } from '@llmtrace/sdk';
import type { ExportSpan } from './encode';
import type { Attributes, AttributeValue } from './types';

const OPERATION_NAMES: Partial<Record<SpanRecord['operation_type'], string>> = {
  llm_call: 'chat',
  embedding: 'embeddings',
  tool_call: 'execute_tool',
  agent: 'invoke_agent',
  retrieval: 'retrieval',
};

const SPAN_KIND_INTERNAL = 1;
const SPAN_KIND_CLIENT = 3;
const STATUS_ERROR = 2;
const NANOS_PER_MS = 1_000_000n;
const SCOPE = { name: 'llmtrace' };

/**
 * The OTLP form of a finished record; null for one still open (`pending`, `running`, or
 * without an end time), which is exported once it ends.
 *
 * @example
 * toExportSpan(record, { 'service.name': 'llmtrace' })?.attributes['gen_ai.operation.name']; // 'chat'
 */
export function toExportSpan(record: SpanRecord, resource: Attributes): ExportSpan | null {
  if (record.status === 'running' || record.status === 'pending' || !record.end_time) return null;
  const attributes: Attributes = {};
  const set = (key: string, value: AttributeValue | undefined) => {
    if (value !== null && value !== undefined) attributes[key] = value;
  };
  const isTool = record.operation_type === 'tool_call';
  const failed = record.status === 'failed';

  set('gen_ai.operation.name', OPERATION_NAMES[record.operation_type]);
  set('gen_ai.provider.name', record.model_provider);
  set('gen_ai.system', record.model_provider);
  set('gen_ai.request.model', record.model_name);
  set('gen_ai.response.model', record.model_name);
  set('gen_ai.usage.input_tokens', record.input_tokens);
  set('gen_ai.usage.output_tokens', record.output_tokens);
  set('gen_ai.usage.cache_read.input_tokens', record.cached_input_tokens);
  set('gen_ai.usage.reasoning.output_tokens', record.reasoning_tokens);
  if (isTool) set('gen_ai.tool.name', record.span_name.startsWith('tool.') ? record.span_name.slice(5) : record.span_name);
  if (isTool) {
    set('gen_ai.tool.call.arguments', toJson(record.input_data));
    set('gen_ai.tool.call.result', toJson(record.output_data));
  } else {
    // Chat-shaped data in the semconv message schema; anything else as it was recorded.
    const input = genAiMessages(record.input_data, 'user');
    const output = genAiMessages(record.output_data, 'assistant');
    set(input ? 'gen_ai.input.messages' : 'llmtrace.input', input ?? toJson(record.input_data));
    set(output ? 'gen_ai.output.messages' : 'llmtrace.output', output ?? toJson(record.output_data));
  }
  set('gen_ai.conversation.id', record.conversation_id);
  if (failed) set('error.type', '_OTHER');

  set('llmtrace.operation_type', record.operation_type);
  if (record.status === 'cancelled') set('llmtrace.status', 'cancelled');
  set('llmtrace.cost_usd', record.cost_usd);
  set('llmtrace.conversation_id', record.conversation_id);
  set('llmtrace.message_id', record.message_id);
  set('llmtrace.time_to_first_token_ms', record.time_to_first_token_ms);
  set('llmtrace.total_tokens', record.total_tokens);
  if (record.metadata && Object.keys(record.metadata).length > 0) set('llmtrace.metadata', toJson(record.metadata));

  const endTimeUnixNano = toNanos(record.end_time);
  const errorMessage = record.error_message ?? '';
  return {
    resource,
    scope: SCOPE,
    traceId: record.trace_id,
    spanId: record.span_id,
    parentSpanId: record.parent_trace_id,
    name: record.span_name,
    kind: record.operation_type === 'llm_call' || record.operation_type === 'embedding' ? SPAN_KIND_CLIENT : SPAN_KIND_INTERNAL,
    startTimeUnixNano: toNanos(record.start_time),
    endTimeUnixNano,
    attributes,
    status: failed ? { code: STATUS_ERROR, message: errorMessage } : { code: 0 },
    events: failed
      ? [{ name: 'exception', timeUnixNano: endTimeUnixNano, attributes: { 'exception.message': errorMessage || 'failed' } }]
      : [],
  };
}

/**
 * Recorded chat data as GenAI semconv messages (`[{role, parts: [{type, content}|{type:'tool_call', …}]}]`)
 * in JSON: a message list (`[…]` or `{messages}`), one message, or a model reply `{content, toolCalls}`.
 * Undefined when the data is not a conversation.
 */
function genAiMessages(value: unknown, replyRole: 'user' | 'assistant'): string | undefined {
  let messages = extractChatMessages(value);
  if (!messages && value !== null && typeof value === 'object' && !Array.isArray(value) && 'content' in value) {
    const reply = value as { content?: unknown; toolCalls?: unknown };
    messages = extractChatMessages({ role: replyRole, content: reply.content ?? null, tool_calls: reply.toolCalls });
  }
  if (!messages) return undefined;
  return toJson(
    messages.map((message) => {
      const parts: Array<Record<string, unknown>> = message.parts.map((part) =>
        part.text !== undefined ? { type: 'text', content: part.text } : { type: 'generic', content: part.other },
      );
      const calls = Array.isArray(message.toolCalls) ? (message.toolCalls as Array<Record<string, unknown>>) : [];
      for (const call of calls) parts.push({ type: 'tool_call', id: call.id ?? null, name: call.name ?? null, arguments: call.arguments ?? null });
      if (message.toolCallId) return { role: message.role, parts: [{ type: 'tool_call_response', id: message.toolCallId, response: parts[0]?.content ?? null }] };
      return { role: message.role, parts };
    }),
  );
}

/** Epoch nanoseconds of a Date (millisecond precision: that is what a Date holds). */
function toNanos(date: Date): bigint {
  const ms = date.getTime();
  return Number.isFinite(ms) && ms > 0 ? BigInt(Math.trunc(ms)) * NANOS_PER_MS : 0n;
}

/** JSON text of recorded data; undefined when absent or not serialisable (a cycle, a bigint). */
function toJson(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}
