/**
 * `wrapAnthropic`: tracing for the official `@anthropic-ai/sdk` client, without depending on it.
 * Replies are read by `MessagesObserver` (`../providers`), as in the LLMTrace proxy.
 */
import { reportError } from '../diag';
import { MessagesObserver } from '../providers';
import { traceMethod } from './call';
import { snapshot } from './fields';
import type { TracedMethod, WrapOptions } from './types';

export const messagesMethod: TracedMethod = {
  spanName: 'anthropic.messages',
  operationType: 'llm_call',
  provider: 'anthropic',
  contentKeys: ['messages', 'system'],
  input: (body) => ({
    messages: snapshot(body.messages),
    ...(body.system !== undefined ? { system: body.system } : {}),
    ...(body.tools !== undefined ? { tools: body.tools } : {}),
  }),
  recorder: () => new MessagesObserver(),
};

/**
 * Traces an `@anthropic-ai/sdk` client's `messages.create` (and the helpers built on it, such as
 * `messages.stream()`): each call becomes an `llm_call` span with the model, the messages, the
 * answer with its `tool_use` blocks, the token counts (cache reads as cached input tokens), the
 * time to first token of a stream, and the error of a failed call. Spans nest under the current
 * `observe`/`withSpan` span.
 *
 * The client is traced in place and returned, with its type: calls return exactly what they
 * returned before (the same `APIPromise`, so `.withResponse()` and `.asResponse()` work, and the
 * same stream), and throw the same errors. A stream's span ends when the stream is read to the
 * end, broken off or aborted. Wrapping a client twice traces it once.
 *
 * @example
 * import Anthropic from '@anthropic-ai/sdk';
 * import { init, wrapAnthropic } from '@llmtrace/sdk';
 * init();
 * const anthropic = wrapAnthropic(new Anthropic());
 * const message = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 1024, messages });
 */
export function wrapAnthropic<T>(client: T, options?: WrapOptions): T {
  try {
    traceMethod((client as { messages?: unknown } | null | undefined)?.messages, messagesMethod, options);
  } catch (error) {
    reportError('wrapAnthropic() could not trace the client', error);
  }
  return client;
}
