/**
 * Anthropic `POST /v1/messages`, JSON and streamed. Streams always report usage (input side in
 * `message_start`, cumulative counts in `message_delta`), so the request is forwarded as sent.
 * The reply is read by `MessagesObserver` (`@llmtrace/sdk/providers`), as in `wrapAnthropic`.
 */
import { MessagesObserver, scalarParameters, text } from '@llmtrace/sdk/providers';
import { ObservedReply } from './recorder';
import type { PreparedCall, TracedOperation } from './types';

/** Request keys stored as the span's input rather than among its parameters. */
const CONTENT_KEYS = ['messages', 'system'];

export const messages: TracedOperation = {
  spanName: 'anthropic.messages',
  operationType: 'llm_call',
  prepare(raw, json): PreparedCall {
    return {
      body: raw,
      stream: json?.stream === true,
      model: text(json?.model),
      input: json
        ? { messages: json.messages, ...(json.system !== undefined ? { system: json.system } : {}), ...(json.tools !== undefined ? { tools: json.tools } : {}) }
        : undefined,
      parameters: scalarParameters(json, CONTENT_KEYS),
      recorder: new ObservedReply(new MessagesObserver()),
      rewritesEvents: false,
    };
  },
};
