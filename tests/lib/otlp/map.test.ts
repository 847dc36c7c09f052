import { describe, expect, it } from 'vitest';
import { MAX_METADATA_VALUE, mapOtlpSpan } from '@/lib/otlp/map';
import type { Attributes } from '@/lib/otlp/types';
import { otlpSpan } from '@/tests/support/otlp-json';

const map = (attributes: Attributes, extra: Parameters<typeof otlpSpan>[0] = {}) => mapOtlpSpan(otlpSpan({ attributes, ...extra }));

describe('mapOtlpSpan: ids, name, times', () => {
  it('carries the ids, the name, the span kind and the scope', () => {
    const span = mapOtlpSpan(otlpSpan({ parentSpanId: '00f067aa0ba902b7', name: 'work', kind: 3 }));
    expect(span).toMatchObject({
      trace_id: '5b8efff798038103d269b633813fc60c',
      span_id: 'eee19b7ec3c1b174',
      parent_trace_id: '00f067aa0ba902b7',
      span_name: 'work',
      operation_type: 'other',
      status: 'completed',
      start_time: 1_700_000_000_000,
      end_time: 1_700_000_001_000,
      duration_ms: 1000,
      service_name: 'test-service',
    });
    expect(span.metadata).toEqual({ 'otel.scope': { name: 'test-scope', version: '1.0.0' }, 'otel.kind': 'client' });
  });
});

describe('mapOtlpSpan: precedence', () => {
  it('takes a framework convention over the GenAI attributes it also carries', () => {
    const span = map({ 'openinference.span.kind': 'LLM', 'llm.model_name': 'from-openinference', 'gen_ai.request.model': 'from-genai', 'gen_ai.operation.name': 'invoke_agent' });
    expect(span).toMatchObject({ model_name: 'from-openinference', operation_type: 'llm_call' });
  });

  it('fills a column from a lower convention when the higher ones have nothing for it', () => {
    const span = map({ 'ai.operationId': 'ai.generateText.doGenerate', 'ai.model.id': 'gpt-4o', 'gen_ai.usage.input_tokens': 9 });
    expect(span).toMatchObject({ model_name: 'gpt-4o', input_tokens: 9 });
  });

  it("takes an app's explicit session over the GenAI conversation id", () => {
    expect(map({ 'session.id': 'app-session', 'gen_ai.conversation.id': 'thread' }).session_id).toBe('app-session');
  });

  it('merges tags from every convention without repeats', () => {
    expect(map({ 'tag.tags': ['a', 'b'], 'langfuse.trace.tags': ['b', 'c'] }).tags).toEqual(['a', 'b', 'c']);
  });
});

describe('mapOtlpSpan: limits of the ingest schema', () => {
  it('truncates long text columns instead of rejecting the span', () => {
    const span = map(
      { 'gen_ai.request.model': 'm'.repeat(500), 'gen_ai.provider.name': 'p'.repeat(500), 'session.id': 's'.repeat(500) },
      { name: 'n'.repeat(500), status: { code: 2, message: 'e'.repeat(20_000) }, resource: { 'service.name': 'v'.repeat(500) } },
    );
    expect(span.span_name).toHaveLength(200);
    expect(span.span_name.endsWith('…')).toBe(true);
    expect(span.model_name).toHaveLength(200);
    expect(span.model_provider).toHaveLength(100);
    expect(span.error_message).toHaveLength(10_000);
    expect(span.service_name).toHaveLength(200);
    expect(span.session_id).toHaveLength(200);
  });

  it('never cuts a character in half', () => {
    const span = mapOtlpSpan(otlpSpan({ name: `${'a'.repeat(198)}😀😀` }));
    expect(span.span_name).toBe(`${'a'.repeat(198)}…`);
  });

  it('names a span that came without a name', () => {
    expect(mapOtlpSpan(otlpSpan({ name: '  ' })).span_name).toBe('(unnamed)');
  });

  it.each([
    ['a negative count', -1, undefined],
    ['a fraction', 1.5, undefined],
    ['a count beyond int32', 2_147_483_648, undefined],
    ['text', 'many', undefined],
    ['a numeric string (int64 on the wire)', '42', 42],
    ['the largest int32', 2_147_483_647, 2_147_483_647],
  ])('token counts: %s gives %s', (_label, value, expected) => {
    expect(map({ 'gen_ai.usage.input_tokens': value }).input_tokens).toBe(expected);
  });

  it('keeps at most 50 tags of at most 100 characters', () => {
    const tags = Array.from({ length: 60 }, (_, i) => `${i}-${'t'.repeat(150)}`);
    const span = map({ tags });
    expect(span.tags).toHaveLength(50);
    expect(span.tags?.every((tag) => tag.length <= 100)).toBe(true);
  });
});

describe('mapOtlpSpan: metadata', () => {
  it('keeps attributes no convention used, and leaves out those mapped onto columns', () => {
    const span = map({ 'gen_ai.request.model': 'gpt-4o', 'gen_ai.request.temperature': 0.3, 'app.feature': 'search' });
    expect(span.metadata).toMatchObject({ 'gen_ai.request.temperature': 0.3, 'app.feature': 'search' });
    expect(span.metadata).not.toHaveProperty('gen_ai.request.model');
  });

  it('keeps a value a convention could not read, instead of dropping it', () => {
    const span = map({ 'gen_ai.input.messages': 'not json', 'ai.prompt.messages': '{broken' });
    expect(span.input_data).toBeUndefined();
    expect(span.metadata).toMatchObject({ 'gen_ai.input.messages': 'not json', 'ai.prompt.messages': '{broken' });
  });

  it('cuts a very long value with a marker that says how long it was', () => {
    const span = map({ 'app.blob': 'x'.repeat(50_000), 'app.list': Array.from({ length: 5000 }, (_, i) => i) });
    const blob = String(span.metadata['app.blob']);
    expect(blob.length).toBeLessThanOrEqual(MAX_METADATA_VALUE);
    expect(blob).toMatch(/…\[truncated: 50000 characters in all\]$/);
    expect(String(span.metadata['app.list']).length).toBeLessThanOrEqual(MAX_METADATA_VALUE);
  });

  it('stores an attribute named __proto__ as data, not as the prototype', () => {
    const plain = map(JSON.parse('{"__proto__": {"polluted": true}}') as Attributes);
    const unpacked = map({ 'traceloop.association.properties.__proto__': 'x' });
    for (const span of [plain, unpacked]) expect(Object.getPrototypeOf(span.metadata)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(plain.metadata)).__proto__).toEqual({ polluted: true });
    expect(JSON.parse(JSON.stringify(unpacked.metadata)).__proto__).toBe('x');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps events no convention mapped, at most 20', () => {
    const events = Array.from({ length: 25 }, (_, i) => ({ name: `step ${i}`, timeUnixNano: 1_700_000_000_250_000_000n, attributes: {} }));
    const span = map({}, { events });
    expect(span.metadata['otel.events']).toHaveLength(20);
    expect(span.metadata['otel.events_dropped']).toBe(5);
  });
});
