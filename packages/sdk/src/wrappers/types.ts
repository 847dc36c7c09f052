/**
 * The shapes shared by the wrappers: how one SDK method is traced (`TracedMethod`) and how its
 * reply is read (`CallRecorder`).
 */
import type { TraceService } from '../tracer';
import type { JsonObject } from './fields';

/** Token counts a reply reported. */
export interface TokenUsage {
  inputTokens?: number;
  outputTokens?: number;
  cachedInputTokens?: number;
  reasoningTokens?: number;
}

/** What a recorder saw of the reply. */
export interface Observation {
  model?: string;
  usage?: TokenUsage;
  output?: unknown;
  /** An error the reply itself reported (a failed response, an error event). */
  errorMessage?: string;
  finishReason?: string;
}

/** Reads one kind of reply: whole (JSON) or as stream events. */
export interface CallRecorder {
  /** The parsed reply of a call without `stream: true`. */
  result(body: unknown): void;
  /** One stream event; true when it carried output (the first such marks time to first token). */
  chunk(event: unknown): boolean;
  /** True once the stream delivered the whole answer (the provider's final event). */
  readonly complete: boolean;
  observation(): Observation;
}

/** How one SDK method is traced. */
export interface TracedMethod {
  spanName: string;
  operationType: 'llm_call' | 'embedding';
  provider: 'openai' | 'anthropic';
  /** Request keys that are the span's input rather than its parameters. */
  contentKeys: readonly string[];
  /** The span's input, from the request body. */
  input(body: JsonObject): unknown;
  recorder(): CallRecorder;
}

export interface WrapOptions {
  /** The tracer that records the calls. Default: the process-wide `traceService` (see `init()`). */
  traceService?: TraceService;
}
