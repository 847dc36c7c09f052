/**
 * Flushes the trace queue when the process is asked to stop (SIGTERM, SIGINT) or is about to exit
 * on its own (`beforeExit`), so that a graceful shutdown loses no span.
 */

/** What the hooks need from a trace service. */
export interface ShutdownTarget {
  shutdown(): Promise<void>;
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
const registrations = new WeakMap<ShutdownTarget, () => void>();

/**
 * Shuts `service` down (flush, then close the sink) on SIGTERM, SIGINT and `beforeExit`, then lets
 * the process exit as it would have: after a signal that nothing else handles, the signal is
 * raised again with the default behaviour, so the exit status is the usual one. A second signal
 * during the flush exits at once. Registering the same service twice does nothing more. Returns
 * a function that removes the hooks.
 *
 * If another listener also handles the signal (and exits), that listener decides when the process
 * ends; call `await traceService.shutdown()` from it first.
 *
 * @example
 * import { registerShutdownHooks, traceService } from '@/lib/tracing';
 * registerShutdownHooks(traceService);
 */
export function registerShutdownHooks(service: ShutdownTarget): () => void {
  const existing = registrations.get(service);
  if (existing !== undefined) return existing;

  let shuttingDown: Promise<void> | undefined;
  let signalled = false;
  let removed = false;
  const shutdownOnce = (): Promise<void> => {
    shuttingDown ??= Promise.resolve()
      .then(() => service.shutdown())
      .catch(() => undefined);
    return shuttingDown;
  };

  const exitLikeBefore = (signal: NodeJS.Signals): void => {
    const othersListen = process.listeners(signal).some((listener) => listener !== onSignal);
    remove();
    if (!othersListen) process.kill(process.pid, signal);
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      // Asked again while flushing: stop waiting.
      exitLikeBefore(signal);
      return;
    }
    signalled = true;
    void shutdownOnce().then(() => {
      if (!removed) exitLikeBefore(signal);
    });
  };

  const onBeforeExit = (): void => {
    void shutdownOnce();
  };

  const remove = (): void => {
    if (removed) return;
    removed = true;
    for (const signal of SIGNALS) process.off(signal, onSignal);
    process.off('beforeExit', onBeforeExit);
    registrations.delete(service);
  };

  for (const signal of SIGNALS) process.on(signal, onSignal);
  process.on('beforeExit', onBeforeExit);
  registrations.set(service, remove);
  return remove;
}
