/**
 * `@llmtrace/sdk`: spans for LLM calls, tool calls and retrieval, batched to a sink.
 *
 * @example
 * import { traceService, withSpan } from '@llmtrace/sdk';
 * const root = await traceService.startTrace({ spanName: 'llm.completion', operationType: 'llm_call', userId });
 * await traceService.endTrace(root, { inputTokens: 10, outputTokens: 5, costUsd: null });
 */
export { TraceService } from './tracer';
export type { TraceServiceOptions, ChildSpanParams } from './tracer';
export { traceService, withSpan, update } from './default';
export { isRecording } from './open-span';
export { operationTypeForName } from './operation';
export { currentSpan, runWithSpan } from './context';
export { contextFromTraceparent } from './propagation';
export { isAbortError } from './abort';
export {
  generateTraceId,
  generateSpanId,
  calculateDuration,
  isValidTraceId,
  isValidSpanId,
  INVALID_TRACE_ID,
  INVALID_SPAN_ID,
} from './ids';
export { SpanQueue, SinkTimeoutError } from './queue';
export type { SpanQueueOptions, SpanQueueStats } from './queue';
export { InMemorySpanSink } from './sinks/memory';
export { HttpSpanSink, HttpSinkError } from './sinks/http';
export type { HttpSpanSinkOptions } from './sinks/http';
export { TeeSpanSink } from './sinks/tee';
export { registerShutdownHooks } from './shutdown';
export type { ShutdownTarget } from './shutdown';
export { reportError, describeError, safeReport } from './diag';
export type { ErrorHandler } from './diag';
export type {
  TraceContext,
  StartTraceParams,
  WithSpanParams,
  TraceResult,
  SpanSink,
  TraceStats,
} from './types';
export * from './span/fields';
export { tracingConfig, readTracingConfig, TRACING_DEFAULTS } from './config';
export type { TracingConfig, ContentMask, MaskFunction, MaskedField, RecordMask, MaskableFields } from './config';
export { init, flush, shutdown, SDK_DEFAULT_USER_ID } from './init';
export type { InitOptions } from './init';
export { observe } from './observe';
export type { ObserveParams } from './observe';
export { wrapOpenAI } from './wrappers/openai';
export { wrapAnthropic } from './wrappers/anthropic';
export type { WrapOptions } from './wrappers/types';
