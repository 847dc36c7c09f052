/**
 * One traced provider call: the span of an SDK method such as `chat.completions.create`, opened
 * when the method is called and ended with what its reply held. The SDK's return value is handed
 * back untouched: the span follows the SDK's `APIPromise` by hooking where it parses the response
 * (so `await`, `.withResponse()` and `.asResponse()` behave as before), and a stream by observing
 * its iterator. Nothing here throws into the application, and no failure of tracing changes what
 * the call returns or throws.
 */
import { isAbortError } from '../abort';
import { currentSpan } from '../context';
import { traceService as defaultService } from '../default';
import { describeError, reportError } from '../diag';
import type { TraceService } from '../tracer';
import type { TraceContext, TraceResult } from '../types';
import { count, isRecord, scalarParameters, text, type JsonObject, type ReplyObserver } from '../providers';
import { observeStream, type StreamObserver } from './stream';
import type { TracedMethod, WrapOptions } from './types';

/** The parts of the SDKs' `APIPromise` the span follows (Stainless SDKs: openai, @anthropic-ai/sdk). */
interface ApiPromiseLike {
  responsePromise: PromiseLike<unknown>;
  parseResponse: (...args: unknown[]) => unknown;
  asResponse?: (...args: unknown[]) => unknown;
  withResponse?: (...args: unknown[]) => unknown;
}

type Method = (...args: unknown[]) => unknown;

const WRAPPED = Symbol.for('llmtrace.wrapped');

/**
 * Replaces `owner.create` by a traced version, on this object only. Wrapping twice does nothing.
 *
 * @example
 * traceMethod(client.embeddings, embeddingsMethod, { traceService });
 */
export function traceMethod(owner: unknown, spec: TracedMethod, options: WrapOptions | undefined): void {
  try {
    if (typeof owner !== 'object' || owner === null) return;
    const original = (owner as { create?: unknown }).create;
    if (typeof original !== 'function' || (original as { [WRAPPED]?: boolean })[WRAPPED]) return;
    const service = options?.traceService ?? defaultService;
    const traced = function (this: unknown, ...args: unknown[]): unknown {
      return callTraced(spec, service, original as Method, this, args);
    };
    Object.defineProperty(traced, WRAPPED, { value: true });
    Object.defineProperty(owner, 'create', { value: traced, writable: true, configurable: true, enumerable: false });
  } catch (error) {
    reportError(`could not trace ${spec.spanName}`, error);
  }
}

function callTraced(spec: TracedMethod, service: TraceService, original: Method, self: unknown, args: unknown[]): unknown {
  const call = service.enabled ? TracedCall.start(spec, service, args) : undefined;
  let result: unknown;
  try {
    result = original.apply(self, args);
  } catch (error) {
    call?.failed(error);
    throw error;
  }
  call?.follow(result);
  return result;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

function isSignal(value: unknown): value is AbortSignal {
  return typeof value === 'object' && value !== null && typeof (value as AbortSignal).aborted === 'boolean';
}

function isApiPromise(value: unknown): value is ApiPromiseLike {
  return isThenable(value) && typeof (value as Partial<ApiPromiseLike>).parseResponse === 'function' && isThenable((value as Partial<ApiPromiseLike>).responsePromise);
}

class TracedCall implements StreamObserver {
  private ended = false;
  private readonly startedAt = performance.now();
  private firstOutputMs: number | undefined;
  private requestId: string | undefined;

  private constructor(
    private readonly service: TraceService,
    private readonly span: Promise<TraceContext>,
    private readonly recorder: ReplyObserver,
    private readonly stream: boolean,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** Opens the span of a call with these arguments; undefined (and a warning) if that fails. */
  static start(spec: TracedMethod, service: TraceService, args: unknown[]): TracedCall | undefined {
    try {
      const body = isRecord(args[0]) ? args[0] : {};
      const signal = isRecord(args[1]) ? args[1].signal : undefined;
      const stream = body.stream === true;
      const parameters = scalarParameters(body, spec.contentKeys);
      const span = service.startTrace({
        spanName: spec.spanName,
        operationType: spec.operationType,
        parent: currentSpan(),
        modelName: text(body.model),
        modelProvider: spec.provider,
        inputData: spec.input(body),
        metadata: { source: 'sdk', stream, ...(Object.keys(parameters).length > 0 ? { parameters } : {}) },
      });
      return new TracedCall(service, span, spec.recorder(), stream, isSignal(signal) ? signal : undefined);
    } catch (error) {
      reportError(`could not start the span of ${spec.spanName}`, error);
      return undefined;
    }
  }

  /** Follows what the SDK method returned, without changing it. */
  follow(result: unknown): void {
    try {
      if (isApiPromise(result)) this.hook(result);
      else if (isThenable(result)) result.then((value) => this.parsed(value), (error: unknown) => this.failed(error));
      else this.parsed(result);
    } catch (error) {
      reportError('could not follow a traced call', error);
      this.finish('completed');
    }
  }

  /**
   * Follows an `APIPromise` from the inside: the parsed body comes through its `parseResponse`, a
   * failed request through its `responsePromise`, and `asResponse()` on its own (the caller reads
   * the body, so the span ends with the response, without it). `withResponse()` parses as usual.
   */
  private hook(promise: ApiPromiseLike): void {
    const call = this;
    const { parseResponse, asResponse, withResponse } = promise;
    promise.parseResponse = function (this: unknown, ...args: unknown[]): unknown {
      let parsed: unknown;
      try {
        parsed = parseResponse.apply(this, args);
      } catch (error) {
        call.failed(error);
        throw error;
      }
      return Promise.resolve(parsed).then(
        (value) => {
          call.parsed(value);
          return value;
        },
        (error: unknown) => {
          call.failed(error);
          throw error;
        },
      );
    };
    promise.responsePromise.then(undefined, (error: unknown) => call.failed(error));
    let inWithResponse = false;
    if (typeof withResponse === 'function') {
      promise.withResponse = function (this: unknown, ...args: unknown[]): unknown {
        inWithResponse = true;
        try {
          return withResponse.apply(this, args);
        } finally {
          inWithResponse = false;
        }
      };
    }
    if (typeof asResponse === 'function') {
      promise.asResponse = function (this: unknown, ...args: unknown[]): unknown {
        const response = asResponse.apply(this, args);
        if (!inWithResponse && isThenable(response)) {
          response.then(
            (raw) => call.finish('completed', undefined, { http_status: (raw as { status?: unknown })?.status, body_read_by_caller: true }),
            () => undefined, // the failure reaches the span through responsePromise
          );
        }
        return response;
      };
    }
  }

  /** The parsed reply: a whole body, or a stream whose end ends the span. */
  private parsed(value: unknown): void {
    if (this.ended) return;
    try {
      const requestId = isRecord(value) ? text((value as { _request_id?: unknown })._request_id) : undefined;
      if (requestId) this.requestId = requestId;
      if (this.stream && observeStream(value, this, this.signal)) return;
      this.recorder.reply(value);
      this.finish('completed');
    } catch (error) {
      reportError('could not record a reply', error);
      this.finish('completed');
    }
  }

  chunk(value: unknown): void {
    if (this.ended) return;
    try {
      if (this.recorder.event(value) && this.firstOutputMs === undefined) this.firstOutputMs = performance.now() - this.startedAt;
    } catch (error) {
      reportError('could not record a stream event', error);
    }
  }

  done(aborted: boolean): void {
    this.finish(aborted ? 'cancelled' : 'completed', aborted ? 'The request was aborted.' : undefined);
  }

  stopped(): void {
    const complete = this.completeAnswer();
    this.finish(complete ? 'completed' : 'cancelled', complete ? undefined : 'The caller stopped reading the stream.', { stream_stopped_early: true });
  }

  failed(error: unknown): void {
    if (this.ended) return;
    const status = isAbortError(error, this.signal) ? 'cancelled' : 'failed';
    const httpStatus = isRecord(error) ? count(error.status) : undefined;
    this.finish(status, describeError(error), httpStatus === undefined ? undefined : { http_status: httpStatus });
  }

  private completeAnswer(): boolean {
    try {
      return this.recorder.complete;
    } catch {
      return false;
    }
  }

  /** Ends the span once, with what the recorder saw; an error the reply reported makes it `failed`. */
  private finish(status: 'completed' | 'failed' | 'cancelled', errorMessage?: string, metadata?: JsonObject): void {
    if (this.ended) return;
    this.ended = true;
    try {
      const seen = this.recorder.observation();
      const final = status === 'completed' && seen.errorMessage !== undefined ? 'failed' : status;
      const usage = seen.usage;
      const result: TraceResult = {
        status: final,
        modelName: seen.model,
        inputTokens: usage?.inputTokens,
        outputTokens: usage?.outputTokens,
        cachedInputTokens: usage?.cachedInputTokens,
        reasoningTokens: usage?.reasoningTokens,
        timeToFirstTokenMs: this.firstOutputMs,
        outputData: seen.output,
        errorMessage: final === 'completed' ? undefined : (seen.errorMessage ?? errorMessage ?? 'The call failed.'),
        metadata: {
          ...(seen.finishReason ? { finish_reason: seen.finishReason } : {}),
          ...(this.requestId ? { request_id: this.requestId } : {}),
          ...metadata,
        },
      };
      this.span.then((context) => this.service.endTrace(context, result)).then(undefined, (error: unknown) => reportError('could not end a span', error));
    } catch (error) {
      reportError('could not end a span', error);
    }
  }
}
