/**
 * Watching a streamed reply without changing it: the SDK's stream object stays the one the caller
 * holds, and only the function that opens its iterator is wrapped, so `for await`, `tee()`,
 * `toReadableStream()` and the SDKs' stream helpers all read through the observer.
 */
import { isRecord } from '../providers';

/** What a traced call learns from its stream. Implementations must not throw. */
export interface StreamObserver {
  /** One event, as the SDK yields it. */
  chunk(value: unknown): void;
  /** The iterator finished; `aborted` when the request was aborted (the SDKs then end quietly). */
  done(aborted: boolean): void;
  /** The caller stopped reading early (`break` out of `for await`, `return()` or `throw()`). */
  stopped(): void;
  /** Reading failed: a broken connection, or an error event in the stream. */
  failed(error: unknown): void;
}

type IteratorFactory = (...args: unknown[]) => AsyncIterator<unknown>;

/**
 * Makes `stream` report to `observer` as it is read. Works with the openai and
 * @anthropic-ai/sdk `Stream` (its `iterator` function) and with any other async iterable.
 * Returns false, changing nothing, when `stream` cannot be iterated.
 *
 * @example
 * if (!observeStream(stream, call, signal)) call.failed(new Error('not a stream'));
 */
export function observeStream(stream: unknown, observer: StreamObserver, signal: AbortSignal | undefined): boolean {
  if (typeof stream !== 'object' || stream === null) return false;
  const target = stream as Record<PropertyKey, unknown>;
  const key = typeof target.iterator === 'function' ? 'iterator' : typeof target[Symbol.asyncIterator] === 'function' ? Symbol.asyncIterator : undefined;
  if (key === undefined) return false;
  const open = target[key] as IteratorFactory;
  const aborted = (): boolean => {
    const controller = target.controller;
    const own = isRecord(controller) ? (controller as { signal?: AbortSignal }).signal : undefined;
    return own?.aborted === true || signal?.aborted === true;
  };
  target[key] = function (this: unknown, ...args: unknown[]): AsyncIterator<unknown> {
    return observeIterator(open.apply(this, args), observer, aborted);
  };
  return true;
}

/** `inner`, reporting each step to `observer`; values, errors and timing pass through unchanged. */
function observeIterator(inner: AsyncIterator<unknown>, observer: StreamObserver, aborted: () => boolean): AsyncIterableIterator<unknown> {
  const observed: AsyncIterableIterator<unknown> = {
    async next(...args: [] | [unknown]) {
      let step: IteratorResult<unknown>;
      try {
        step = await inner.next(...args);
      } catch (error) {
        observer.failed(error);
        throw error;
      }
      if (step.done) observer.done(aborted());
      else observer.chunk(step.value);
      return step;
    },
    async return(value?: unknown) {
      observer.stopped();
      return typeof inner.return === 'function' ? inner.return(value) : { done: true, value };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  if (typeof inner.throw === 'function') {
    observed.throw = async (error?: unknown) => {
      observer.stopped();
      return inner.throw!(error);
    };
  }
  return observed;
}
