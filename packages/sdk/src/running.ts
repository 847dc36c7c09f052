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
   * Spans waiting for their `running` record, oldest first. Ended spans are skipped lazily; at most
   * `maxOpenSpans` are watched, and the list is compacted before it holds twice that.
   */
  private watchList: OpenSpan[] = [];
  private watchHead = 0;
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
    if (this.watchedCount >= this.maxOpenSpans) this.unwatchOldest();
    span.watched = true;
    this.watchedCount++;
    this.watchList.push(span);
    if (this.watchList.length - this.watchHead > 2 * this.maxOpenSpans) {
      this.watchList = this.watchList.slice(this.watchHead).filter((watched) => watched.watched);
      this.watchHead = 0;
    }
    if (this.timer === undefined) this.arm(span.runningDueAt - Date.now());
  }

  /** Stops watching a span that ended. */
  onEnd(span: OpenSpan): void {
    if (!span.watched) return;
    span.watched = false;
    this.watchedCount--;
  }

  /** Stops the timer and forgets every span. */
  shutdown(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.watchList = [];
    this.watchHead = 0;
    this.watchedCount = 0;
  }

  private unwatchOldest(): void {
    while (this.watchHead < this.watchList.length) {
      const oldest = this.watchList[this.watchHead++]!;
      if (oldest.watched) {
        oldest.watched = false;
        this.watchedCount--;
        this.skippedCount++;
        break;
      }
    }
    this.trim();
  }

  private trim(): void {
    if (this.watchHead === this.watchList.length) {
      this.watchList.length = 0;
      this.watchHead = 0;
    } else if (this.watchHead >= 1024 && this.watchHead * 2 >= this.watchList.length) {
      this.watchList = this.watchList.slice(this.watchHead);
      this.watchHead = 0;
    }
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
      while (this.watchHead < this.watchList.length) {
        const span = this.watchList[this.watchHead]!;
        if (span.watched && span.runningDueAt > now) break;
        this.watchHead++;
        if (!span.watched) continue;
        span.watched = false;
        this.watchedCount--;
        this.emit(span);
      }
      this.trim();
      if (this.watchedCount > 0) this.arm(this.watchList[this.watchHead]!.runningDueAt - now);
    } catch (error) {
      reportError('writing running spans failed', error);
    }
  };
}
