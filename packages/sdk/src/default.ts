/**
 * The process-wide default tracer (the plan's `traceService`), configured from the environment,
 * and the shortcuts that use it.
 */
import { tracingConfig } from './config';
import { TraceService } from './tracer';
import type { TraceContext, TraceResult, WithSpanParams } from './types';

// One service per process, even when a bundler evaluates this module more than once.
const SERVICE_KEY = Symbol.for('llmtrace.traceService');
type GlobalWithService = typeof globalThis & { [SERVICE_KEY]?: TraceService };
const globalWithService = globalThis as GlobalWithService;

/**
 * The process-wide trace service, configured from the environment (`tracingConfig`). It starts
 * without a sink: the app calls `traceService.setSink(...)` at start.
 *
 * @example
 * import { traceService } from '@llmtrace/sdk';
 * const ctx = await traceService.startTrace({ spanName: 'llm.completion', operationType: 'llm_call', userId });
 */
export const traceService: TraceService =
  globalWithService[SERVICE_KEY] ?? (globalWithService[SERVICE_KEY] = new TraceService({ config: tracingConfig }));

/**
 * `traceService.withSpan`: runs `fn` in a span of the default service, nested under the current span.
 *
 * @example
 * const result = await withSpan({ spanName: 'tool.calculator', operationType: 'tool_call', inputData: args },
 *   () => calculate(args));
 */
export function withSpan<T>(params: WithSpanParams, fn: (context: TraceContext) => T | Promise<T>): Promise<T> {
  return traceService.withSpan(params, fn);
}

/**
 * `traceService.update`: merges result fields into an open span of the default service.
 *
 * @example
 * update(span, { inputTokens: 120, outputTokens: 30, costUsd: null }); // null = unpriced model
 */
export function update(context: TraceContext, fields: Partial<TraceResult>): void {
  traceService.update(context, fields);
}
