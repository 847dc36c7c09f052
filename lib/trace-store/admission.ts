import 'server-only';
import { isDatabaseUnavailable } from '@/lib/db/errors';
import { ApiError } from '@/lib/http/errors';

/**
 * Back-pressure for the ingest endpoints. Bodies being decoded and written are held in memory,
 * so their bytes are budgeted: past the budget a request is told to come back later (503 with
 * `Retry-After`, which OTLP exporters honour) instead of memory growing while the database lags.
 * One request larger than the whole budget still gets in when nothing else is in flight.
 */
export class IngestGate {
  private inFlight = 0;

  constructor(private readonly maxInFlightBytes: number) {}

  /** Reserves `bytes` or throws a 503; call the returned function once the request is done. */
  admit(bytes: number): () => void {
    if (this.inFlight > 0 && this.inFlight + bytes > this.maxInFlightBytes) {
      throw new ApiError('unavailable', 'Ingest is saturated: the database is behind. Retry after the delay in Retry-After.', {
        headers: { 'retry-after': '1' },
      });
    }
    this.inFlight += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= bytes;
    };
  }

  get bytesInFlight(): number {
    return this.inFlight;
  }
}

const DEFAULT_MAX_IN_FLIGHT_MB = 128;

function readMegabytes(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed > 0 ? parsed * 1024 * 1024 : fallback * 1024 * 1024;
}

/** The process's gate, shared by `POST /api/analytics/traces` and `POST /v1/traces` (`INGEST_MAX_INFLIGHT_MB`, default 128). */
export const ingestGate = new IngestGate(readMegabytes(process.env.INGEST_MAX_INFLIGHT_MB, DEFAULT_MAX_IN_FLIGHT_MB));

/** Turns "the database is down" into a retryable 503; anything else is re-thrown as is. */
export function asUnavailable(error: unknown): never {
  if (isDatabaseUnavailable(error)) {
    console.warn(`[llmtrace] ingest deferred, the database is unavailable: ${(error as Error).message}`);
    throw new ApiError('unavailable', 'The database is unavailable. Retry after the delay in Retry-After.', { headers: { 'retry-after': '5' } });
  }
  throw error;
}
