import { OPERATION_TYPES } from '@llmtrace/sdk/span';
/**
 * What every span gets, whichever convention (if any) it follows: times, status and error,
 * `service.name`, the generic session / user / tag keys, and one spelling per model provider.
 */
import type { MappedOperationType, OtlpEvent, OtlpSpan } from '../types';
import { toChatMessageList } from './chat-messages';
import { AttributeReader, asText, isRecord, parseJson, parseJsonText, pick, type ConventionFields, type ConventionResult } from './convention';

/** Longest stack trace kept in `metadata['exception.stacktrace']`. */
export const MAX_STACKTRACE = 4000;

/**
 * Spellings of one provider → the name shown and filtered on. Covers the GenAI semconv values
 * (current and deprecated), OpenInference's, OpenLLMetry's and the Vercel AI SDK's provider ids.
 * All of Azure maps to `azure`: OpenInference reports the host (`llm.provider: azure`), GenAI
 * `azure.ai.openai` or `azure.ai.inference`, Vercel `azure.chat`; one name keeps them in one filter.
 */
const PROVIDER_ALIASES: Record<string, string> = {
  'azure.ai.openai': 'azure',
  'az.ai.openai': 'azure',
  'azure.ai.inference': 'azure',
  'az.ai.inference': 'azure',
  azure_openai: 'azure',
  'azure-openai': 'azure',
  'aws.bedrock': 'bedrock',
  'amazon-bedrock': 'bedrock',
  aws: 'bedrock',
  'gcp.gen_ai': 'google',
  'gcp.gemini': 'google',
  'gcp.vertex_ai': 'google',
  gemini: 'google',
  vertex_ai: 'google',
  vertexai: 'google',
  vertex: 'google',
  'google-vertex': 'google',
  mistralai: 'mistral',
  mistral_ai: 'mistral',
  x_ai: 'xai',
  'x-ai': 'xai',
  grok: 'xai',
  together_ai: 'together',
  togetherai: 'together',
  hugging_face: 'huggingface',
  'ibm.watsonx.ai': 'watsonx',
  ibm: 'watsonx',
  aleph_alpha: 'aleph_alpha',
};

/**
 * One lowercase name per model provider.
 *
 * @example
 * normalizeProvider('openai.responses'); // 'openai' (Vercel AI SDK)
 * normalizeProvider('gcp.vertex_ai'); // 'google'
 * normalizeProvider('OpenAI'); // 'openai' (older OpenLLMetry)
 */
export function normalizeProvider(raw: string): string {
  const name = raw.trim().toLowerCase();
  if (PROVIDER_ALIASES[name]) return PROVIDER_ALIASES[name];
  // Vercel AI SDK ids are `<provider>.<api>` (`anthropic.messages`, `google.generative-ai`).
  const first = name.split('.')[0];
  return PROVIDER_ALIASES[first] ?? first;
}

/** Epoch milliseconds from nanoseconds, keeping microseconds (a float beyond that would round). */
export function nanosToMillis(nanos: bigint): number {
  return Number(nanos / 1000n) / 1000;
}

export interface SpanTiming {
  start_time: number;
  end_time: number | null;
  duration_ms: number | null;
}

/** Start, end and duration; a span without an end is still running. */
export function spanTiming(span: OtlpSpan): SpanTiming {
  const start_time = nanosToMillis(span.startTimeUnixNano);
  if (span.endTimeUnixNano === null) return { start_time, end_time: null, duration_ms: null };
  return {
    start_time,
    end_time: nanosToMillis(span.endTimeUnixNano),
    duration_ms: Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e6,
  };
}

function exceptionEvent(span: OtlpSpan): OtlpEvent | undefined {
  return span.events.find((event) => event.name === 'exception');
}

/**
 * `failed` for status code 2, and for an `exception` event or an `error.type` attribute unless the
 * status is explicitly OK (code 1): a sender that set OK recorded an exception it handled.
 */
export function spanStatus(span: OtlpSpan): 'completed' | 'failed' | 'running' {
  const code = span.status.code;
  if (code === 2) return 'failed';
  if (code !== 1 && (exceptionEvent(span) || asText(span.attributes['error.type']))) return 'failed';
  return span.endTimeUnixNano === null ? 'running' : 'completed';
}

function errorFields(span: OtlpSpan, reader: AttributeReader): Pick<ConventionFields, 'error_message' | 'metadata'> {
  const exception = exceptionEvent(span);
  const type = asText(exception?.attributes['exception.type']);
  const message = asText(exception?.attributes['exception.message']);
  const fromException = type && message ? `${type}: ${message}` : (message ?? type);
  const errorType = reader.text('error.type');
  const error_message = fromException ?? asText(span.status.message) ?? errorType;
  const stack = asText(exception?.attributes['exception.stacktrace']);
  const metadata = stack ? { 'exception.stacktrace': stack.length > MAX_STACKTRACE ? `${stack.slice(0, MAX_STACKTRACE)}…[truncated]` : stack } : undefined;
  return { ...(error_message ? { error_message } : {}), ...(metadata ? { metadata } : {}) };
}

/** Tags sent as a list, a JSON list in a string, or comma-separated text. */
export function asTags(value: unknown): string[] {
  const parsed = parseJson(value);
  if (Array.isArray(parsed)) return parsed.map(asText).filter((tag): tag is string => tag !== undefined);
  const text = asText(parsed);
  return text ? text.split(',').map((tag) => tag.trim()).filter(Boolean) : [];
}

/**
 * Logfire (pydantic) records the raw OpenAI request and response as `request_data` /
 * `response_data`; older releases carry no GenAI message attributes beside them, so they are the
 * fallback for input and output, and a duplicate of them when GenAI messages are present.
 */
function logfireFields(reader: AttributeReader): ConventionFields {
  if (!reader.has('logfire.msg_template') && !reader.has('logfire.span_type')) return {};
  // Describes the other attributes' types for Logfire's own UI; nothing a reader here needs.
  reader.consume('logfire.json_schema');
  const fields: ConventionFields = {};
  const request = reader.convert('request_data', (value) => {
    const parsed = parseJson(value);
    return isRecord(parsed) ? parsed : undefined;
  });
  if (request) {
    fields.input_data = toChatMessageList(request.messages) ?? request.input ?? request.prompt;
    const params = Object.fromEntries(Object.entries(request).filter(([key]) => key !== 'messages'));
    if (Object.keys(params).length > 0) fields.metadata = { request_params: params };
  }
  fields.output_data = reader.convert('response_data', (value) => {
    const message = pick(parseJson(value), 'message');
    return toChatMessageList([message]) ?? undefined;
  });
  return fields;
}

const OPERATIONS: ReadonlySet<string> = new Set<string>(OPERATION_TYPES);

/**
 * The generic keys: `session.id`, `user.id` / `enduser.id`, `tags`, Langfuse's and Logfire's
 * spellings of them, `service.name` from the resource, and the error of a failed span.
 */
export function commonConvention(span: OtlpSpan): ConventionResult {
  const reader = new AttributeReader(span.attributes);
  const fields: ConventionFields = logfireFields(reader);
  const session = reader.firstText('session.id', 'langfuse.session.id');
  if (session) fields.session_id = session;
  const user = reader.firstText('user.id', 'enduser.id', 'langfuse.user.id');
  if (user) fields.end_user_id = user;
  const tags = ['tags', 'langfuse.trace.tags', 'logfire.tags'].flatMap((key) => asTags(reader.take(key)));
  if (tags.length > 0) fields.tags = tags;
  const service = asText(span.resource['service.name']);
  if (service) fields.service_name = service;
  // Another LLMTrace exporting its own spans: data that is not a conversation travels as JSON.
  fields.input_data ??= reader.convert('llmtrace.input', parseJsonText);
  fields.output_data ??= reader.convert('llmtrace.output', parseJsonText);
  const operation = reader.convert('llmtrace.operation_type', (value) => (typeof value === 'string' && OPERATIONS.has(value) ? (value as MappedOperationType) : undefined));
  if (operation) fields.operation_type = operation;
  const failed = spanStatus(span) === 'failed';
  if (failed) {
    const errors = errorFields(span, reader);
    if (errors.error_message) fields.error_message = errors.error_message;
    if (errors.metadata) fields.metadata = { ...fields.metadata, ...errors.metadata };
  }
  // A handled exception on a span that did not fail stays visible among the span's events.
  return { fields, consumed: reader.consumed, consumedEvents: new Set(failed ? ['exception'] : []) };
}
