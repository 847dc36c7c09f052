/**
 * OpenLLMetry (Traceloop): `traceloop.*` workflow / task / agent / tool spans from its decorators,
 * and the LLM spans of its instrumentations before they moved to the GenAI message attributes,
 * with messages flattened as `gen_ai.prompt.N.*` and `gen_ai.completion.N.*`. Their model,
 * provider and token attributes are GenAI spellings and are read by `genai.ts`.
 */
import type { MappedOperationType, OtlpSpan } from '../types';
import { toChatMessages, type ChatMessage } from './chat-messages';
import { AttributeReader, asText, indexedValues, isRecord, parseJsonText, setEntry, type ConventionFields, type ConventionResult, type Tree } from './convention';

const SPAN_KINDS: Record<string, MappedOperationType> = {
  workflow: 'chain',
  task: 'chain',
  agent: 'agent',
  tool: 'tool_call',
};

const REQUEST_TYPES: Record<string, MappedOperationType> = {
  chat: 'llm_call',
  completion: 'llm_call',
  embedding: 'embedding',
  rerank: 'retrieval',
};

const ASSOCIATION_PREFIX = 'traceloop.association.properties';
const SESSION_KEYS = new Set(['session_id', 'sessionId', 'session.id', 'conversation_id', 'thread_id']);
const USER_KEYS = new Set(['user_id', 'userId', 'user.id', 'end_user_id']);

/** `gen_ai.prompt.N.*` / `gen_ai.completion.N.*` rebuilt as chat messages. */
function messages(list: Tree[], defaultRole: string): ChatMessage[] | undefined {
  if (list.length === 0) return undefined;
  return list.flatMap((node) => {
    const toolCalls = indexedValues(node.tool_calls);
    const functionCall = isRecord(node.function_call) ? [node.function_call] : [];
    return toChatMessages({ ...node, tool_calls: [...toolCalls, ...functionCall] }, defaultRole);
  });
}

/**
 * A decorated function's recorded call, `{"args": [...], "kwargs": {...}}`, shown as what was
 * passed: the single argument, or the keyword arguments, or both when there are both.
 */
function entityValue(raw: unknown): unknown {
  const value = parseJsonText(raw);
  if (!isRecord(value) || !('args' in value || 'kwargs' in value)) return value;
  const args = Array.isArray(value.args) ? value.args : [];
  const kwargs = isRecord(value.kwargs) ? value.kwargs : {};
  const hasKwargs = Object.keys(kwargs).length > 0;
  if (args.length === 0 && hasKwargs) return kwargs;
  if (args.length === 1 && !hasKwargs) return args[0];
  if (args.length === 0) return null;
  return value;
}

/** Maps Traceloop attributes; association properties name the session and the end user. */
export function openLlmetryConvention(span: OtlpSpan): ConventionResult {
  const reader = new AttributeReader(span.attributes);
  const fields: ConventionFields = {};
  const kind = reader.text('traceloop.span.kind');
  const requestType = reader.text('llm.request.type');
  fields.operation_type = (kind && SPAN_KINDS[kind]) || (requestType && REQUEST_TYPES[requestType]) || undefined;
  fields.total_tokens = reader.firstNumber('llm.usage.total_tokens', 'gen_ai.usage.total_tokens');
  fields.reasoning_tokens = reader.number('llm.usage.reasoning_tokens');

  fields.input_data = messages(reader.list('gen_ai.prompt'), 'user');
  fields.output_data = messages(reader.list('gen_ai.completion'), 'assistant');
  if (reader.has('traceloop.entity.input')) fields.input_data ??= entityValue(reader.take('traceloop.entity.input'));
  if (reader.has('traceloop.entity.output')) fields.output_data ??= entityValue(reader.take('traceloop.entity.output'));

  const metadata: Record<string, unknown> = {};
  for (const [key, value] of reader.entries(ASSOCIATION_PREFIX)) {
    const text = asText(value);
    if (text && SESSION_KEYS.has(key)) fields.session_id ??= text;
    else if (text && USER_KEYS.has(key)) fields.end_user_id ??= text;
    else setEntry(metadata, key, value);
  }
  if (Object.keys(metadata).length > 0) fields.metadata = metadata;
  return { fields, consumed: reader.consumed };
}
