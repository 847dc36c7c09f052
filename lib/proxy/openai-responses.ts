/**
 * OpenAI `POST /responses` (the Responses API), JSON and streamed. A stream always ends with the
 * whole response (`response.completed`, `.incomplete` or `.failed`), usage included, so nothing is
 * added to the request. The reply is read by `ResponsesObserver` (`@llmtrace/sdk/providers`), as in
 * `wrapOpenAI`.
 */
import { ResponsesObserver, scalarParameters, text, type JsonObject } from '@llmtrace/sdk/providers';
import { ObservedReply } from './recorder';
import type { PreparedCall, TracedOperation } from './types';

/** Request keys stored as the span's input rather than among its parameters. */
const CONTENT_KEYS = ['input', 'instructions'];

export const responses: TracedOperation = {
  spanName: 'openai.responses',
  operationType: 'llm_call',
  prepare(raw, json): PreparedCall {
    return {
      body: raw,
      stream: json?.stream === true,
      model: text(json?.model),
      input: json ? inputOf(json) : undefined,
      parameters: scalarParameters(json, CONTENT_KEYS),
      recorder: new ObservedReply(new ResponsesObserver()),
      rewritesEvents: false,
    };
  },
};

/** The request as a conversation: `input` (a string or a list of items) after the `instructions`. */
function inputOf(body: JsonObject): JsonObject {
  const input = body.input;
  const messages = typeof input === 'string' ? [{ role: 'user', content: input }] : input;
  return {
    messages,
    ...(typeof body.instructions === 'string' ? { system: body.instructions } : {}),
    ...(body.tools !== undefined ? { tools: body.tools } : {}),
  };
}
