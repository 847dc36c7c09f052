/**
 * Writing one batch to the sink, after OpenTelemetry's exporter: a failed write is retried with
 * backoff until it succeeds, is refused, or runs out of retries, and is then counted as written or
 * dropped. Failures are reported once until a write succeeds again. Never rejects.
 */
import { ExportAttempts, backoffDelay, isRetryable } from './export-attempt';
import { latestPerSpan } from './latest-per-span';
import type { QueueSettings } from './queue-options';
import type { SpanRecord, SpanSink } from './types';

export class BatchWriter {
  /** Where batches go; replaced by `setSink`, read again before every attempt. */
  sink: SpanSink | undefined;
  /** Spans handed to the sink by a write that succeeded. */
  written = 0;
  /** Spans dropped after their last failed attempt. */
  dropped = 0;
  /** Failed write attempts (a time-out counts as one). */
  failedWrites = 0;
  private abandoned = false;
  private readonly attempts = new ExportAttempts();
  private loggedFailure = false;
  private loggedDrop = false;

  constructor(
    sink: SpanSink | undefined,
    private readonly settings: QueueSettings,
    private readonly report: (message: string, error?: unknown) => void,
  ) {
    this.sink = sink;
  }

  /** Whether shutdown gave up on the sink: nothing more is written. */
  get gaveUp(): boolean {
    return this.abandoned;
  }

  /** Shutdown began: from now on pending time-outs keep the process alive until they settle. */
  beginClosing(): void {
    this.attempts.closing = true;
  }

  /** Shutdown gave up: the pending write fails at once and is not retried; no write follows. */
  abandon(): void {
    this.abandoned = true;
    this.attempts.interrupt();
  }

  /** Stops the export time-out timer (the queue is closed). */
  stop(): void {
    this.attempts.stop();
  }

  /** Writes `records` (one record per span, the last of each) with retries. Never rejects. */
  async write(records: SpanRecord[]): Promise<void> {
    const batch = latestPerSpan(records);
    const { exportTimeoutMs, maxRetries } = this.settings;
    for (let attempt = 0; ; attempt++) {
      const sink = this.sink!;
      const outcome = await this.attempts.run(() => sink.write(batch), exportTimeoutMs);
      if (outcome.ok) {
        this.written += batch.length;
        this.loggedFailure = false;
        this.loggedDrop = false;
        return;
      }
      this.failedWrites++;
      const retryable = isRetryable(outcome.error);
      if (!retryable || attempt >= maxRetries || this.abandoned) {
        this.dropped += records.length;
        if (!this.loggedDrop) {
          this.loggedDrop = true;
          this.report(
            retryable
              ? `dropped ${records.length} spans after ${attempt + 1} failed writes (further drops are only counted until a write succeeds)`
              : `the sink refused ${records.length} spans; dropped without retry`,
            outcome.error,
          );
        }
        return;
      }
      if (!this.loggedFailure) {
        this.loggedFailure = true;
        this.report(`sink write failed; retrying up to ${maxRetries} times with backoff`, outcome.error);
      }
      await this.attempts.sleep(backoffDelay(attempt, this.settings.retryBaseDelayMs, this.settings.retryMaxDelayMs));
    }
  }

  /** Closes the sink (bounded by the export time-out); a failure is reported, never thrown. */
  async closeSink(): Promise<void> {
    const sink = this.sink;
    if (sink?.close === undefined) return;
    const outcome = await this.attempts.run(() => sink.close!(), this.settings.exportTimeoutMs);
    if (!outcome.ok) this.report('closing the sink failed', outcome.error);
  }
}
