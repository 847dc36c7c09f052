/**
 * OpenInference (Arize Phoenix's conventions): `openinference.span.kind`, `llm.*`, `input.value` /
 * `output.value`, and messages flattened into indexed keys
 * (`llm.input_messages.0.message.contents.1.message_content.text`), which are rebuilt here into
 * chat messages.
 */
import type { MappedOperationType, OtlpSpan } from '../types';
import { asContentText, toToolCall, type ChatMessage, type ToolCall } from './chat-messages';
import { AttributeReader, asText, indexedValues, isRecord, parseJson, pick, setEntry, type ConventionFields, type ConventionResult, type Tree } from './convention';
import { asTags } from './common';

const KINDS: Record<string, MappedOperationType> = {
  LLM: 'llm_call',
  EMBEDDING: 'embedding',
  TOOL: 'tool_call',
  RETRIEVER: 'retrieval',
  RERANKER: 'retrieval',
  AGENT: 'agent',
  CHAIN: 'chain',
  GUARDRAIL: 'other',
  EVALUATOR: 'other',
  PROMPT: 'other',
};

/** One `message_content` part: text as `{type:'text', text}`, an image as its URL. */
function contentPart(node: unknown): unknown {
  const part = pick(node, 'message_content');
  const type = asText(pick(part, 'type'));
  const text = asText(pick(part, 'text'));
  if (text !== undefined && (type === 'text' || type === undefined)) return { type: 'text', text };
  if (type === 'image') return { type: 'image', url: asText(pick(part, 'image', 'image', 'url')) };
  return { ...(isRecord(part) ? part : {}), type: type ?? 'unknown' };
}

/** A message rebuilt from `message.role`, `message.content` / `message.contents`, tool calls. */
function toMessage(node: Tree): ChatMessage {
  const message = pick(node, 'message');
  const role = asText(pick(message, 'role')) ?? 'user';
  const text = pick(message, 'content');
  const parts = indexedValues(pick(message, 'contents')).map(contentPart);
  let content: ChatMessage['content'] = null;
  if (text !== undefined && text !== null) content = asContentText(text);
  else if (parts.length === 1 && isRecord(parts[0]) && parts[0].type === 'text') content = String(parts[0].text);
  else if (parts.length > 0) content = parts;
  const result: ChatMessage = { role, content };
  const calls = indexedValues(pick(message, 'tool_calls'))
    .map((call) => {
      const toolCall = pick(call, 'tool_call');
      return toToolCall({ id: pick(toolCall, 'id'), function: pick(toolCall, 'function') });
    })
    .filter((call): call is ToolCall => call !== undefined);
  const legacyCall = asText(pick(message, 'function_call_name'));
  if (legacyCall) calls.push({ name: legacyCall, arguments: parseJson(pick(message, 'function_call_arguments_json')) });
  if (calls.length > 0) result.tool_calls = calls;
  const name = asText(pick(message, 'name'));
  if (name) result.name = name;
  const toolCallId = asText(pick(message, 'tool_call_id'));
  if (toolCallId) result.tool_call_id = toolCallId;
  return result;
}

/** `input.value` / `output.value`: parsed when its mime type says JSON, text otherwise. */
function value(reader: AttributeReader, side: 'input' | 'output'): unknown {
  const mime = reader.text(`${side}.mime_type`);
  const raw = reader.take(`${side}.value`);
  return mime === 'application/json' ? parseJson(raw) : raw;
}

/** Retrieved documents as `{id, content, score, metadata}`. */
function documents(list: Tree[]): unknown[] {
  return list.map((node) => {
    const document = pick(node, 'document');
    return isRecord(document) ? { ...document, metadata: parseJson(document.metadata) } : document;
  });
}

/**
 * Maps OpenInference attributes. The structured messages win over `input.value` / `output.value`
 * on LLM spans (those hold the raw request and response bodies, which repeat them).
 */
export function openInferenceConvention(span: OtlpSpan): ConventionResult {
  const reader = new AttributeReader(span.attributes);
  const fields: ConventionFields = {};
  const kind = reader.text('openinference.span.kind')?.toUpperCase();
  if (kind && KINDS[kind]) fields.operation_type = KINDS[kind];
  fields.model_name = reader.firstText('llm.response.model_name', 'llm.model_name', 'llm.request.model_name', 'embedding.model_name', 'reranker.model_name');
  // `llm.provider` is the host (`azure` for Azure OpenAI), as GenAI's provider name is; `llm.system` the API family.
  fields.model_provider = reader.firstText('llm.provider', 'llm.system');
  fields.input_tokens = reader.number('llm.token_count.prompt');
  fields.output_tokens = reader.number('llm.token_count.completion');
  fields.total_tokens = reader.number('llm.token_count.total');
  fields.cached_input_tokens = reader.number('llm.token_count.prompt_details.cache_read');
  fields.reasoning_tokens = reader.number('llm.token_count.completion_details.reasoning');
  const metadata: Record<string, unknown> = {};
  const cacheWrite = reader.number('llm.token_count.prompt_details.cache_write');
  if (cacheWrite) metadata.cache_creation_input_tokens = cacheWrite;
  fields.session_id = reader.text('session.id');
  fields.end_user_id = reader.text('user.id');
  const tags = asTags(reader.take('tag.tags'));
  if (tags.length > 0) fields.tags = tags;
  const userMetadata = reader.json('metadata');
  if (isRecord(userMetadata)) for (const [key, entry] of Object.entries(userMetadata)) setEntry(metadata, key, entry);
  else if (userMetadata !== undefined) metadata.metadata = userMetadata;
  const toolParameters = reader.json('tool.parameters');
  if (toolParameters !== undefined) metadata['tool.parameters'] = toolParameters;

  const inputMessages = reader.list('llm.input_messages').map(toMessage);
  const outputMessages = reader.list('llm.output_messages').map(toMessage);
  if (inputMessages.length > 0) reader.consume('input.value', 'input.mime_type');
  if (outputMessages.length > 0) reader.consume('output.value', 'output.mime_type');
  fields.input_data = inputMessages.length > 0 ? inputMessages : value(reader, 'input');
  fields.output_data = outputMessages.length > 0 ? outputMessages : value(reader, 'output');

  const embeddings = reader.list('embedding.embeddings');
  if (embeddings.length > 0) {
    metadata.embedding_count = embeddings.length;
    const texts = embeddings.map((node) => pick(node, 'embedding', 'text')).filter((text) => text !== undefined);
    // The embedded texts say more than the raw request body that `input.value` holds.
    if (texts.length > 0) fields.input_data = texts;
  }
  const retrieved = reader.list('retrieval.documents');
  if (retrieved.length > 0) fields.output_data ??= documents(retrieved);
  if (Object.keys(metadata).length > 0) fields.metadata = metadata;
  return { fields, consumed: reader.consumed };
}
