/**
 * `wrapOpenAI`: tracing for the official `openai` client, without depending on it.
 */
import { reportError } from '../diag';
import { traceMethod } from './call';
import type { WrapOptions } from './types';
import { chatCompletionsMethod } from './openai-chat';
import { embeddingsMethod, responsesMethod } from './openai-responses';

/**
 * Traces an `openai` client's `chat.completions.create`, `responses.create` and
 * `embeddings.create` (and the helpers built on them, such as `chat.completions.stream()` and
 * `.parse()`): each call becomes an `llm_call` (or `embedding`) span with the model, the messages,
 * the answer with its tool calls, the token counts, the time to first token of a stream, and the
 * error of a failed call. Spans nest under the current `observe`/`withSpan` span.
 *
 * The client is traced in place and returned, with its type: calls return exactly what they
 * returned before (the same `APIPromise`, so `.withResponse()` and `.asResponse()` work, and the
 * same stream), and throw the same errors. A stream's span ends when the stream is read to the
 * end, broken off or aborted. Wrapping a client twice traces it once.
 *
 * @example
 * import OpenAI from 'openai';
 * import { init, wrapOpenAI } from '@llmtrace/sdk';
 * init();
 * const openai = wrapOpenAI(new OpenAI());
 * const reply = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
 */
export function wrapOpenAI<T>(client: T, options?: WrapOptions): T {
  try {
    const openai = client as { chat?: { completions?: unknown }; responses?: unknown; embeddings?: unknown } | null | undefined;
    traceMethod(openai?.chat?.completions, chatCompletionsMethod, options);
    traceMethod(openai?.responses, responsesMethod, options);
    traceMethod(openai?.embeddings, embeddingsMethod, options);
  } catch (error) {
    reportError('wrapOpenAI() could not trace the client', error);
  }
  return client;
}
