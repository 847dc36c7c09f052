import { afterAll, beforeAll, expect, it } from 'vitest';
import { GET as getTraces } from '@/app/api/analytics/traces/route';
import { POST as postOtlp } from '@/app/v1/traces/route';
import { withOtlpExport } from '@/lib/otlp/outbound';
import { InMemorySpanSink, TraceService } from '@llmtrace/sdk';
import { call, createTestUser } from '../support/api';
import { describeEachDatabase } from '../support/databases';
import { startRouteServer, type RouteServer } from '../support/route-server';

/**
 * OTLP out, end to end: LLMTrace's own trace service, configured only by the standard
 * OTEL_EXPORTER_OTLP_* variables, exports to a real OTLP/HTTP receiver (here our own
 * `/v1/traces`, as another team's LLMTrace would be), and the spans arrive whole.
 */
describeEachDatabase('OTLP export of our own spans', (getDatabase) => {
  let receiver: RouteServer;
  beforeAll(async () => {
    receiver = await startRouteServer({ '/v1/traces': postOtlp });
  });
  afterAll(async () => {
    await receiver?.close();
  });

  for (const protocol of ['http/protobuf', 'http/json'] as const) {
    it(`sends a chat trace with its GenAI attributes over ${protocol}, and the database write does not wait for it`, async () => {
      const backend = await createTestUser(getDatabase(), 'backend');
      const primary = new InMemorySpanSink();
      const sink = withOtlpExport(primary, {
        OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.url}/`,
        OTEL_EXPORTER_OTLP_HEADERS: `Authorization=Bearer%20${backend.apiKey}`,
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: protocol,
        OTEL_SERVICE_NAME: 'llmtrace-prod',
        OTEL_BSP_SCHEDULE_DELAY: '10',
      });
      const service = new TraceService({ sink, config: { batchIntervalMs: 10 } });
      const root = await service.startTrace({ spanName: 'llm.completion', operationType: 'llm_call', userId: backend.userId, inputData: { messages: [{ role: 'user', content: 'Where is my order #4411?' }] } });
      const call1 = await service.createChildSpan(root, 'llm.call', { modelName: 'gpt-4o-mini', modelProvider: 'openai' });
      await service.endTrace(call1, { inputTokens: 1200, outputTokens: 80, costUsd: 0.000228, outputData: { content: 'It ships tomorrow.' } });
      const tool = await service.createChildSpan(root, 'tool.order_lookup', { inputData: { order: 4411 } });
      await service.captureError(tool, new Error('order service timed out'));
      await service.endTrace(root, { modelName: 'gpt-4o-mini', modelProvider: 'openai', inputTokens: 1200, outputTokens: 80, costUsd: 0.000228 });
      await service.shutdown();
      expect(primary.spans()).toHaveLength(3);

      const response = await call(getTraces, { path: `/api/analytics/traces?trace_id=${root.traceId}`, apiKey: backend.apiKey });
      const { traces } = (await response.json()) as { traces: Array<Record<string, any>> };
      expect(traces.map((s) => s.span_name).sort()).toEqual(['llm.call', 'llm.completion', 'tool.order_lookup']);
      const byName = Object.fromEntries(traces.map((s) => [s.span_name, s]));
      expect(byName['llm.call']).toMatchObject({
        operation_type: 'llm_call', model_name: 'gpt-4o-mini', model_provider: 'openai', input_tokens: 1200, output_tokens: 80,
        parent_trace_id: root.spanId, service_name: 'llmtrace-prod', status: 'completed',
      });
      expect(JSON.stringify(byName['llm.call'].output_data)).toContain('It ships tomorrow.');
      expect(byName['tool.order_lookup']).toMatchObject({ operation_type: 'tool_call', status: 'failed', parent_trace_id: root.spanId, input_data: { order: 4411 } });
      expect(byName['tool.order_lookup'].error_message).toContain('order service timed out');
      expect(byName['llm.completion']).toMatchObject({ parent_trace_id: null, usage_rollup: true, operation_type: 'llm_call' });
      expect(byName['llm.completion'].input_data).toEqual([{ role: 'user', content: 'Where is my order #4411?' }]);

      // The receiving side counts the model call once.
      const list = await call(getTraces, { path: '/api/analytics/traces?service_name=llmtrace-prod', apiKey: backend.apiKey });
      const [row] = ((await list.json()) as { traces: Array<Record<string, any>> }).traces.filter((t) => t.trace_id === root.traceId);
      expect(row).toMatchObject({ trace_input_tokens: 1200, trace_output_tokens: 80, span_count: 3 });
    });
  }

  it('keeps writing to the database when the OTLP backend is down, and counts what it could not export', async () => {
    const primary = new InMemorySpanSink();
    const sink = withOtlpExport(primary, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:9/v1/traces', OTEL_BSP_SCHEDULE_DELAY: '10', OTEL_EXPORTER_OTLP_TIMEOUT: '200' });
    const service = new TraceService({ sink, config: { batchIntervalMs: 10, shutdownTimeoutMs: 500 } });
    const userId = (await createTestUser(getDatabase())).userId;
    for (let i = 0; i < 5; i++) await service.endTrace(await service.startTrace({ spanName: 'llm.call', operationType: 'llm_call', userId }), {});
    await service.flush();
    expect(primary.spans()).toHaveLength(5);
    await service.shutdown();
    const { otlpExportStats } = await import('@/lib/otlp/outbound');
    const stats = otlpExportStats();
    expect(stats?.written).toBe(0);
    expect((stats?.dropped ?? 0) + (stats?.queued ?? 0)).toBeGreaterThan(0);
    expect(stats?.failedWrites).toBeGreaterThan(0);
  });
});
