/**
 * The shapes shared by the proxy's parts: a provider *dialect* (where its SDKs put keys, how its
 * errors look, which calls are traced) and, per traced call, a *recorder* that reads the
 * provider's reply (JSON or Server-Sent Events) into what the span stores.
 */
import type { LlmConfig } from '@/lib/config/llm.config';
import type { OperationType } from '@llmtrace/sdk';
import type { Observation } from '@llmtrace/sdk/providers';

export type ProviderId = 'openai' | 'anthropic';

/** The response header naming the trace that recorded a proxied call. */
export const TRACE_ID_HEADER = 'x-llmtrace-trace-id';

/** One Server-Sent Event: its `event:` name (`message` when absent) and its joined `data:` lines. */
export interface SseEvent {
  event: string;
  data: string;
}

/**
 * What the relay does with one event after the recorder has read it: pass it on (`output` also
 * marks the first token for time-to-first-token), drop it, or send other bytes instead. Only calls
 * whose request the proxy changed (`stream_options.include_usage`) ever drop or rewrite.
 */
export type EventVerdict = 'pass' | 'output' | 'drop' | { rewrite: string; output?: boolean };

/**
 * Reads one reply for the relay (see `ObservedReply`: the reading itself is the provider's
 * observer in `@llmtrace/sdk/providers`). Methods may throw: the relay then stops recording and
 * keeps forwarding.
 */
export interface ResponseRecorder {
  /** A complete non-streamed body, parsed. */
  json(body: unknown): void;
  /** One event of a streamed body, in order; `rawText` gives its exact text, for a rewrite. */
  event(event: SseEvent, rawText: () => string): EventVerdict;
  observation(): Observation;
}

/** A traced call, ready to forward: what to send upstream and how to read what comes back. */
export interface PreparedCall {
  /** The body to send: the client's bytes unchanged unless usage reporting had to be switched on. */
  body: Uint8Array | string;
  stream: boolean;
  /** The model the request names. */
  model?: string;
  /** The request's messages (or input), stored as the span's input. */
  input: unknown;
  /** The request's other scalar settings (temperature, max_tokens…), stored in the span's metadata. */
  parameters: Record<string, unknown>;
  recorder: ResponseRecorder;
  /** The recorder drops or rewrites events (it hides what the proxy added to the request). */
  rewritesEvents: boolean;
}

/** One traced endpoint of a provider, e.g. OpenAI's `POST /chat/completions`. */
export interface TracedOperation {
  /** Shown in the trace list: `openai.chat.completions`, `anthropic.messages`… */
  spanName: string;
  operationType: Extract<OperationType, 'llm_call' | 'embedding'>;
  /** `json` is the parsed request body, or undefined when it is not a JSON object. */
  prepare(raw: Uint8Array, json: Record<string, unknown> | undefined): PreparedCall;
}

/** The error situations the proxy answers itself, each in the provider's own error shape. */
export type ProxyErrorKind = 'unauthorized' | 'forbidden' | 'not_found' | 'too_large' | 'internal' | 'not_configured' | 'unreachable' | 'unavailable';

/** Everything that differs between providers. */
export interface ProxyDialect {
  provider: ProviderId;
  /** "OpenAI" or "Anthropic", for messages. */
  label: string;
  /** The route's path prefix, e.g. `/api/proxy/openai/v1`; the rest of the path is forwarded. */
  prefix: string;
  /** The environment variable that holds the server's key for this provider, for messages. */
  keyVariable: string;
  /** Base URL and key from server configuration only; `usable` is false when managed calls cannot be made. */
  upstream(config: LlmConfig): { baseURL: string; apiKey?: string; usable: boolean };
  /** Puts the server's key where this provider expects it (managed auth). */
  setServerKey(headers: Headers, key: string): void;
  /** This provider's error body for an error the proxy answers itself. */
  errorBody(kind: ProxyErrorKind, message: string): unknown;
  /** The traced operation for a POST to `path` (below the prefix), or undefined to forward untraced. */
  operation(path: string): TracedOperation | undefined;
}
