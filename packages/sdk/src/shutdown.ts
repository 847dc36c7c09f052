/**
 * Writes queued spans when the process is asked to stop (SIGTERM, SIGINT) or is about to exit on
 * its own (`beforeExit`), so that a graceful shutdown loses no span.
 */
import { reportError } from './diag';
import type { TraceStats } from './types';

/** What the hooks need from a trace service. */
export interface ShutdownTarget {
  flush(): Promise<void>;
  shutdown(): Promise<void>;
  stats(): TraceStats;
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
/** While another handler owns the exit, spans ended meanwhile are written this often. */
const FLUSH_EVERY_MS = 50;
/**
 * A second signal this soon after the first is the same request to stop, delivered twice: a
 * Ctrl-C reaches every process of the terminal's foreground group, and `npm run` (or a
 * supervisor) also forwards it to its child.
 */
const REPEAT_WITHIN_MS = 500;
const registrations = new WeakMap<ShutdownTarget, () => void>();

/**
 * Makes sure queued spans are written before the process ends, then lets it end as it would have:
 *
 * - SIGTERM / SIGINT with no other listener: shuts the service down (flush, close the sink), then
 *   raises the signal again with its default behaviour, so the exit status is the usual one. A
 *   second signal during the flush exits at once, unless it comes within half a second of the
 *   first (the same Ctrl-C, forwarded by `npm run` too).
 * - SIGTERM / SIGINT that another listener also handles (Next.js's server does: it finishes open
 *   requests, then calls `process.exit`): that listener decides when the process ends. Until then
 *   the service keeps accepting spans (from the requests still finishing) and writes them every
 *   50 ms.
 * - `beforeExit` (the event loop ran dry): shuts the service down; the process then exits.
 * - `exit`: if spans are still unwritten, says how many.
 *
 * Idempotent: registering the same service again returns the same remover.
 *
 * @example
 * import { registerShutdownHooks, traceService } from '@llmtrace/sdk';
 * const removeHooks = registerShutdownHooks(traceService);
 */
export function registerShutdownHooks(service: ShutdownTarget): () => void {
  const existing = registrations.get(service);
  if (existing !== undefined) return existing;

  let signalled = false;
  /** When the first signal came (ms, `Date.now()`). */
  let signalledAt = 0;
  let removed = false;
  let shuttingDown: Promise<void> | undefined;
  let flushTimer: ReturnType<typeof setTimeout> | undefined;

  const shutdownOnce = (): Promise<void> => {
    shuttingDown ??= Promise.resolve()
      .then(() => service.shutdown())
      .catch((error: unknown) => reportError('shutdown on exit failed', error));
    return shuttingDown;
  };

  const otherListeners = (signal: NodeJS.Signals): boolean =>
    process.listeners(signal).some((listener) => listener !== onSignal);

  const exitLikeBefore = (signal: NodeJS.Signals): void => {
    const othersListen = otherListeners(signal);
    remove();
    if (!othersListen) process.kill(process.pid, signal);
  };

  const keepFlushing = (): void => {
    void Promise.resolve()
      .then(() => service.flush())
      .catch((error: unknown) => reportError('flush on exit failed', error))
      .then(() => {
        if (removed) return;
        flushTimer = setTimeout(keepFlushing, FLUSH_EVERY_MS);
        flushTimer.unref?.();
      });
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (otherListeners(signal)) {
      if (!signalled) keepFlushing();
      signalled = true;
      return;
    }
    if (signalled) {
      // Asked again while flushing: stop waiting, unless it is the first signal delivered twice.
      if (Date.now() - signalledAt >= REPEAT_WITHIN_MS) exitLikeBefore(signal);
      return;
    }
    signalled = true;
    signalledAt = Date.now();
    void shutdownOnce().then(() => {
      if (!removed) exitLikeBefore(signal);
    });
  };

  const onBeforeExit = (): void => {
    void shutdownOnce();
  };

  const onExit = (): void => {
    try {
      const { queued } = service.stats();
      if (queued > 0) reportError(`process exiting with ${queued} spans not yet written`);
    } catch {
      // Nothing more can be done while the process exits.
    }
  };

  const remove = (): void => {
    if (removed) return;
    removed = true;
    if (flushTimer !== undefined) clearTimeout(flushTimer);
    for (const signal of SIGNALS) process.off(signal, onSignal);
    process.off('beforeExit', onBeforeExit);
    process.off('exit', onExit);
    registrations.delete(service);
  };

  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.on('beforeExit', onBeforeExit);
  process.on('exit', onExit);
  registrations.set(service, remove);
  return remove;
}
