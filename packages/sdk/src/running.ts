/**
 * Running-span snapshots, as a span processor: a span still open one batch interval after its
 * start is written once with status `running`, so a long call shows up before it ends. The
 * processor watches at most `maxOpenSpans` spans at once (the oldest is let go, and counted), keeps
 * one unref'd timer, and never throws.
 */
import { reportError } from './diag';
import type { OpenSpan } from './open-span';

export class RunningSpanProcessor {
  /**
   * Spans waiting for their `running` record, oldest first, as a doubly linked list through the
   * spans themselves (`olderWatched` / `newerWatched`). A span that ends leaves the list at once,
   * so the list holds open spans only and an ended span is not kept alive by it.
   */
  private oldest: OpenSpan | undefined;
  private newest: OpenSpan | undefined;
  private watchedCount = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private skippedCount = 0;

  constructor(
    private readonly maxOpenSpans: number,
    /** Called with each span due for its `running` record. */
    private readonly emit: (span: OpenSpan) => void,
  ) {}

  /** Open spans that got no `running` record because too many were waiting at once. */
  get skipped(): number {
    return this.skippedCount;
  }

  /** Starts watching a new span. */
  onStart(span: OpenSpan): void {
    if (this.watchedCount >= this.maxOpenSpans && this.oldest !== undefined) {
      this.unwatch(this.oldest);
      this.skippedCount++;
    }
    span.watched = true;
    span.olderWatched = this.newest;
    span.newerWatched = undefined;
    if (this.newest === undefined) this.oldest = span;
    else this.newest.newerWatched = span;
    this.newest = span;
    this.watchedCount++;
    if (this.timer === undefined) this.arm(span.runningDueAt - Date.now());
  }

  /** Stops watching a span that ended. */
  onEnd(span: OpenSpan): void {
    if (span.watched) this.unwatch(span);
  }

  /** Stops the timer and forgets every span. */
  shutdown(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.oldest !== undefined) this.unwatch(this.oldest);
  }

  private unwatch(span: OpenSpan): void {
    const older = span.olderWatched;
    const newer = span.newerWatched;
    if (older === undefined) this.oldest = newer;
    else older.newerWatched = newer;
    if (newer === undefined) this.newest = older;
    else newer.olderWatched = older;
    span.olderWatched = undefined;
    span.newerWatched = undefined;
    span.watched = false;
    this.watchedCount--;
  }

  private arm(delayMs: number): void {
    this.timer = setTimeout(this.emitDue, Math.max(1, delayMs));
    this.timer.unref?.();
  }

  /** Emits a `running` record for every span that has been open for one batch interval. */
  private readonly emitDue = (): void => {
    this.timer = undefined;
    try {
      const now = Date.now();
      let span = this.oldest;
      while (span !== undefined && span.runningDueAt <= now) {
        this.unwatch(span);
        this.emit(span);
        span = this.oldest;
      }
      if (span !== undefined) this.arm(span.runningDueAt - now);
    } catch (error) {
      reportError('writing running spans failed', error);
    }
  };
}
