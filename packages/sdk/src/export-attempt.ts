/**
 * Calling a sink: one write (or close) at a time, each bounded by a time-out; the sleep between
 * retries, with exponential backoff and jitter; which errors are worth a retry. Shutdown can cut
 * the pending call or sleep short. Nothing here throws.
 */

/** How a sink call ended: resolved, or failed (rejected, threw, timed out or cut short). */
export type WriteOutcome = { ok: true } | { ok: false; error: unknown };

const OK: WriteOutcome = { ok: true };

/** Raised when a sink write does not settle within the export time-out. */
export class SinkTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`sink write timed out after ${timeoutMs} ms`);
    this.name = 'SinkTimeoutError';
  }
}

/** A sink rejects with an error whose `retryable` is `false` to have its batch dropped, not retried. */
export function isRetryable(error: unknown): boolean {
  try {
    return !(error !== null && typeof error === 'object' && (error as { retryable?: unknown }).retryable === false);
  } catch {
    return true;
  }
}

/** Exponential backoff with "equal jitter": between half and all of base * 2^attempt, capped at `maxMs`. */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return ceiling / 2 + (Math.random() * ceiling) / 2;
}

/** A sink call that has not settled yet. */
interface PendingCall {
  readonly resolve: (outcome: WriteOutcome) => void;
  readonly timeoutMs: number;
  /** Its own time-out timer, only when it had to give up the shared one (calls overlapped). */
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Runs sink calls with a time-out. Calls are expected one at a time (the queue writes one batch at
 * a time), so one timer serves them all: it is re-armed (`refresh()`) when a call starts, which
 * costs far less than creating and clearing a timer per batch. When it fires while a call is
 * pending, that call started `timeoutMs` ago and counts as timed out. Should calls ever overlap,
 * the older one gets a timer of its own.
 */
export class ExportAttempts {
  /** Set when shutdown begins: from then on timers keep the process alive until they settle. */
  closing = false;
  private current: PendingCall | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerMs = 0;
  private timerRefed = true;
  /** Wakes the pending retry sleep early. */
  private wake: (() => void) | undefined;

  /** Runs `operation` and reports how it settled: resolved, rejected, threw, or timed out. */
  run(operation: () => Promise<void> | void, timeoutMs: number): Promise<WriteOutcome> {
    return new Promise<WriteOutcome>((resolve) => {
      const previous = this.current;
      if (previous !== undefined && previous.timer === undefined) {
        previous.timer = setTimeout(() => this.finish(previous, { ok: false, error: new SinkTimeoutError(previous.timeoutMs) }), previous.timeoutMs);
        if (!this.closing) previous.timer.unref?.();
      }
      const call: PendingCall = { resolve, timeoutMs, timer: undefined };
      this.current = call;
      this.armTimeout(timeoutMs);
      try {
        Promise.resolve(operation()).then(
          () => this.finish(call, OK),
          (error: unknown) => this.finish(call, { ok: false, error: error ?? new Error('sink write rejected') }),
        );
      } catch (error) {
        this.finish(call, { ok: false, error });
      }
    });
  }

  /** Waits `ms` (before a retry); {@link interrupt} ends the wait early. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        if (this.wake === wake) this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      if (!this.closing) timer.unref?.();
      this.wake = wake;
    });
  }

  /** Shutdown gave up: the pending call fails at once, and a pending retry sleep ends. */
  interrupt(): void {
    const call = this.current;
    if (call !== undefined) this.finish(call, { ok: false, error: new Error('shutdown deadline passed') });
    this.wake?.();
  }

  /** Stops the shared timer (the queue is closed). */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private finish(call: PendingCall, outcome: WriteOutcome): void {
    if (call.timer !== undefined) {
      clearTimeout(call.timer);
      call.timer = undefined;
    } else if (this.current !== call) {
      return; // settled already (a late answer after a time-out or an interrupt)
    }
    if (this.current === call) {
      this.current = undefined;
      // While closing the timer holds the process; let it go as soon as nothing waits on it.
      if (this.closing) this.stop();
    }
    call.resolve(outcome);
  }

  private armTimeout(timeoutMs: number): void {
    if (this.timer === undefined || this.timerMs !== timeoutMs) {
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = setTimeout(this.onTimeout, timeoutMs);
      this.timerMs = timeoutMs;
      this.timerRefed = true;
    } else {
      this.timer.refresh();
    }
    if (this.timerRefed === this.closing) return;
    this.timerRefed = this.closing;
    if (this.closing) this.timer.ref?.();
    else this.timer.unref?.();
  }

  private readonly onTimeout = (): void => {
    const call = this.current;
    if (call !== undefined && call.timer === undefined) this.finish(call, { ok: false, error: new SinkTimeoutError(call.timeoutMs) });
  };
}
