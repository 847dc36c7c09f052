/**
 * The OpenTelemetry GenAI semantic conventions (`gen_ai.*`), current and deprecated spellings:
 * what the OTel Python/JS instrumentations, Logfire, the Vercel AI SDK's `OpenTelemetry`
 * integration and newer OpenLLMetry releases send. Messages come as `gen_ai.input.messages` /
 * `gen_ai.output.messages` (JSON string or structured), or, from older instrumentations, as one
 * span event per message (`gen_ai.user.message`, `gen_ai.choice`, …).
 */
import type { MappedOperationType, OtlpEvent, OtlpSpan } from '../types';
import { toChatMessageList, toChatMessages, type ChatMessage } from './chat-messages';
import { AttributeReader, asNumber, asText, isRecord, parseJson, type ConventionFields, type ConventionResult } from './convention';

const OPERATIONS: Record<string, MappedOperationType> = {
  chat: 'llm_call',
  text_completion: 'llm_call',
  generate_content: 'llm_call',
  embeddings: 'embedding',
  execute_tool: 'tool_call',
  invoke_agent: 'agent',
  create_agent: 'agent',
  invoke_workflow: 'chain',
  retrieval: 'retrieval',
  rerank: 'retrieval',
};

/** Per-message events of the deprecated event conventions, and the role each stands for. */
const INPUT_MESSAGE_EVENTS: Record<string, string> = {
  'gen_ai.system.message': 'system',
  'gen_ai.user.message': 'user',
  'gen_ai.assistant.message': 'assistant',
  'gen_ai.tool.message': 'tool',
};
const CHOICE_EVENT = 'gen_ai.choice';
/** Semconv ≤ 1.27 carried the whole prompt / completion as one event each. */
const PROMPT_EVENT = 'gen_ai.content.prompt';
const COMPLETION_EVENT = 'gen_ai.content.completion';
/** The current event that repeats the span's message attributes (for log-based backends). */
const DETAILS_EVENT = 'gen_ai.client.inference.operation.details';

/**
 * An event's message body: a `body` attribute (how log bridges copy log records onto spans),
 * `gen_ai.event.content` (Azure AI Inference, Semantic Kernel), or the body's fields as attributes.
 */
function eventBody(event: OtlpEvent): Record<string, unknown> {
  for (const key of ['body', 'gen_ai.event.content', 'event.body']) {
    const parsed = parseJson(event.attributes[key]);
    if (isRecord(parsed)) return parsed;
    if (typeof parsed === 'string') return { content: parsed };
  }
  return event.attributes;
}

function eventMessages(span: OtlpSpan): { input?: ChatMessage[]; output?: ChatMessage[]; used: Set<string> } {
  const used = new Set<string>();
  const input: ChatMessage[] = [];
  const choices: Array<{ index: number; messages: ChatMessage[] }> = [];
  for (const event of span.events) {
    const role = INPUT_MESSAGE_EVENTS[event.name];
    if (role) {
      const body = eventBody(event);
      input.push(...toChatMessages({ ...body, role: asText(body.role) ?? role }, role));
      used.add(event.name);
    } else if (event.name === CHOICE_EVENT) {
      const body = eventBody(event);
      const message = isRecord(body.message) ? body.message : body;
      const messages = toChatMessages({ ...message, finish_reason: body.finish_reason }, 'assistant');
      choices.push({ index: asNumber(body.index) ?? choices.length, messages });
      used.add(event.name);
    } else if (event.name === PROMPT_EVENT) {
      input.push(...(wholeText(event.attributes['gen_ai.prompt'], 'user') ?? []));
      used.add(event.name);
    } else if (event.name === COMPLETION_EVENT) {
      choices.push({ index: choices.length, messages: wholeText(event.attributes['gen_ai.completion'], 'assistant') ?? [] });
      used.add(event.name);
    }
  }
  const output = choices.sort((a, b) => a.index - b.index).flatMap((choice) => choice.messages);
  return { input: input.length ? input : undefined, output: output.length ? output : undefined, used };
}

/** The deprecated whole-prompt value: a JSON list of messages, or plain text. */
function wholeText(value: unknown, role: string): ChatMessage[] | undefined {
  const list = toChatMessageList(value, role);
  if (list) return list;
  const text = asText(value);
  return text ? [{ role, content: text }] : undefined;
}

/** System instructions (a list of parts, or text) followed by the input messages. */
function chatInput(instructions: unknown, messages: unknown): ChatMessage[] | undefined {
  const list = toChatMessageList(messages) ?? [];
  const parsed = parseJson(instructions);
  const system = Array.isArray(parsed) ? toChatMessages({ role: 'system', parts: parsed }) : typeof parsed === 'string' && parsed ? [{ role: 'system', content: parsed }] : [];
  const all = [...system, ...list];
  return all.length > 0 ? all : undefined;
}

function secondsToMillis(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : seconds * 1000;
}

/**
 * Maps `gen_ai.*` attributes: operation, provider, model (the response's wins over the request's),
 * usage in both spellings, messages, tool arguments/results, retrieval query/documents and
 * `gen_ai.conversation.id`.
 */
export function genAiConvention(span: OtlpSpan): ConventionResult {
  const reader = new AttributeReader(span.attributes);
  const details = span.events.find((event) => event.name === DETAILS_EVENT)?.attributes ?? {};
  const fields: ConventionFields = {};
  const operation = reader.text('gen_ai.operation.name');
  if (operation && OPERATIONS[operation]) fields.operation_type = OPERATIONS[operation];
  fields.model_name = reader.firstText('gen_ai.response.model', 'gen_ai.request.model');
  fields.model_provider = reader.firstText('gen_ai.provider.name', 'gen_ai.system');
  fields.input_tokens = reader.firstNumber('gen_ai.usage.input_tokens', 'gen_ai.usage.prompt_tokens');
  fields.output_tokens = reader.firstNumber('gen_ai.usage.output_tokens', 'gen_ai.usage.completion_tokens');
  fields.cached_input_tokens = reader.firstNumber('gen_ai.usage.cache_read.input_tokens', 'gen_ai.usage.cache_read_input_tokens');
  fields.reasoning_tokens = reader.firstNumber('gen_ai.usage.reasoning.output_tokens', 'gen_ai.usage.reasoning_tokens');
  const cacheCreation = reader.firstNumber('gen_ai.usage.cache_creation.input_tokens', 'gen_ai.usage.cache_creation_input_tokens');
  if (cacheCreation) fields.metadata = { cache_creation_input_tokens: cacheCreation };
  fields.time_to_first_token_ms = secondsToMillis(
    reader.firstNumber('gen_ai.response.time_to_first_chunk', 'gen_ai.client.operation.time_to_first_chunk'),
  );
  fields.session_id = reader.text('gen_ai.conversation.id');

  if (operation === 'execute_tool') {
    fields.input_data = reader.json('gen_ai.tool.call.arguments');
    fields.output_data = reader.json('gen_ai.tool.call.result');
  } else if (reader.has('gen_ai.retrieval.query.text') || reader.has('gen_ai.retrieval.documents')) {
    fields.input_data = reader.text('gen_ai.retrieval.query.text');
    fields.output_data = reader.json('gen_ai.retrieval.documents');
  }
  if (fields.input_data === undefined) {
    fields.input_data = chatInput(span.attributes['gen_ai.system_instructions'] ?? details['gen_ai.system_instructions'], span.attributes['gen_ai.input.messages'] ?? details['gen_ai.input.messages']);
    if (fields.input_data) reader.consume('gen_ai.system_instructions', 'gen_ai.input.messages');
  }
  fields.output_data ??= toChatMessageList(span.attributes['gen_ai.output.messages'] ?? details['gen_ai.output.messages'], 'assistant');
  if (fields.output_data) reader.consume('gen_ai.output.messages');
  const events = eventMessages(span);
  fields.input_data ??= reader.convert('gen_ai.prompt', (value) => wholeText(value, 'user'));
  fields.output_data ??= reader.convert('gen_ai.completion', (value) => wholeText(value, 'assistant'));
  fields.input_data ??= events.input;
  fields.output_data ??= events.output;
  if (Object.keys(details).length > 0) events.used.add(DETAILS_EVENT);
  return { fields, consumed: reader.consumed, consumedEvents: events.used };
}
