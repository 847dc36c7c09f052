import 'server-only';
import { otlpExportStats } from '@/lib/otlp/outbound';
import { databaseSinkStats } from '@/lib/trace-store/database-sink';
import { traceService, tracingConfig, type SpanQueueStats } from '@llmtrace/sdk';
import { getAppContext } from './context';

export interface Health {
  status: 'ok' | 'error';
  database: 'pglite' | 'postgres' | 'unavailable';
  tracing: {
    enabled: boolean;
    queued: number;
    dropped: number;
    /** Spans handed to the sink (the database sink's refused ones included). */
    written: number;
    /** Spans the database refused (each logged): stored = written − rejected. */
    rejected: number;
    failedWrites: number;
    /** Head sampling of this server's own traces (`TRACE_SAMPLE_RATE`), and the traces it left out. */
    sampleRate: number;
    sampledOut: number;
    /** The OTLP export queue, when `OTEL_EXPORTER_OTLP_ENDPOINT` is set. */
    otlpExport?: SpanQueueStats;
  };
  error?: string;
}

/**
 * A statement that came back this recently proves the database answers: the probe does not send
 * one of its own. Under a saturating load that one would wait its turn behind the writes (PGlite
 * runs one statement at a time), and the probe would measure the queue, not the server.
 */
const RECENT_ANSWER_MS = 1_000;

/** `GET /api/health`: is the database answering (a statement came back within the last second, or `SELECT 1` does), and how is the trace queue doing. */
export async function getHealth(): Promise<Health> {
  const stats = traceService.stats();
  const otlpExport = otlpExportStats();
  const tracing: Health['tracing'] = {
    enabled: stats.enabled,
    queued: stats.queued,
    dropped: stats.dropped,
    written: stats.written,
    rejected: databaseSinkStats().rejected,
    failedWrites: stats.failedWrites,
    sampleRate: tracingConfig.sampleRate ?? 1,
    sampledOut: stats.sampledOut ?? 0,
  };
  if (otlpExport) tracing.otlpExport = otlpExport;
  try {
    const { database } = await getAppContext();
    if (Date.now() - database.answeredAt() > RECENT_ANSWER_MS) await database.query('SELECT 1');
    return { status: 'ok', database: database.kind, tracing };
  } catch (error) {
    console.error('[llmtrace] health check failed:', error);
    return { status: 'error', database: 'unavailable', tracing, error: 'The database is not reachable. Check DATABASE_URL / DATA_DIR and the server log.' };
  }
}
