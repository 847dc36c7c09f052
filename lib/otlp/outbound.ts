import 'server-only';
import { reportError } from '@llmtrace/sdk';
import { SpanQueue, type SpanQueueStats } from '@llmtrace/sdk';
import { TeeSpanSink } from '@llmtrace/sdk';
import type { SpanSink } from '@llmtrace/sdk';
import { OtlpHttpSpanSink, readOtlpExportConfig } from './export';

type Env = Readonly<Record<string, string | undefined>>;

/** The batch processor's standard variables, with OpenTelemetry's defaults. */
function batchOptions(env: Env) {
  const int = (name: string, fallback: number) => {
    const value = Number(env[name]);
    return Number.isInteger(value) && value > 0 ? value : fallback;
  };
  const maxQueueSize = int('OTEL_BSP_MAX_QUEUE_SIZE', 2048);
  return {
    maxQueueSize,
    batchSize: Math.min(int('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512), maxQueueSize),
    batchIntervalMs: int('OTEL_BSP_SCHEDULE_DELAY', 5000),
    exportTimeoutMs: int('OTEL_BSP_EXPORT_TIMEOUT', 30_000),
  };
}

let exportQueue: SpanQueue | null = null;

/**
 * With `OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT` set, LLMTrace's own spans also go to that
 * OpenTelemetry backend: the returned sink writes to `primary` and copies each span into a
 * separate bounded queue that exports over OTLP/HTTP. A slow or down backend fills that queue
 * (dropping and counting), never the database path. Without the variables, `primary` is returned.
 * `mask` wraps the exporting sink: the server masks the copies as it masks what it stores.
 */
export function withOtlpExport(primary: SpanSink, env: Env = process.env, { mask }: { mask?: (sink: SpanSink) => SpanSink } = {}): SpanSink {
  const config = readOtlpExportConfig(env);
  if (!config) return primary;
  if (config.error) {
    reportError(`OTLP export is off: ${config.error}`);
    return primary;
  }
  const exporter = new OtlpHttpSpanSink(config);
  exportQueue = new SpanQueue({ sink: mask ? mask(exporter) : exporter, ...batchOptions(env) });
  console.log(`[llmtrace] exporting spans over OTLP (${config.encoding}) to ${config.url}`);
  return new TeeSpanSink(primary, exportQueue);
}

/** The export queue's counters, or null when OTLP export is off. */
export function otlpExportStats(): SpanQueueStats | null {
  return exportQueue?.stats() ?? null;
}
