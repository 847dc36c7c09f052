/**
 * Configuration of the tracing library, read from the environment.
 *
 * | variable                    | field              | default |
 * |-----------------------------|--------------------|---------|
 * | `ENABLE_TRACING`            | `enabled`          | `true`  |
 * | `TRACE_BATCH_SIZE`          | `batchSize`        | 10      |
 * | `TRACE_BATCH_INTERVAL_MS`   | `batchIntervalMs`  | 1000    |
 * | `TRACE_MAX_QUEUE`           | `maxQueueSize`     | 10000   |
 * | `TRACE_EXPORT_TIMEOUT_MS`   | `exportTimeoutMs`  | 10000   |
 * | `TRACE_MAX_RETRIES`         | `maxRetries`       | 5       |
 * | `TRACE_MAX_OPEN_SPANS`      | `maxOpenSpans`     | 10000   |
 * | `TRACE_SHUTDOWN_TIMEOUT_MS` | `shutdownTimeoutMs`| 10000   |
 * | `LLMTRACE_SERVICE_NAME`, else `OTEL_SERVICE_NAME` | `serviceName` | none |
 * | `TRACE_SAMPLE_RATE`         | `sampleRate`       | 1       |
 * | `TRACE_CAPTURE_CONTENT`     | `captureContent`   | `true`  |
 */

import type { SpanRecord } from './span/fields';

export interface TracingConfig {
  /** `ENABLE_TRACING`. Default `true`; `false` (or `0`, `no`, `off`) makes every call a no-op. */
  enabled: boolean;
  /** `TRACE_BATCH_SIZE`. Spans per sink write; a full batch is written at once. Default 10. */
  batchSize: number;
  /**
   * `TRACE_BATCH_INTERVAL_MS`. A partial batch is written this long after its first span was
   * queued; a span still open this long after its start is written once as `running`.
   * Default 1000.
   */
  batchIntervalMs: number;
  /**
   * `TRACE_MAX_QUEUE`. Spans held while waiting for the sink (including the batch being written).
   * When full, new spans are dropped and counted. Default 10000.
   */
  maxQueueSize: number;
  /** `TRACE_EXPORT_TIMEOUT_MS`. A sink write still pending after this counts as failed. Default 10000. */
  exportTimeoutMs: number;
  /** `TRACE_MAX_RETRIES`. Retries of a failed batch before it is dropped (so 1 + 5 attempts). Default 5. */
  maxRetries: number;
  /** First retry delay in ms; doubles per attempt, with jitter. Default 100. */
  retryBaseDelayMs: number;
  /** Upper bound of one retry delay in ms. Default 5000. */
  retryMaxDelayMs: number;
  /**
   * `TRACE_MAX_OPEN_SPANS`. Open spans watched for their `running` record at once. Beyond it the
   * oldest stops being watched (counted in `stats().runningSkipped`); its final record is still
   * written when it ends. Default 10000.
   */
  maxOpenSpans: number;
  /**
   * `TRACE_SHUTDOWN_TIMEOUT_MS`. How long `shutdown()` keeps trying to write queued spans;
   * whatever is left then is dropped and counted. Default 10000.
   */
  shutdownTimeoutMs: number;
  /**
   * `LLMTRACE_SERVICE_NAME`, else `OTEL_SERVICE_NAME`. Stored as every span's `service_name`, so
   * the trace list can tell apps apart. Default: none.
   */
  serviceName?: string;
  /**
   * The owner of root spans started without `userId`. Not read from the environment: `init()`
   * sets it for an app that sends its spans to an LLMTrace server, which stores them under the
   * API key's user whatever this says. Default: none (such spans are not recorded).
   */
  defaultUserId?: string;
  /**
   * `TRACE_SAMPLE_RATE`. Head sampling: the share of traces recorded, decided once per trace from
   * its trace id, so a trace is kept or dropped whole (a dropped trace's spans record nothing, and
   * `stats().sampledOut` counts it). 0 to 1; default 1 (every trace).
   */
  sampleRate?: number;
  /**
   * `TRACE_CAPTURE_CONTENT`. `false` records no inputs and no outputs (`input_data` and
   * `output_data` stay null); timings, models, tokens and errors are still recorded. Default true.
   */
  captureContent?: boolean;
  /**
   * Applied to `input_data`, `output_data`, `error_message` and `metadata` before a span leaves
   * the process, for data that must not leave it unmasked. Not read from the environment. Either a
   * function (if it throws, the field is dropped, null, rather than sent unmasked) or the built-in
   * detectors and custom patterns, `maskWith({ detectors, custom })` from `@llmtrace/sdk/mask`.
   */
  mask?: ContentMask;
}

/** The fields a mask applies to. */
export type MaskedField = 'input_data' | 'output_data' | 'error_message' | 'metadata';

/** What `mask` receives: a field's value and its name; it returns the value to send. */
export type MaskFunction = (value: unknown, field: MaskedField) => unknown;

/** The part of a record a {@link RecordMask} sees and returns. */
export type MaskableFields = Pick<SpanRecord, 'span_name' | MaskedField>;

/**
 * A mask of whole records: what `maskWith()` from `@llmtrace/sdk/mask` returns (the built-in
 * detectors and custom patterns, which that entry loads; the main entry does not).
 */
export interface RecordMask {
  /** Why the rules cannot be used; empty when they can. `init()` reports them and sends nothing. */
  readonly problems: readonly string[];
  /** The fields masked (a copy when anything changed), with `metadata.masked` counts when anything was replaced. */
  maskRecord(fields: MaskableFields): MaskableFields;
}

/** The `mask` option: a function, or `maskWith(...)`. */
export type ContentMask = MaskFunction | RecordMask;

/** The documented defaults, used for every field the environment leaves unset or invalid. */
export const TRACING_DEFAULTS: Readonly<TracingConfig> = Object.freeze({
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

const DISABLED_VALUES = new Set(['false', '0', 'no', 'off']);

/** A rate between 0 and 1; anything else (or unset) is 1. */
function readRate(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 1;
  const parsed = Number(value.trim());
  return Number.isFinite(parsed) && parsed >= 0 && parsed <= 1 ? parsed : 1;
}

function readInt(value: string | undefined, fallback: number, min: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const parsed = Number(value.trim());
  return Number.isInteger(parsed) && parsed >= min ? parsed : fallback;
}

/**
 * Builds the tracing configuration from an environment object. Pure: it reads nothing but `env`.
 * Unset, non-integer or out-of-range values fall back to {@link TRACING_DEFAULTS}, and a batch
 * larger than the queue is shrunk to the queue size.
 *
 * @example
 * readTracingConfig({ ENABLE_TRACING: 'false' }).enabled;   // false
 * readTracingConfig({ TRACE_BATCH_SIZE: '50' }).batchSize;  // 50
 */
export function readTracingConfig(env: Readonly<Record<string, string | undefined>>): TracingConfig {
  const enabledValue = env.ENABLE_TRACING?.trim().toLowerCase();
  const maxQueueSize = readInt(env.TRACE_MAX_QUEUE, TRACING_DEFAULTS.maxQueueSize, 1);
  return {
    enabled: enabledValue === undefined || !DISABLED_VALUES.has(enabledValue),
    batchSize: Math.min(readInt(env.TRACE_BATCH_SIZE, TRACING_DEFAULTS.batchSize, 1), maxQueueSize),
    batchIntervalMs: readInt(env.TRACE_BATCH_INTERVAL_MS, TRACING_DEFAULTS.batchIntervalMs, 1),
    maxQueueSize,
    exportTimeoutMs: readInt(env.TRACE_EXPORT_TIMEOUT_MS, TRACING_DEFAULTS.exportTimeoutMs, 1),
    maxRetries: readInt(env.TRACE_MAX_RETRIES, TRACING_DEFAULTS.maxRetries, 0),
    retryBaseDelayMs: TRACING_DEFAULTS.retryBaseDelayMs,
    retryMaxDelayMs: TRACING_DEFAULTS.retryMaxDelayMs,
    maxOpenSpans: readInt(env.TRACE_MAX_OPEN_SPANS, TRACING_DEFAULTS.maxOpenSpans, 1),
    shutdownTimeoutMs: readInt(env.TRACE_SHUTDOWN_TIMEOUT_MS, TRACING_DEFAULTS.shutdownTimeoutMs, 1),
    serviceName: (env.LLMTRACE_SERVICE_NAME ?? env.OTEL_SERVICE_NAME)?.trim().slice(0, 200) || undefined,
    sampleRate: readRate(env.TRACE_SAMPLE_RATE),
    captureContent: !DISABLED_VALUES.has(env.TRACE_CAPTURE_CONTENT?.trim().toLowerCase() ?? ''),
  };
}

/**
 * The configuration of this process, read once from `process.env` when first imported.
 *
 * @example
 * import { tracingConfig } from '@llmtrace/sdk';
 * if (!tracingConfig.enabled) console.log('tracing is off');
 */
export const tracingConfig: TracingConfig = readTracingConfig(process.env);
