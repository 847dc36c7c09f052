import { describe, expect, it, vi } from 'vitest';
import { InMemorySpanSink, readTracingConfig, TraceService } from '@llmtrace/sdk';
import { isSampled } from '../../packages/sdk/src/span-lifecycle';

const USER = '6f1c2a4e-0d6b-4e4b-9a55-1f3c1b7c9a01';

async function runTraces(service: TraceService, count: number) {
  for (let i = 0; i < count; i++) {
    await service.withSpan({ spanName: 'agent', operationType: 'agent', userId: USER }, async () => {
      await service.withSpan({ spanName: 'llm.call', operationType: 'llm_call' }, async () => {
        await service.withSpan({ spanName: 'tool.search', operationType: 'tool_call' }, () => 'ok');
      });
    });
  }
  await service.flush();
}

describe('head sampling', () => {
  it('keeps about the given share of traces, each whole, and counts the rest', async () => {
    const sink = new InMemorySpanSink();
    const service = new TraceService({ sink, config: { sampleRate: 0.25, batchSize: 100 } });
    await runTraces(service, 2000);
    const byTrace = new Map<string, string[]>();
    for (const span of sink.spans()) byTrace.set(span.trace_id, [...(byTrace.get(span.trace_id) ?? []), span.span_name]);
    expect(byTrace.size).toBeGreaterThan(400);
    expect(byTrace.size).toBeLessThan(600);
    for (const names of byTrace.values()) expect(names.sort()).toEqual(['agent', 'llm.call', 'tool.search']);
    expect(service.stats().sampledOut).toBe(2000 - byTrace.size);
    for (const traceId of byTrace.keys()) expect(isSampled(traceId, 0.25)).toBe(true);
  });

  it('decides from the trace id alone, the same way everywhere: 0 keeps nothing, 1 keeps everything', async () => {
    expect(isSampled('4bf92f3577b34da6a3ce929d0e0e4736', 0.06)).toBe(true);
    expect(isSampled('4bf92f3577b34da6a3ce929d0e0e4736', 0.05)).toBe(false);
    const none = new InMemorySpanSink();
    await runTraces(new TraceService({ sink: none, config: { sampleRate: 0 } }), 50);
    expect(none.spans()).toHaveLength(0);
    const all = new InMemorySpanSink();
    await runTraces(new TraceService({ sink: all, config: { sampleRate: 1 } }), 50);
    expect(all.spans()).toHaveLength(150);
  });

  it('reads TRACE_SAMPLE_RATE and TRACE_CAPTURE_CONTENT, ignoring values out of range', () => {
    expect(readTracingConfig({ TRACE_SAMPLE_RATE: '0.1' }).sampleRate).toBe(0.1);
    expect(readTracingConfig({ TRACE_SAMPLE_RATE: '2' }).sampleRate).toBe(1);
    expect(readTracingConfig({ TRACE_SAMPLE_RATE: 'half' }).sampleRate).toBe(1);
    expect(readTracingConfig({}).sampleRate).toBe(1);
    expect(readTracingConfig({ TRACE_CAPTURE_CONTENT: 'false' }).captureContent).toBe(false);
    expect(readTracingConfig({}).captureContent).toBe(true);
  });
});

describe('content rules', () => {
  const record = async (service: TraceService, sink: InMemorySpanSink) => {
    const span = await service.startTrace({
      spanName: 'llm.call', operationType: 'llm_call', userId: USER,
      inputData: { messages: [{ role: 'user', content: 'mail me at ada@example.com' }] }, metadata: { note: 'ada@example.com' },
    });
    await service.endTrace(span, { outputData: 'sent to ada@example.com', errorMessage: 'bounce from ada@example.com', status: 'failed', inputTokens: 5 });
    await service.flush();
    return sink.spans()[0]!;
  };

  it('captureContent false records no inputs or outputs, and keeps the rest', async () => {
    const sink = new InMemorySpanSink();
    const span = await record(new TraceService({ sink, config: { captureContent: false } }), sink);
    expect(span).toMatchObject({ input_data: null, output_data: null, input_tokens: 5, status: 'failed' });
  });

  it('mask() is applied to inputs, outputs, the error and metadata before a span leaves', async () => {
    const sink = new InMemorySpanSink();
    const service = new TraceService({ sink });
    service.configure({ mask: (value) => JSON.parse(JSON.stringify(value).replaceAll('ada@example.com', '[EMAIL]')) });
    const span = await record(service, sink);
    expect(JSON.stringify(span)).not.toContain('ada@example.com');
    expect(span.error_message).toBe('bounce from [EMAIL]');
    expect(span.metadata).toEqual({ note: '[EMAIL]' });
  });

  it('a mask that throws drops the field rather than sending it unmasked, and never reaches the caller', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const sink = new InMemorySpanSink();
    const service = new TraceService({ sink, config: { mask: () => { throw new Error('mask bug'); } } });
    const span = await record(service, sink);
    expect(span).toMatchObject({ input_data: null, output_data: null, error_message: null, metadata: null, input_tokens: 5 });
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
  });
});
