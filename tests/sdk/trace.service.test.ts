import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  INVALID_TRACE_ID,
  InMemorySpanSink,
  TraceService,
  calculateDuration,
  generateSpanId,
  generateTraceId,
  isRecording,
  traceService,
  type SpanRecord,
  type SpanSink,
  type TracingConfig,
} from '@llmtrace/sdk';

const userId = '6f1c2a4e-0d6b-4e4b-9a55-1f3c1b7c9a01';

function serviceWithSink(config: Partial<TracingConfig> = {}) {
  const sink = new InMemorySpanSink();
  const service = new TraceService({ sink, config: { batchIntervalMs: 60_000, ...config } });
  return { sink, service };
}

async function written(service: TraceService, sink: InMemorySpanSink): Promise<SpanRecord[]> {
  await service.flush();
  return sink.spans();
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('TraceService (the plan\'s unit tests)', () => {
  it('generates unique trace IDs', () => {
    const id1 = traceService.generateTraceId();
    const id2 = traceService.generateTraceId();
    expect(id1).not.toBe(id2);
  });

  it('calculates duration correctly', () => {
    const start = new Date('2025-01-01T00:00:00Z');
    const end = new Date('2025-01-01T00:00:02.5Z');
    expect(traceService.calculateDuration(start, end)).toBe(2500);
    expect(calculateDuration(start, end)).toBe(2500);
  });

  it('handles trace errors gracefully: a failing sink never reaches the caller', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const failing: SpanSink = { write: () => Promise.reject(new Error('database is down')) };
    const service = new TraceService({ sink: failing, config: { batchSize: 1, maxRetries: 1, retryBaseDelayMs: 1 } });
    const context = await service.startTrace({ spanName: 'llm.completion', operationType: 'llm_call', userId });
    await expect(service.endTrace(context, { status: 'completed', endTime: new Date() })).resolves.toBeUndefined();
    await expect(service.flush()).resolves.toBeUndefined();
    expect(service.stats()).toMatchObject({ written: 0, dropped: 1, failedWrites: 2, queued: 0 });
  });

  it('never rejects even when the sink throws synchronously', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const throwing: SpanSink = {
      write: () => {
        throw new Error('sync throw');
      },
    };
    const service = new TraceService({ sink: throwing, config: { batchSize: 1, maxRetries: 0 } });
    const context = await service.startTrace({ spanName: 'llm.call', operationType: 'llm_call', userId });
    await expect(service.endTrace(context)).resolves.toBeUndefined();
    await service.flush();
    expect(service.stats()).toMatchObject({ dropped: 1, failedWrites: 1 });
  });
});

describe('ids', () => {
  it('are W3C ids: 32 / 16 lowercase hex characters, never all zeros, unique over many draws', () => {
    const traceIds = Array.from({ length: 5000 }, () => generateTraceId());
    const spanIds = Array.from({ length: 5000 }, () => generateSpanId());
    expect(traceIds.filter((id) => !/^[0-9a-f]{32}$/.test(id) || /^0+$/.test(id))).toEqual([]);
    expect(spanIds.filter((id) => !/^[0-9a-f]{16}$/.test(id) || /^0+$/.test(id))).toEqual([]);
    expect(new Set(traceIds).size).toBe(5000);
    expect(new Set(spanIds).size).toBe(5000);
  });

  it('durations are never negative', () => {
    expect(calculateDuration(new Date(2000), new Date(1000))).toBe(0);
  });
});

describe('span hierarchy', () => {
  it('a child shares the trace id, points at its parent span, and inherits user and conversation', async () => {
    const { service, sink } = serviceWithSink();
    const root = await service.startTrace({
      spanName: 'llm.completion',
      operationType: 'llm_call',
      userId,
      conversationId: 'c0000000-0000-4000-8000-000000000001',
    });
    const retrieval = await service.createChildSpan(root, 'retrieval');
    const search = await service.createChildSpan(retrieval, 'knowledge_base.search');
    const tool = await service.createChildSpan(root, 'tool.web_search', { inputData: { query: 'weather' } });
    for (const span of [search, retrieval, tool, root]) await service.endTrace(span);

    const spans = await written(service, sink);
    const byName = Object.fromEntries(spans.map((span) => [span.span_name, span]));
    expect(spans).toHaveLength(4);
    expect(new Set(spans.map((span) => span.trace_id))).toEqual(new Set([root.traceId]));
    expect(byName['llm.completion'].parent_trace_id).toBeNull();
    expect(byName.retrieval.parent_trace_id).toBe(root.spanId);
    expect(byName['knowledge_base.search'].parent_trace_id).toBe(retrieval.spanId);
    expect(byName['tool.web_search'].parent_trace_id).toBe(root.spanId);
    for (const span of spans) {
      expect(span.user_id).toBe(userId);
      expect(span.conversation_id).toBe('c0000000-0000-4000-8000-000000000001');
    }
    expect(byName.retrieval.operation_type).toBe('retrieval');
    expect(byName['knowledge_base.search'].operation_type).toBe('retrieval');
    expect(byName['tool.web_search'].operation_type).toBe('tool_call');
    expect(byName['tool.web_search'].input_data).toEqual({ query: 'weather' });
  });

  it('a child keeps its parent\'s user even when given another one', async () => {
    const { service, sink } = serviceWithSink();
    const root = await service.startTrace({ spanName: 'agent', operationType: 'agent', userId });
    const child = await service.startTrace({ spanName: 'llm.call', operationType: 'llm_call', parent: root, userId: 'someone-else' });
    expect(child.userId).toBe(userId);
    await service.endTrace(child);
    await service.endTrace(root);
    expect((await written(service, sink)).map((span) => span.user_id)).toEqual([userId, userId]);
  });

  it('a root without userId logs once and records nothing, without throwing', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { service, sink } = serviceWithSink();
    const first = await service.startTrace({ spanName: 'llm.completion', operationType: 'llm_call' });
    const second = await service.startTrace({ spanName: 'llm.completion', operationType: 'llm_call', userId: '' });
    const child = await service.createChildSpan(first, 'tool.calculator');
    expect(isRecording(first)).toBe(false);
    expect(isRecording(child)).toBe(false);
    expect(first.spanName).toBe('llm.completion');
    await service.endTrace(child);
    await service.endTrace(first);
    await service.captureError(second, new Error('boom'));
    expect(await written(service, sink)).toEqual([]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/^\[llmtrace\] .*userId/);
  });

  it('joins a propagated trace id, and ignores an invalid one', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { service } = serviceWithSink();
    const traceId = generateTraceId();
    const joined = await service.startTrace({ spanName: 'llm.call', operationType: 'llm_call', userId, traceId });
    const invalid = await service.startTrace({ spanName: 'llm.call', operationType: 'llm_call', userId, traceId: 'not-hex' });
    expect(joined.traceId).toBe(traceId);
    expect(invalid.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(invalid.traceId).not.toBe('not-hex');
  });
});

describe('span records', () => {
  it('compute duration, default total tokens, and carry every result field', async () => {
    const { service, sink } = serviceWithSink();
    const startTime = new Date('2026-01-01T10:00:00.000Z');
    const root = await service.startTrace({
      spanName: 'llm.completion',
      operationType: 'llm_call',
      userId,
      modelName: 'gpt-4o-mini',
      modelProvider: 'openai',
      inputData: { messages: [{ role: 'user', content: 'hi' }] },
      metadata: { route: 'chat' },
      startTime,
    });
    await service.endTrace(root, {
      endTime: new Date('2026-01-01T10:00:02.500Z'),
      inputTokens: 120,
      outputTokens: 30,
      cachedInputTokens: 100,
      reasoningTokens: 5,
      costUsd: 0.00042,
      timeToFirstTokenMs: 310,
      messageId: 'm0000000-0000-4000-8000-000000000001',
      outputData: { content: 'hello' },
      metadata: { finish_reason: 'stop' },
    });
    const [record] = await written(service, sink);
    expect(record).toMatchObject({
      user_id: userId,
      span_name: 'llm.completion',
      operation_type: 'llm_call',
      status: 'completed',
      start_time: startTime,
      duration_ms: 2500,
      model_name: 'gpt-4o-mini',
      model_provider: 'openai',
      input_tokens: 120,
      output_tokens: 30,
      total_tokens: 150,
      cached_input_tokens: 100,
      reasoning_tokens: 5,
      cost_usd: 0.00042,
      time_to_first_token_ms: 310,
      message_id: 'm0000000-0000-4000-8000-000000000001',
      input_data: { messages: [{ role: 'user', content: 'hi' }] },
      output_data: { content: 'hello' },
      metadata: { route: 'chat', finish_reason: 'stop' },
      error_message: null,
    });
    expect(record.end_time?.toISOString()).toBe('2026-01-01T10:00:02.500Z');
  });

  it('keep an unpriced cost as null, turn an unknown cost into null, and never invent total tokens', async () => {
    const { service, sink } = serviceWithSink();
    const unpriced = await service.startTrace({ spanName: 'unpriced', operationType: 'llm_call', userId });
    const unknown = await service.startTrace({ spanName: 'unknown', operationType: 'llm_call', userId });
    await service.endTrace(unpriced, { inputTokens: 10, costUsd: null });
    await service.endTrace(unknown, { totalTokens: 99 });
    const spans = await written(service, sink);
    const byName = Object.fromEntries(spans.map((span) => [span.span_name, span]));
    expect(byName.unpriced).toMatchObject({ cost_usd: null, input_tokens: 10, output_tokens: null, total_tokens: null });
    expect(byName.unknown).toMatchObject({ cost_usd: null, total_tokens: 99 });
  });

  it('captureError ends the span as failed with the error message', async () => {
    const { service, sink } = serviceWithSink();
    const span = await service.createChildSpan(
      await service.startTrace({ spanName: 'llm.completion', operationType: 'llm_call', userId }),
      'tool.web_search',
    );
    await service.captureError(span, new TypeError('fetch failed'));
    const [record] = await written(service, sink);
    expect(record).toMatchObject({ status: 'failed', error_message: 'fetch failed', span_name: 'tool.web_search' });
    expect(record.end_time).toBeInstanceOf(Date);
  });

  it('update() merges fields into the open span; the end result wins', async () => {
    const { service, sink } = serviceWithSink();
    const span = await service.startTrace({ spanName: 'llm.call', operationType: 'llm_call', userId, metadata: { a: 1 } });
    service.update(span, { modelName: 'claude-sonnet-4', inputTokens: 50, metadata: { b: 2 } });
    service.update(span, { outputTokens: 7, costUsd: 0.001, metadata: { c: 3 } });
    await service.endTrace(span, { outputTokens: 8, inputTokens: undefined });
    const [record] = await written(service, sink);
    expect(record).toMatchObject({
      model_name: 'claude-sonnet-4',
      input_tokens: 50,
      output_tokens: 8,
      total_tokens: 58,
      cost_usd: 0.001,
      metadata: { a: 1, b: 2, c: 3 },
    });
  });

  it('ending a span twice writes it once and logs once', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { service, sink } = serviceWithSink();
    const span = await service.startTrace({ spanName: 'llm.call', operationType: 'llm_call', userId });
    await service.endTrace(span, { outputTokens: 1 });
    await expect(service.endTrace(span, { outputTokens: 2 })).resolves.toBeUndefined();
    await expect(service.captureError(span, new Error('late'))).resolves.toBeUndefined();
    const records = (await written(service, sink), sink.records());
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ status: 'completed', output_tokens: 1 });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toContain('ended twice');
  });

  it('garbage input never throws', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { service } = serviceWithSink();
    const garbage = undefined as never;
    await expect(service.startTrace(garbage)).resolves.toMatchObject({ traceId: INVALID_TRACE_ID });
    await expect(service.endTrace(garbage)).resolves.toBeUndefined();
    await expect(service.captureError(garbage, null)).resolves.toBeUndefined();
    expect(() => service.update(garbage, {})).not.toThrow();
  });
});

describe('ENABLE_TRACING=false', () => {
  it('returns working contexts but queues and writes nothing', async () => {
    const write = vi.fn(async () => {});
    const service = new TraceService({ sink: { write }, config: { enabled: false, batchSize: 1 } });
    expect(service.enabled).toBe(false);
    const root = await service.startTrace({ spanName: 'llm.completion', operationType: 'llm_call', userId });
    const child = await service.createChildSpan(root, 'tool.calculator');
    expect(root.userId).toBe(userId);
    expect(child.parentSpanId).toBe(root.spanId);
    expect(isRecording(root)).toBe(false);
    const value = await service.withSpan({ spanName: 'retrieval', operationType: 'retrieval', userId }, async () => 42);
    expect(value).toBe(42);
    service.update(child, { inputTokens: 3 });
    await service.captureError(child, new Error('x'));
    await service.endTrace(root);
    await service.flush();
    await service.shutdown();
    expect(write).not.toHaveBeenCalled();
    expect(service.stats()).toMatchObject({ enabled: false, queued: 0, written: 0, dropped: 0, failedWrites: 0 });
  });
});

describe('shutdown', () => {
  it('spans started after shutdown record nothing', async () => {
    const { service, sink } = serviceWithSink();
    await service.shutdown();
    const late = await service.startTrace({ spanName: 'llm.call', operationType: 'llm_call', userId });
    expect(isRecording(late)).toBe(false);
    await service.endTrace(late);
    expect(sink.records()).toEqual([]);
    expect(sink.closed).toBe(true);
  });
});
