/**
 * One decoded OTLP span → one `llm_traces` row (in the shape `POST /api/analytics/traces` takes).
 * Every convention mapper reads the span on its own; the table below decides, per column, whose
 * value wins when several have one. What no convention used is kept in `metadata`.
 *
 * Guarantees: never throws on well-typed input; text columns fit the ingest schema's limits
 * (truncated, never rejected); token counts are integers in 0..2^31-1 or absent; every metadata
 * value is at most {@link MAX_METADATA_VALUE} characters long (as text or as JSON).
 */
import type { MappedSpan, OtlpSpan } from './types';
import { isRecord, setEntry, type Convention, type ConventionFields, type ConventionResult } from './conventions/convention';
import { commonConvention, normalizeProvider, spanStatus, spanTiming } from './conventions/common';
import { genAiConvention } from './conventions/genai';
import { openInferenceConvention } from './conventions/openinference';
import { openLlmetryConvention } from './conventions/openllmetry';
import { vercelConvention } from './conventions/vercel';

const CONVENTIONS = {
  openinference: openInferenceConvention,
  vercel: vercelConvention,
  openllmetry: openLlmetryConvention,
  genai: genAiConvention,
  common: commonConvention,
} satisfies Record<string, Convention>;

type Source = keyof typeof CONVENTIONS;
type Field = Exclude<keyof ConventionFields, 'metadata'>;

/**
 * Per column, the conventions that can fill it, first one with a value wins. A framework's own
 * convention knows its span best (OpenInference, then the Vercel AI SDK, then OpenLLMetry), then
 * the GenAI semconv they may also emit, then the generic keys. `gen_ai.conversation.id` comes
 * after the generic `session.id`: an app's explicit session groups several agent conversations.
 * `tags` are the union of all sources, in this order.
 */
const PRECEDENCE: Record<Field, readonly Source[]> = {
  operation_type: ['openinference', 'vercel', 'openllmetry', 'genai', 'common'],
  model_name: ['openinference', 'vercel', 'genai'],
  model_provider: ['openinference', 'vercel', 'genai'],
  input_tokens: ['openinference', 'vercel', 'genai'],
  output_tokens: ['openinference', 'vercel', 'genai'],
  total_tokens: ['openinference', 'vercel', 'openllmetry'],
  cached_input_tokens: ['openinference', 'vercel', 'genai'],
  reasoning_tokens: ['openinference', 'vercel', 'openllmetry', 'genai'],
  time_to_first_token_ms: ['vercel', 'genai'],
  input_data: ['openinference', 'vercel', 'openllmetry', 'genai', 'common'],
  output_data: ['openinference', 'vercel', 'openllmetry', 'genai', 'common'],
  session_id: ['openinference', 'vercel', 'openllmetry', 'common', 'genai'],
  end_user_id: ['openinference', 'vercel', 'openllmetry', 'common'],
  tags: ['openinference', 'vercel', 'common'],
  error_message: ['common'],
  service_name: ['common'],
};

/** Metadata from several conventions merges with the higher-precedence one written last. */
const METADATA_ORDER: readonly Source[] = ['common', 'genai', 'openllmetry', 'vercel', 'openinference'];

/** Longest metadata value kept whole; longer text (or JSON) is cut with a marker. */
export const MAX_METADATA_VALUE = 10_000;
/** Span events kept in `metadata['otel.events']` when no convention mapped them. */
const MAX_EVENTS = 20;
const MAX_INT32 = 2_147_483_647;
/** Column limits of the ingest schema (`IncomingSpan`). */
const LIMITS = { span_name: 200, model_name: 200, model_provider: 100, error_message: 10_000, service_name: 200, session_id: 200, end_user_id: 200, tag: 100 };
const MAX_TAGS = 50;
const SPAN_KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

/** The first `end` characters of `text`, one fewer if that would split a surrogate pair. */
function cut(text: string, end: number): string {
  const code = text.charCodeAt(end - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? end - 1 : end);
}

/** `text` cut to at most `max` characters, ending with `…` when cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${cut(text, max - 1)}…`;
}

/** A metadata value no longer than {@link MAX_METADATA_VALUE}: long text or JSON is cut and marked. */
function compact(value: unknown): unknown {
  const text = typeof value === 'string' ? value : Array.isArray(value) || isRecord(value) ? JSON.stringify(value) : undefined;
  if (text === undefined || text.length <= MAX_METADATA_VALUE) return value;
  const marker = `…[truncated: ${text.length} characters in all]`;
  return `${cut(text, MAX_METADATA_VALUE - marker.length)}${marker}`;
}

function count(value: number | undefined): number | undefined {
  return value !== undefined && Number.isInteger(value) && value >= 0 && value <= MAX_INT32 ? value : undefined;
}

function limited(value: string | undefined, max: number): string | undefined {
  const text = value?.trim();
  return text ? truncate(text, max) : undefined;
}

/** Sets an optional column only when it has a value, so unknown columns stay absent. */
function put<K extends keyof MappedSpan>(span: MappedSpan, key: K, value: MappedSpan[K] | undefined): void {
  if (value !== undefined) span[key] = value;
}

function pickField<F extends Field>(results: Record<Source, ConventionResult>, field: F): ConventionFields[F] {
  for (const source of PRECEDENCE[field]) {
    const value = results[source].fields[field];
    if (value !== undefined && value !== null) return value;
  }
  return undefined;
}

function mergedTags(results: Record<Source, ConventionResult>): string[] | undefined {
  const tags = new Set<string>();
  for (const source of PRECEDENCE.tags) {
    for (const tag of results[source].fields.tags ?? []) {
      const text = limited(tag, LIMITS.tag);
      if (text && tags.size < MAX_TAGS) tags.add(text);
    }
  }
  return tags.size > 0 ? [...tags] : undefined;
}

function metadataOf(span: OtlpSpan, results: Record<Source, ConventionResult>): Record<string, unknown> {
  const all = Object.values(results);
  const metadata: Record<string, unknown> = {};
  for (const key in span.attributes) {
    if (!Object.hasOwn(span.attributes, key) || all.some((result) => result.consumed.has(key))) continue;
    setEntry(metadata, key, compact(span.attributes[key]));
  }
  if (span.scope.name || span.scope.version) metadata['otel.scope'] = { name: span.scope.name, version: span.scope.version };
  metadata['otel.kind'] = SPAN_KINDS[span.kind] ?? 'unspecified';
  const events = span.events.filter((event) => !all.some((result) => result.consumedEvents?.has(event.name)));
  if (events.length > 0) {
    const startNanos = span.startTimeUnixNano;
    metadata['otel.events'] = compact(
      events.slice(0, MAX_EVENTS).map((event) => ({
        name: event.name,
        ...(event.timeUnixNano > 0n ? { offset_ms: Number(event.timeUnixNano - startNanos) / 1e6 } : {}),
        attributes: event.attributes,
      })),
    );
    if (events.length > MAX_EVENTS) metadata['otel.events_dropped'] = events.length - MAX_EVENTS;
  }
  for (const source of METADATA_ORDER) {
    for (const [key, value] of Object.entries(results[source].fields.metadata ?? {})) setEntry(metadata, key, compact(value));
  }
  return metadata;
}

/**
 * Maps one decoded OTLP span onto `llm_traces` columns by the GenAI semconv, OpenInference,
 * OpenLLMetry and Vercel AI SDK conventions. `cost_usd` is left to the span store.
 *
 * @example
 * mapOtlpSpan(span);
 * // { span_name: 'chat gpt-4o', operation_type: 'llm_call', model_name: 'gpt-4o-2024-08-06',
 * //   model_provider: 'openai', input_tokens: 12, output_tokens: 3, status: 'completed',
 * //   input_data: [{ role: 'user', content: 'Hi' }], metadata: { 'otel.kind': 'client', … }, … }
 */
export function mapOtlpSpan(span: OtlpSpan): MappedSpan {
  const results: Record<Source, ConventionResult> = {
    openinference: CONVENTIONS.openinference(span),
    vercel: CONVENTIONS.vercel(span),
    openllmetry: CONVENTIONS.openllmetry(span),
    genai: CONVENTIONS.genai(span),
    common: CONVENTIONS.common(span),
  };
  const field = <F extends Field>(name: F) => pickField(results, name);
  const provider = field('model_provider');
  const ttft = field('time_to_first_token_ms');
  const mapped: MappedSpan = {
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_trace_id: span.parentSpanId,
    span_name: limited(span.name, LIMITS.span_name) ?? '(unnamed)',
    operation_type: field('operation_type') ?? 'other',
    status: spanStatus(span),
    ...spanTiming(span),
    metadata: metadataOf(span, results),
  };
  put(mapped, 'model_name', limited(field('model_name'), LIMITS.model_name));
  put(mapped, 'model_provider', provider ? limited(normalizeProvider(provider), LIMITS.model_provider) : undefined);
  put(mapped, 'error_message', limited(field('error_message'), LIMITS.error_message));
  put(mapped, 'input_tokens', count(field('input_tokens')));
  put(mapped, 'output_tokens', count(field('output_tokens')));
  put(mapped, 'total_tokens', count(field('total_tokens')));
  put(mapped, 'cached_input_tokens', count(field('cached_input_tokens')));
  put(mapped, 'reasoning_tokens', count(field('reasoning_tokens')));
  put(mapped, 'time_to_first_token_ms', ttft !== undefined && Number.isFinite(ttft) && ttft >= 0 ? ttft : undefined);
  put(mapped, 'service_name', limited(field('service_name'), LIMITS.service_name));
  put(mapped, 'session_id', limited(field('session_id'), LIMITS.session_id));
  put(mapped, 'end_user_id', limited(field('end_user_id'), LIMITS.end_user_id));
  put(mapped, 'tags', mergedTags(results));
  put(mapped, 'input_data', field('input_data'));
  put(mapped, 'output_data', field('output_data'));
  return mapped;
}
