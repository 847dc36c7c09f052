/**
 * A sink that sends spans to an LLMTrace server over HTTP: `POST {baseUrl}/api/analytics/traces`
 * with body `{"traces":[SpanRecord, …]}` and `Authorization: Bearer <apiKey>`.
 */
import { reportError, safeReport, type ErrorHandler } from '../diag';
import type { SpanRecord, SpanSink } from '../types';

export interface HttpSpanSinkOptions {
  /** Server origin, e.g. `http://127.0.0.1:3000`; spans go to `${baseUrl}/api/analytics/traces`. */
  baseUrl: string;
  /** API key sent as `Authorization: Bearer <apiKey>`. */
  apiKey: string;
  /** Time-out of one request in ms. Default 10000. */
  timeoutMs?: number;
  /** Spans per request; the endpoint takes at most 1000. Default 1000. */
  maxSpansPerRequest?: number;
  /** `fetch` to use. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Receives spans the server rejected. Default: `console.warn` with the `[llmtrace]` prefix. */
  onError?: ErrorHandler;
}

/**
 * A failed POST. `retryable` is true for 429, 5xx and network errors; the queue then retries with
 * backoff. Other 4xx answers are not retried: the same body would be refused again.
 */
export class HttpSinkError extends Error {
  readonly status: number | undefined;
  readonly retryable: boolean;

  constructor(message: string, status: number | undefined, retryable: boolean, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HttpSinkError';
    this.status = status;
    this.retryable = retryable;
  }
}

interface IngestAnswer {
  accepted?: unknown;
  rejected?: Array<{ index?: unknown; message?: unknown }>;
}

const MAX_ERROR_BODY = 500;

/**
 * A span as sent. A null `cost_usd` on a span with a model and token counts (the wrappers' calls:
 * the package has no price table) is left out, because the server prices only spans that do not
 * state their cost; it stores null still when it does not know the model either.
 */
function forServer(span: SpanRecord): Partial<SpanRecord> {
  if (span.cost_usd !== null || !span.model_name || (span.input_tokens === null && span.output_tokens === null)) return span;
  const priceable: Partial<SpanRecord> = { ...span };
  delete priceable.cost_usd;
  return priceable;
}

/**
 * Sends spans to another LLMTrace process. Use it where the app that produces spans is not the
 * one that stores them.
 *
 * @example
 * traceService.setSink(new HttpSpanSink({ baseUrl: 'http://127.0.0.1:3000', apiKey: process.env.LLMTRACE_API_KEY! }));
 */
export class HttpSpanSink implements SpanSink {
  private readonly url: string;
  private readonly apiKey: string;
  private readonly timeoutMs: number;
  private readonly maxSpansPerRequest: number;
  private readonly fetchImpl: typeof fetch;
  private readonly onError: ErrorHandler;

  constructor(options: HttpSpanSinkOptions) {
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/api/analytics/traces`;
    this.apiKey = options.apiKey;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxSpansPerRequest = Math.min(1000, Math.max(1, options.maxSpansPerRequest ?? 1000));
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.onError = options.onError ?? reportError;
  }

  /**
   * POSTs the spans (in requests of at most `maxSpansPerRequest`). Resolves on 2xx; rejects with
   * a retryable {@link HttpSinkError} on 429, 5xx or a network error, and with a non-retryable
   * one on any other status.
   */
  async write(spans: SpanRecord[]): Promise<void> {
    for (let start = 0; start < spans.length; start += this.maxSpansPerRequest) {
      await this.post(spans.slice(start, start + this.maxSpansPerRequest));
    }
  }

  private async post(spans: SpanRecord[]): Promise<void> {
    let response: Response;
    try {
      response = await this.fetchImpl(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.apiKey}` },
        body: JSON.stringify({ traces: spans.map(forServer) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new HttpSinkError(`POST ${this.url} failed: ${String((error as Error)?.message ?? error)}`, undefined, true, {
        cause: error,
      });
    }
    const body = await response.text().catch(() => '');
    if (response.ok) {
      this.reportRejected(body, spans.length);
      return;
    }
    const retryable = response.status === 429 || response.status >= 500;
    throw new HttpSinkError(
      `POST ${this.url} answered ${response.status}: ${body.slice(0, MAX_ERROR_BODY)}`,
      response.status,
      retryable,
    );
  }

  /** The server stores valid spans and lists the invalid ones; those are not worth retrying. */
  private reportRejected(body: string, sent: number): void {
    let answer: IngestAnswer;
    try {
      answer = JSON.parse(body) as IngestAnswer;
    } catch {
      return;
    }
    const rejected = Array.isArray(answer?.rejected) ? answer.rejected : [];
    if (rejected.length === 0) return;
    const first = rejected[0];
    safeReport(
      this.onError,
      `the server rejected ${rejected.length} of ${sent} spans (first: #${String(first?.index)}: ${String(first?.message)})`,
    );
  }
}
