import { describe, expect, it } from 'vitest';
import { TRACING_DEFAULTS, readTracingConfig } from '@llmtrace/sdk';

describe('readTracingConfig', () => {
  it('uses the documented defaults for an empty environment', () => {
    expect(readTracingConfig({})).toEqual({
      enabled: true,
      batchSize: 10,
      batchIntervalMs: 1000,
      maxQueueSize: 10_000,
      exportTimeoutMs: 10_000,
      maxRetries: 5,
      retryBaseDelayMs: 100,
      retryMaxDelayMs: 5000,
      maxOpenSpans: 10_000,
      shutdownTimeoutMs: 10_000,
      sampleRate: 1,
      captureContent: true,
    });
    expect(readTracingConfig({})).toEqual(TRACING_DEFAULTS);
  });

  it('ENABLE_TRACING=false disables tracing; anything else keeps it on', () => {
    expect(readTracingConfig({ ENABLE_TRACING: 'false' }).enabled).toBe(false);
    expect(readTracingConfig({ ENABLE_TRACING: ' FALSE ' }).enabled).toBe(false);
    expect(readTracingConfig({ ENABLE_TRACING: '0' }).enabled).toBe(false);
    expect(readTracingConfig({ ENABLE_TRACING: 'true' }).enabled).toBe(true);
    expect(readTracingConfig({ ENABLE_TRACING: '' }).enabled).toBe(true);
  });

  it('reads the numeric settings', () => {
    const config = readTracingConfig({
      TRACE_BATCH_SIZE: '50',
      TRACE_BATCH_INTERVAL_MS: '250',
      TRACE_MAX_QUEUE: '2048',
      TRACE_EXPORT_TIMEOUT_MS: '3000',
      TRACE_MAX_RETRIES: '0',
      TRACE_MAX_OPEN_SPANS: '500',
      TRACE_SHUTDOWN_TIMEOUT_MS: '20000',
    });
    expect(config).toMatchObject({
      batchSize: 50,
      batchIntervalMs: 250,
      maxQueueSize: 2048,
      exportTimeoutMs: 3000,
      maxRetries: 0,
      maxOpenSpans: 500,
      shutdownTimeoutMs: 20_000,
    });
  });

  it('falls back to the default for invalid values and keeps the batch within the queue', () => {
    const config = readTracingConfig({
      TRACE_BATCH_SIZE: 'ten',
      TRACE_BATCH_INTERVAL_MS: '-5',
      TRACE_MAX_QUEUE: '1.5',
      TRACE_MAX_RETRIES: '-1',
    });
    expect(config).toMatchObject({ batchSize: 10, batchIntervalMs: 1000, maxQueueSize: 10_000, maxRetries: 5 });
    expect(readTracingConfig({ TRACE_BATCH_SIZE: '100', TRACE_MAX_QUEUE: '20' })).toMatchObject({ batchSize: 20, maxQueueSize: 20 });
  });
});
