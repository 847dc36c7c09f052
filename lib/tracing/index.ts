/**
 * LLMTrace tracing library: spans for LLM calls, tool calls and retrieval, batched to a sink.
 *
 * @example
 * import { traceService, withSpan } from '@/lib/tracing';
 * const root = await traceService.startTrace({ spanName: 'llm.completion', operationType: 'llm_call', userId });
 * await traceService.endTrace(root, { inputTokens: 10, outputTokens: 5, costUsd: null });
 */
export {
  TraceService,
  traceService,
  withSpan,
  update,
  isRecording,
  operationTypeForName,
} from './trace.service';
export type { TraceServiceOptions, ChildSpanParams } from './trace.service';
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
export { registerShutdownHooks } from './shutdown';
export type { ShutdownTarget } from './shutdown';
export { reportError, describeError } from './diag';
export type { ErrorHandler } from './diag';
export type {
  OperationType,
  SpanStatus,
  TraceContext,
  StartTraceParams,
  WithSpanParams,
  TraceResult,
  SpanRecord,
  SpanSink,
  TraceStats,
} from './types';
export { tracingConfig, readTracingConfig, TRACING_DEFAULTS } from '../config/tracing.config';
export type { TracingConfig } from '../config/tracing.config';
