import 'server-only';
import { isDatabaseUnavailable } from '@/lib/db/errors';
import { ApiError, databaseUnavailableError } from '@/lib/http/errors';

/**
 * Back-pressure for the ingest endpoints. Bodies being read, decoded and written are held in
 * memory, so their bytes are budgeted: past the budget a request is told to come back later (503
 * with `Retry-After`, which OTLP exporters honour) instead of memory growing or requests queueing
 * while the database lags. A request is admitted before it is authenticated or its body read (both
 * may wait for the database), for the bytes its `Content-Length` declares; its reservation grows
 * as the body arrives and is decompressed. One request larger than the whole budget still gets in
 * when nothing else is in flight, so bytes in flight never exceed the budget plus one request.
 */
export class IngestGate {
  private inFlight = 0;

  constructor(readonly maxInFlightBytes: number) {}

  /** Reserves `bytes` for one request, or throws a 503; grow it with {@link Reservation.ensure}, end it with `release`. */
  reserve(bytes = 0): Reservation {
    const reservation = new Reservation(this);
    reservation.ensure(bytes);
    return reservation;
  }

  /** Reserves `bytes` or throws a 503; call the returned function once the request is done. */
  admit(bytes: number): () => void {
    const reservation = this.reserve(bytes);
    return () => reservation.release();
  }

  get bytesInFlight(): number {
    return this.inFlight;
  }

  /** @internal Moves `bytes` in or out of the budget for `held`, the bytes the asking reservation holds already. */
  take(held: number, bytes: number): void {
    if (bytes > 0 && this.inFlight - held > 0 && this.inFlight + bytes > this.maxInFlightBytes) throw saturated();
    this.inFlight += bytes;
  }
}

/** One request's share of an {@link IngestGate}. */
export class Reservation {
  private held = 0;
  private released = false;

  constructor(private readonly gate: IngestGate) {}

  /** Grows the reservation to at least `total` bytes, or throws a 503 (keeping what it held). */
  ensure(total: number): void {
    if (this.released || total <= this.held) return;
    this.gate.take(this.held, total - this.held);
    this.held = total;
  }

  get bytes(): number {
    return this.held;
  }

  /** Gives the bytes back; later calls do nothing. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.gate.take(this.held, -this.held);
    this.held = 0;
  }
}

function saturated(): ApiError {
  return new ApiError('unavailable', 'Ingest is saturated: the database is behind. Retry after the delay in Retry-After.', {
    headers: { 'retry-after': '1' },
  });
}

const DEFAULT_MAX_IN_FLIGHT_MB = 128;

/**
 * The least a request is counted for, whatever its size: besides its body, a waiting request holds
 * its Request, headers, promises and a place in the connection pool's queue. With the default
 * budget that is at most 2,048 requests in flight per process.
 */
export const MIN_REQUEST_BYTES = 64 * 1024;

function readMegabytes(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return Math.round((Number.isFinite(parsed) && parsed > 0 ? parsed : fallback) * 1024 * 1024);
}

/** The process's gate, shared by `POST /api/analytics/traces` and `POST /v1/traces` (`INGEST_MAX_INFLIGHT_MB`, default 128). */
export const ingestGate = new IngestGate(readMegabytes(process.env.INGEST_MAX_INFLIGHT_MB, DEFAULT_MAX_IN_FLIGHT_MB));

/** The reservations {@link admitIngest} took, by request, for the ingest code behind it to grow. */
const reservations = new WeakMap<Request, Reservation>();

type Handler<A> = (request: Request, args?: A) => Promise<Response>;

/**
 * Wraps an ingest route (outside `authenticated`): the request is admitted by {@link ingestGate}
 * for its declared `Content-Length` (at least {@link MIN_REQUEST_BYTES}) before anything waits
 * for the database, and answered 503 with `Retry-After` at once when the budget is spent. The
 * reservation is held until the handler's response is ready. A body declared larger than
 * `bodyLimit` is counted as a small one: the handler refuses it (413) without reading it.
 */
export function admitIngest<A>(handler: Handler<A>, { bodyLimit, gate = ingestGate }: { bodyLimit: number; gate?: IngestGate }): Handler<A> {
  return async (request, args) => {
    let reservation: Reservation;
    try {
      reservation = gate.reserve(initialReservation(request, bodyLimit));
    } catch (error) {
      if (error instanceof ApiError) return error.toResponse();
      throw error;
    }
    reservations.set(request, reservation);
    try {
      return await handler(request, args);
    } finally {
      reservation.release();
      reservations.delete(request);
    }
  };
}

/**
 * Runs `fn` with the request's reservation: the one {@link admitIngest} took, or (for a caller
 * without it) a new one on {@link ingestGate}, released when `fn` settles.
 */
export async function withIngestReservation<T>(request: Request, fn: (reservation: Reservation) => Promise<T>): Promise<T> {
  const taken = reservations.get(request);
  if (taken) return fn(taken);
  const reservation = ingestGate.reserve(MIN_REQUEST_BYTES);
  try {
    return await fn(reservation);
  } finally {
    reservation.release();
  }
}

function initialReservation(request: Request, bodyLimit: number): number {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  return Number.isFinite(declared) && declared <= bodyLimit ? Math.max(declared, MIN_REQUEST_BYTES) : MIN_REQUEST_BYTES;
}

/** Turns "the database is down" into a retryable 503; anything else is re-thrown as is. */
export function asUnavailable(error: unknown): never {
  if (isDatabaseUnavailable(error)) {
    console.warn(`[llmtrace] ingest deferred, the database is unavailable: ${(error as Error).message}`);
    throw databaseUnavailableError();
  }
  throw error;
}
