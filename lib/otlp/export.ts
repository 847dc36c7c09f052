/**
 * Sends LLMTrace's own spans to any OpenTelemetry backend over OTLP/HTTP, described with the
 * GenAI semantic conventions so that backend's LLM views understand them.
 */
import type { ErrorHandler } from '@llmtrace/sdk';
import { reportError, safeReport } from '@llmtrace/sdk';
import { HttpSinkError } from '@llmtrace/sdk';
import type { SpanRecord, SpanSink } from '@llmtrace/sdk';
import { decodeTraceResponse, type OtlpEncoding } from './decode';
import { encodeTraceRequest, OTLP_CONTENT_TYPES, type ExportSpan } from './encode';
import { toExportSpan } from './export-span';

export { readOtlpExportConfig, type OtlpExportConfig } from './export-config';

export interface OtlpHttpSpanSinkOptions {
  /** Full URL of the traces endpoint, e.g. `http://127.0.0.1:4318/v1/traces`. */
  url: string;
  /** Extra request headers (e.g. an API key). Default none. */
  headers?: Record<string, string>;
  /** Default `protobuf` (OTLP's default, `http/protobuf`). */
  encoding?: OtlpEncoding;
  /** Time-out of one request in ms. Default 10000. */
  timeoutMs?: number;
  /** The resource's `service.name`. Default `llmtrace`. */
  serviceName?: string;
  /** `fetch` to use. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Receives the backend's `partialSuccess` refusals. Default: `console.warn` with the `[llmtrace]` prefix. */
  onError?: ErrorHandler;
}

/** OTLP/HTTP: only these statuses may be retried; every other 4xx and 5xx must not. */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
const MAX_ERROR_BODY = 500;

/**
 * A {@link SpanSink} that exports finished spans over OTLP/HTTP. Open spans (`running`,
 * `pending`) are skipped: an OTLP span is exported once, when it has ended.
 *
 * @example
 * const config = readOtlpExportConfig(process.env);
 * if (config && !config.error) traceService.setSink(new OtlpHttpSpanSink(config));
 */
export class OtlpHttpSpanSink implements SpanSink {
  private readonly url: string;
  private readonly headers: Record<string, string>;
  private readonly encoding: OtlpEncoding;
  private readonly timeoutMs: number;
  private readonly resource: ExportSpan['resource'];
  private readonly fetchImpl: typeof fetch;
  private readonly onError: ErrorHandler;

  constructor(options: OtlpHttpSpanSinkOptions) {
    this.url = options.url;
    this.encoding = options.encoding === 'json' ? 'json' : 'protobuf';
    this.headers = { ...options.headers, 'content-type': OTLP_CONTENT_TYPES[this.encoding] };
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.resource = { 'service.name': options.serviceName || 'llmtrace', 'telemetry.sdk.name': 'llmtrace' };
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    this.onError = options.onError ?? reportError;
  }

  /**
   * POSTs the finished spans of the batch. Resolves on 2xx; rejects with a retryable
   * {@link HttpSinkError} on 429, 502, 503, 504 or a network error, with a non-retryable one on
   * any other status.
   */
  async write(records: SpanRecord[]): Promise<void> {
    const spans: ExportSpan[] = [];
    for (const record of records) {
      const span = toExportSpan(record, this.resource);
      if (span) spans.push(span);
    }
    if (spans.length === 0) return;
    const body = encodeTraceRequest(spans, this.encoding);
    let response: Response;
    try {
      response = await this.fetchImpl(this.url, {
        method: 'POST',
        headers: this.headers,
        body: body as BodyInit,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new HttpSinkError(`OTLP export to ${this.url} failed: ${String((error as Error)?.message ?? error)}`, undefined, true, {
        cause: error,
      });
    }
    const answer = new Uint8Array(await response.arrayBuffer().catch(() => new ArrayBuffer(0)));
    if (response.ok) {
      this.reportRefused(answer, spans.length);
      return;
    }
    throw new HttpSinkError(
      `OTLP export to ${this.url} answered ${response.status}${describeBody(response, answer)}`,
      response.status,
      RETRYABLE_STATUSES.has(response.status),
    );
  }

  /** A 2xx may still carry `partialSuccess`; those spans are lost, so say so (not worth a retry). */
  private reportRefused(answer: Uint8Array, sent: number): void {
    if (answer.length === 0) return;
    let partial: ReturnType<typeof decodeTraceResponse>;
    try {
      partial = decodeTraceResponse(answer, this.encoding);
    } catch {
      return;
    }
    if (partial && partial.rejectedSpans > 0) {
      safeReport(this.onError, `the OTLP backend refused ${partial.rejectedSpans} of ${sent} spans: ${partial.errorMessage}`);
    }
  }
}

/** The error body when it is readable text (OTLP protobuf errors are binary `google.rpc.Status`). */
function describeBody(response: Response, body: Uint8Array): string {
  const type = response.headers.get('content-type') ?? '';
  if (body.length === 0 || !/json|text/i.test(type)) return '';
  return `: ${new TextDecoder().decode(body.subarray(0, MAX_ERROR_BODY))}`;
}
