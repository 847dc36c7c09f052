/**
 * The shapes shared by the wrappers: how one SDK method is traced (`TracedMethod`). Its reply is
 * read by the provider's observer (`../providers`), the same one the LLMTrace proxy uses.
 */
import type { JsonObject, ReplyObserver } from '../providers';
import type { TraceService } from '../tracer';

/** How one SDK method is traced. */
export interface TracedMethod {
  spanName: string;
  operationType: 'llm_call' | 'embedding';
  provider: 'openai' | 'anthropic';
  /** Request keys that are the span's input rather than its parameters. */
  contentKeys: readonly string[];
  /** The span's input, from the request body. */
  input(body: JsonObject): unknown;
  recorder(): ReplyObserver;
}

export interface WrapOptions {
  /** The tracer that records the calls. Default: the process-wide `traceService` (see `init()`). */
  traceService?: TraceService;
}
