/**
 * A trace service writing to an in-memory sink, for asserting on the spans code under test
 * produces. Spans need an owner, so code runs inside a root span (`inRoot`).
 */
import { InMemorySpanSink, TraceService } from '@llmtrace/sdk';
import type { SpanRecord, TraceContext } from '@llmtrace/sdk';

export const TEST_USER_ID = '00000000-0000-4000-8000-000000000001';

export interface TestTracer {
  service: TraceService;
  sink: InMemorySpanSink;
  /** Runs `fn` inside a root `llm.completion` span owned by {@link TEST_USER_ID}. */
  inRoot<T>(fn: (root: TraceContext) => Promise<T>): Promise<T>;
  /** Flushes, then returns the stored view of every span (last record of each). */
  spans(): Promise<SpanRecord[]>;
  /** Flushes, then returns the spans with this name. */
  spansNamed(name: string): Promise<SpanRecord[]>;
}

export function createTestTracer(): TestTracer {
  const sink = new InMemorySpanSink();
  // A long interval: nothing is written until `spans()` flushes, and no `running` records appear.
  const service = new TraceService({ sink, config: { batchSize: 10_000, batchIntervalMs: 60_000 } });
  const spans = async () => {
    await service.flush();
    return sink.spans();
  };
  return {
    service,
    sink,
    inRoot: (fn) => service.withSpan({ spanName: 'llm.completion', operationType: 'llm_call', userId: TEST_USER_ID }, fn),
    spans,
    spansNamed: async (name) => (await spans()).filter((span) => span.span_name === name),
  };
}
