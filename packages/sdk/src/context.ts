/**
 * The current span, carried through async calls by `AsyncLocalStorage`. `withSpan` sets it, so
 * spans nest on their own across `await`s and parallel branches.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { TraceContext } from './types';

// One storage per process, even when a bundler evaluates this module more than once.
const STORAGE_KEY = Symbol.for('llmtrace.context.storage');
type GlobalWithStorage = typeof globalThis & { [STORAGE_KEY]?: AsyncLocalStorage<TraceContext> };
const globalWithStorage = globalThis as GlobalWithStorage;
const storage: AsyncLocalStorage<TraceContext> =
  globalWithStorage[STORAGE_KEY] ?? (globalWithStorage[STORAGE_KEY] = new AsyncLocalStorage<TraceContext>());

/**
 * The span the calling code runs in (set by `withSpan` or `runWithSpan`), or undefined outside
 * any span.
 *
 * @example
 * await withSpan({ spanName: 'retrieval', operationType: 'retrieval' }, async () => {
 *   currentSpan()?.spanName; // 'retrieval'
 * });
 */
export function currentSpan(): TraceContext | undefined {
  return storage.getStore();
}

/**
 * Runs `fn` with `context` as the current span, so that `withSpan` calls inside it become its
 * children. Use it to make a span started with `startTrace` the parent of nested `withSpan`s.
 *
 * @example
 * const root = await traceService.startTrace({ spanName: 'llm.completion', operationType: 'llm_call', userId });
 * await runWithSpan(root, () => answer(request)); // withSpan calls inside answer() nest under root
 */
export function runWithSpan<T>(context: TraceContext, fn: () => T): T {
  return storage.run(context, fn);
}
