import { afterEach, describe, expect, it, vi } from 'vitest';
import { InMemorySpanSink, TraceService, type SpanRecord, type SpanSink, type TracingConfig } from '@llmtrace/sdk';

const userId = '6f1c2a4e-0d6b-4e4b-9a55-1f3c1b7c9a01';

async function endSpans(service: TraceService, count: number, prefix = 'span'): Promise<void> {
  for (let i = 0; i < count; i++) {
    const span = await service.startTrace({ spanName: `${prefix}.${i}`, operationType: 'other', userId });
    await service.endTrace(span);
  }
}

function build(config: Partial<TracingConfig>, sink?: SpanSink) {
  return new TraceService({ sink, config });
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('batching', () => {
  it('writes a batch as soon as it is full, and keeps the rest for later', async () => {
    vi.useFakeTimers();
    const sink = new InMemorySpanSink();
    const service = build({ batchSize: 3, batchIntervalMs: 10_000 }, sink);
    await endSpans(service, 7);
    expect(sink.batches()).toHaveLength(0); // nothing is written inside the caller's call
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.batches().map((batch) => batch.length)).toEqual([3, 3]);
    expect(service.stats()).toMatchObject({ queued: 1, written: 6 });
  });

  it("ends a full batch after a trace's root, so that a request's spans reach the store together", async () => {
    vi.useFakeTimers();
    const sink = new InMemorySpanSink();
    const service = build({ batchSize: 10, batchIntervalMs: 1000 }, sink);
    // Five requests one after another, each a root with three children that end before it (a chat: model, tool, model).
    for (let t = 0; t < 5; t++) {
      const root = await service.startTrace({ spanName: `chat.${t}`, operationType: 'other', userId });
      for (let c = 0; c < 3; c++) await service.endTrace(await service.createChildSpan(root, `step.${t}.${c}`));
      await service.endTrace(root);
    }
    await vi.advanceTimersByTimeAsync(0);
    // Cut at 10 the third request would be split across two writes; it waits for the next one instead.
    expect(sink.batches().map((batch) => batch.length)).toEqual([8, 8]);
    await vi.advanceTimersByTimeAsync(1000);
    const batches = sink.batches();
    expect(batches.map((batch) => batch.length)).toEqual([8, 8, 4]);
    const batchOf = new Map<string, number>();
    batches.forEach((batch, index) => batch.forEach((record) => batchOf.set(record.trace_id, batchOf.get(record.trace_id) ?? index)));
    batches.forEach((batch, index) => batch.forEach((record) => expect(batchOf.get(record.trace_id)).toBe(index)));
    expect(service.stats()).toMatchObject({ queued: 0, written: 20, dropped: 0 });
  });

  it('keeps a batch full when no root ends in its second half (a long trace, or spans of a remote parent)', async () => {
    vi.useFakeTimers();
    const sink = new InMemorySpanSink();
    const service = build({ batchSize: 10, batchIntervalMs: 1000 }, sink);
    const root = await service.startTrace({ spanName: 'agent', operationType: 'other', userId });
    for (let c = 0; c < 12; c++) await service.endTrace(await service.createChildSpan(root, `step.${c}`));
    await vi.advanceTimersByTimeAsync(0);
    expect(sink.batches().map((batch) => batch.length)).toEqual([10]);
    await service.endTrace(root);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sink.batches().map((batch) => batch.length)).toEqual([10, 3]);
  });

  it('writes a partial batch when the interval passes, not before', async () => {
    vi.useFakeTimers();
    const sink = new InMemorySpanSink();
    const service = build({ batchSize: 10, batchIntervalMs: 1000 }, sink);
    await endSpans(service, 3);
    await vi.advanceTimersByTimeAsync(999);
    expect(sink.records()).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.batches().map((batch) => batch.length)).toEqual([3]);
    expect(service.stats()).toMatchObject({ queued: 0, written: 3 });
  });

  it('keeps at most one write in flight and the order of spans', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const seen: string[] = [];
    const slowSink: SpanSink = {
      async write(spans) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 2));
        seen.push(...spans.map((span) => span.span_name));
        inFlight--;
      },
    };
    const service = build({ batchSize: 2, batchIntervalMs: 5 }, slowSink);
    await endSpans(service, 9);
    await service.flush();
    expect(maxInFlight).toBe(1);
    expect(seen).toEqual(Array.from({ length: 9 }, (_, i) => `span.${i}`));
  });

  it('holds spans while no sink is set and writes them once one is', async () => {
    const service = build({ batchSize: 2, batchIntervalMs: 5 });
    await endSpans(service, 5);
    await service.flush();
    expect(service.stats()).toMatchObject({ queued: 5, written: 0 });
    const sink = new InMemorySpanSink();
    service.setSink(sink);
    await service.flush();
    expect(sink.records()).toHaveLength(5);
    expect(service.stats()).toMatchObject({ queued: 0, written: 5, dropped: 0 });
  });
});

describe('bounded queue', () => {
  it('drops new spans when full, counts them, and warns once', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const service = build({ maxQueueSize: 5, batchSize: 2 });
    await endSpans(service, 8);
    await endSpans(service, 4, 'more');
    expect(service.stats()).toMatchObject({ queued: 5, dropped: 7 });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/^\[llmtrace\] span queue full \(5 spans\).*stats\(\)\.dropped/);

    const sink = new InMemorySpanSink();
    service.setSink(sink);
    await service.flush();
    expect(sink.records().map((span) => span.span_name)).toEqual(['span.0', 'span.1', 'span.2', 'span.3', 'span.4']);
  });
});

describe('failed writes', () => {
  it('are retried until the sink accepts the batch', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const sink = new InMemorySpanSink();
    sink.failNextWrites(2);
    const service = build({ batchSize: 4, retryBaseDelayMs: 1 }, sink);
    await endSpans(service, 4);
    await service.flush();
    expect(sink.records()).toHaveLength(4);
    expect(service.stats()).toMatchObject({ written: 4, failedWrites: 2, dropped: 0, queued: 0 });
  });

  it('back off exponentially with jitter between attempts, then drop and count the batch', async () => {
    vi.useFakeTimers();
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const attempts: number[] = [];
    const sink: SpanSink = {
      async write() {
        attempts.push(Date.now());
        throw new Error('unavailable');
      },
    };
    const service = build({ batchSize: 2, maxRetries: 3, retryBaseDelayMs: 100, retryMaxDelayMs: 10_000 }, sink);
    await endSpans(service, 2);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(attempts).toHaveLength(4);
    const gaps = attempts.slice(1).map((at, i) => at - attempts[i]);
    [100, 200, 400].forEach((ceiling, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(ceiling / 2);
      expect(gaps[i]).toBeLessThanOrEqual(ceiling);
    });
    expect(service.stats()).toMatchObject({ failedWrites: 4, dropped: 2, written: 0, queued: 0 });
  });

  it('a sink error marked retryable: false drops the batch without retrying', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const write = vi.fn(async () => {
      throw Object.assign(new Error('400 bad request'), { retryable: false });
    });
    const service = build({ batchSize: 3 }, { write });
    await endSpans(service, 3);
    await service.flush();
    expect(write).toHaveBeenCalledTimes(1);
    expect(service.stats()).toMatchObject({ failedWrites: 1, dropped: 3 });
  });

  it('a hanging sink is timed out and never blocks the caller', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    let calls = 0;
    const received: SpanRecord[] = [];
    const hangsOnce: SpanSink = {
      write(spans) {
        calls++;
        if (calls === 1) return new Promise<void>(() => {});
        received.push(...spans);
        return Promise.resolve();
      },
    };
    const service = build({ batchSize: 1, exportTimeoutMs: 30, retryBaseDelayMs: 1 }, hangsOnce);
    const span = await service.startTrace({ spanName: 'llm.call', operationType: 'llm_call', userId });
    const ended = await Promise.race([
      service.endTrace(span).then(() => 'returned'),
      new Promise((resolve) => setTimeout(() => resolve('blocked'), 20)),
    ]);
    expect(ended).toBe('returned');
    await service.flush();
    expect(received.map((record) => record.span_id)).toEqual([span.spanId]);
    expect(service.stats()).toMatchObject({ failedWrites: 1, written: 1, dropped: 0 });
  });
});

describe('shutdown', () => {
  it('flushes every queued span, closes the sink, and is idempotent', async () => {
    const sink = new InMemorySpanSink();
    const service = build({ batchSize: 10, batchIntervalMs: 60_000 }, sink);
    await endSpans(service, 25);
    const first = service.shutdown();
    const second = service.shutdown();
    await Promise.all([first, second]);
    await service.shutdown();
    expect(sink.records()).toHaveLength(25);
    expect(new Set(sink.records().map((span) => span.span_name)).size).toBe(25);
    expect(sink.closed).toBe(true);
    expect(service.stats()).toMatchObject({ queued: 0, written: 25, dropped: 0 });
  });

  it('gives up on a hanging sink after the shutdown time-out and counts what it dropped', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const service = build(
      { batchSize: 2, exportTimeoutMs: 10_000, shutdownTimeoutMs: 50 },
      { write: () => new Promise<void>(() => {}) },
    );
    await endSpans(service, 5);
    const started = Date.now();
    await service.shutdown();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(service.stats()).toMatchObject({ queued: 0, written: 0, dropped: 5 });
  });

  it('without a sink, counts the queued spans as dropped and says so', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const service = build({});
    await endSpans(service, 3);
    await service.shutdown();
    expect(service.stats()).toMatchObject({ queued: 0, dropped: 3 });
    expect(warn.mock.calls.some(([message]) => /no sink.*3/.test(String(message)))).toBe(true);
  });
});

describe('running spans', () => {
  it('a span open for one interval is written as running, then completed in place', async () => {
    vi.useFakeTimers();
    const sink = new InMemorySpanSink();
    const service = build({ batchSize: 10, batchIntervalMs: 1000 }, sink);
    const slow = await service.startTrace({ spanName: 'llm.completion', operationType: 'llm_call', userId });
    service.update(slow, { modelName: 'gpt-4o' });
    const quick = await service.startTrace({ spanName: 'quick', operationType: 'other', userId });
    await service.endTrace(quick);

    await vi.advanceTimersByTimeAsync(2_000);
    const running = sink.records().filter((record) => record.span_id === slow.spanId);
    expect(running).toHaveLength(1);
    expect(running[0]).toMatchObject({ status: 'running', end_time: null, duration_ms: null, model_name: 'gpt-4o' });
    expect(sink.records().filter((record) => record.span_id === quick.spanId).map((r) => r.status)).toEqual(['completed']);

    await vi.advanceTimersByTimeAsync(5_000); // still open: no second running record
    await service.endTrace(slow, { outputTokens: 5, inputTokens: 5 });
    await service.flush();
    expect(sink.records().filter((record) => record.span_id === slow.spanId).map((r) => r.status)).toEqual([
      'running',
      'completed',
    ]);
    const stored = sink.spans().find((record) => record.span_id === slow.spanId);
    expect(stored).toMatchObject({ status: 'completed', duration_ms: 7000, total_tokens: 10 });
  });

  it('a running record still queued when the span ends is replaced by the final one in the same batch', async () => {
    vi.useFakeTimers();
    const sink = new InMemorySpanSink();
    const service = build({ batchSize: 10, batchIntervalMs: 1000 }, sink);
    const span = await service.startTrace({ spanName: 'llm.call', operationType: 'llm_call', userId });
    await vi.advanceTimersByTimeAsync(1000); // running record queued, batch not yet due
    await service.endTrace(span);
    await service.flush();
    expect(sink.batches()).toHaveLength(1);
    expect(sink.records().map((record) => record.status)).toEqual(['completed']);
  });

  it('spans never ended do not pile up: the watch list is capped and the overflow counted', async () => {
    vi.useFakeTimers();
    const sink = new InMemorySpanSink();
    const service = build({ batchSize: 100, batchIntervalMs: 1000, maxOpenSpans: 3 }, sink);
    for (let i = 0; i < 5; i++) await service.startTrace({ spanName: `open.${i}`, operationType: 'other', userId });
    await vi.advanceTimersByTimeAsync(3000);
    expect(sink.records().map((record) => record.span_name)).toEqual(['open.2', 'open.3', 'open.4']);
    expect(service.stats().runningSkipped).toBe(2);
  });
});
