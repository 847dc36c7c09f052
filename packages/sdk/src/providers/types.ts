/**
 * What reading a provider's reply yields, and the reader every provider implements. The SDK's
 * client wrappers and the app's proxy both read replies through these readers: the wrappers with
 * what the provider SDK parsed, the proxy with what it parsed from the bytes it relays.
 */

/** Token counts as the span stores them: `inputTokens` includes the cached ones. */
export interface TokenUsage {
  inputTokens?: number;
  outputTokens?: number;
  cachedInputTokens?: number;
  reasoningTokens?: number;
}

/** What an observer saw of the reply; partial when the call was cut short. */
export interface Observation {
  /** The model the provider says answered (often with a date suffix). */
  model?: string;
  usage?: TokenUsage;
  /** The assembled answer, tool calls included, in a shape the trace view shows as a message. */
  output?: unknown;
  /** An error the reply itself reported (a stream's error event, a failed response, an error body). */
  errorMessage?: string;
  finishReason?: string;
}

/** Reads one reply: whole (JSON) or as stream events. Methods may throw on malformed input. */
export interface ReplyObserver {
  /** The parsed body of a whole (non-streamed) reply. */
  reply(body: unknown): void;
  /**
   * One stream event, parsed; `name` is its Server-Sent Events `event:` name, read when the
   * payload has no `type`. True when it carried output (the first such marks time to first token).
   */
  event(payload: unknown, name?: string): boolean;
  /** True once the stream delivered the whole answer (the provider's final event). */
  readonly complete: boolean;
  observation(): Observation;
}
