/**
 * OpenAI `chat.completions.create`, whole or streamed. A stream reports tokens only when the
 * request set `stream_options.include_usage`; the wrapper never changes the request, so a stream
 * without it is recorded without tokens (and so without cost).
 */
import { ChatCompletionObserver } from '../providers';
import { snapshot } from './fields';
import type { TracedMethod } from './types';

export const chatCompletionsMethod: TracedMethod = {
  spanName: 'openai.chat.completions',
  operationType: 'llm_call',
  provider: 'openai',
  contentKeys: ['messages'],
  input: (body) => ({ messages: snapshot(body.messages), ...(body.tools !== undefined ? { tools: body.tools } : {}) }),
  recorder: () => new ChatCompletionObserver(),
};
