/**
 * `init()`: the one line an application adds to send its spans to an LLMTrace server, and the
 * `flush()` and `shutdown()` that go with it. They act on the process-wide `traceService`, so
 * `observe`, `withSpan` and the OpenAI and Anthropic wrappers all send through it.
 */
import { traceService } from './default';
import { reportError } from './diag';
import { registerShutdownHooks } from './shutdown';
import { HttpSpanSink } from './sinks/http';
import type { ContentMask } from './config';
import { checkMask } from './record';
import type { TraceService } from './tracer';

export interface InitOptions {
  /** The LLMTrace server, e.g. `https://llmtrace.example.com`. Default: `LLMTRACE_URL`. */
  url?: string;
  /** An LLMTrace API key (`lt_…`). Default: `LLMTRACE_API_KEY`. */
  apiKey?: string;
  /**
   * The owner recorded on root spans started without `userId`. The server stores every span under
   * the API key's user whatever this says, so it rarely matters. Default `'sdk'`.
   */
  userId?: string;
  /** Time-out of one request to the server, in ms. Default 10000. */
  timeoutMs?: number;
  /** Write queued spans on SIGTERM, SIGINT and when the process ends on its own. Default true. */
  shutdownHooks?: boolean;
  /** `fetch` to send with. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Stored as every span's `service_name`. Default: `LLMTRACE_SERVICE_NAME`, else `OTEL_SERVICE_NAME`. */
  serviceName?: string;
  /** Share of traces sent, decided per trace from its id (whole traces only). Default: `TRACE_SAMPLE_RATE`, else 1. */
  sampleRate?: number;
  /** `false`: send no inputs or outputs at all. Default: `TRACE_CAPTURE_CONTENT`, else true. */
  captureContent?: boolean;
  /**
   * Masks `input_data`, `output_data`, `error_message` and `metadata` (every string, at any depth)
   * before they leave the process. Either the built-in detectors and your own patterns, with
   * `maskWith` from `@llmtrace/sdk/mask` (which records `metadata.masked` counts, as the server
   * does):
   * `init({ mask: maskWith({ detectors: ['email', 'secret'], custom: [{ pattern: 'ORD-\\d{6}', replacement: '[ORDER]' }] }) })`;
   * or a function `(value, field) => value`, e.g.
   * `(value) => JSON.parse(JSON.stringify(value).replace(/[\w.+-]+@[\w-]+\.[\w.]+/g, '[EMAIL]'))`.
   * A function that throws drops the field. Rules that cannot be used (an unknown detector, an
   * invalid pattern) are reported by `init()`, which then sends nothing. (The server can also
   * mask, per account, in Settings.)
   */
  mask?: ContentMask;
}

/** The owner `init()` gives root spans started without one; the server replaces it. */
export const SDK_DEFAULT_USER_ID = 'sdk';

/**
 * Sends the spans of this process to an LLMTrace server: `POST {url}/api/analytics/traces` with
 * the API key, batched (`TRACE_BATCH_SIZE` spans or `TRACE_BATCH_INTERVAL_MS`), retried with
 * backoff, bounded in memory (`TRACE_MAX_QUEUE`; beyond it spans are dropped and counted), and
 * written before the process ends (`shutdown()`, or the signal and exit hooks, within
 * `TRACE_SHUTDOWN_TIMEOUT_MS`). Those settings, the service name (`LLMTRACE_SERVICE_NAME`) and
 * `ENABLE_TRACING` are read from the environment when the package is loaded.
 *
 * Never throws. Without a URL or key it warns once and sends nothing; an unreachable server only
 * costs the spans (counted in `stats().dropped`), never the application's calls.
 * Returns the process-wide tracer, e.g. for `stats()`.
 *
 * @example
 * import { init, observe, wrapOpenAI } from '@llmtrace/sdk';
 * init(); // LLMTRACE_URL and LLMTRACE_API_KEY from the environment
 * init({ url: 'http://127.0.0.1:3000', apiKey: process.env.LLMTRACE_API_KEY });
 */
export function init(options: InitOptions = {}): TraceService {
  try {
    const url = (options.url ?? process.env.LLMTRACE_URL)?.trim();
    const apiKey = (options.apiKey ?? process.env.LLMTRACE_API_KEY)?.trim();
    if (!url || !apiKey) {
      reportError('init(): set LLMTRACE_URL and LLMTRACE_API_KEY (or pass url and apiKey); spans are not sent');
      return traceService;
    }
    if (!isHttpUrl(url)) {
      reportError(`init(): "${url}" is not an http(s) URL; spans are not sent`);
      return traceService;
    }
    // Spans must not leave unmasked: a mask that cannot be used sends nothing at all.
    const mask = checkMask(options.mask);
    if (!mask.ok) {
      reportError(`init(): ${mask.problem}; spans are not sent`);
      return traceService;
    }
    traceService.configure({
      serviceName: options.serviceName,
      sampleRate: options.sampleRate,
      captureContent: options.captureContent,
      mask: mask.mask,
    });
    traceService.setSink(new HttpSpanSink({ baseUrl: url, apiKey, timeoutMs: options.timeoutMs, fetch: options.fetch }));
    traceService.setDefaultUserId(options.userId || SDK_DEFAULT_USER_ID);
    if (options.shutdownHooks !== false) registerShutdownHooks(traceService);
  } catch (error) {
    reportError('init() failed; spans are not sent', error);
  }
  return traceService;
}

/**
 * Writes every span ended so far to the server (retrying as configured). Never rejects.
 *
 * @example
 * await flush(); // e.g. at the end of a serverless handler
 */
export function flush(): Promise<void> {
  return traceService.flush();
}

/**
 * Writes what is queued (for at most `TRACE_SHUTDOWN_TIMEOUT_MS`, default 10 s), then stops
 * tracing: later spans are not recorded. Idempotent; never rejects.
 *
 * @example
 * await shutdown(); // before process.exit()
 */
export function shutdown(): Promise<void> {
  return traceService.shutdown();
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol } = new URL(value);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
