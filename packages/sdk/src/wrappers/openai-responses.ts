/**
 * OpenAI `responses.create` (the Responses API), whole or streamed, and `embeddings.create`.
 * Their replies are read by `ResponsesObserver` and `EmbeddingsObserver` (`../providers`):
 * embeddings keep the texts and the shape of the answer, not the vectors.
 */
import { EmbeddingsObserver, ResponsesObserver } from '../providers';
import { snapshot } from './fields';
import type { TracedMethod } from './types';

export const responsesMethod: TracedMethod = {
  spanName: 'openai.responses',
  operationType: 'llm_call',
  provider: 'openai',
  contentKeys: ['input', 'instructions'],
  input: (body) => ({
    messages: typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : snapshot(body.input),
    ...(typeof body.instructions === 'string' ? { system: body.instructions } : {}),
    ...(body.tools !== undefined ? { tools: body.tools } : {}),
  }),
  recorder: () => new ResponsesObserver(),
};

export const embeddingsMethod: TracedMethod = {
  spanName: 'openai.embeddings',
  operationType: 'embedding',
  provider: 'openai',
  contentKeys: ['input'],
  input: (body) => ({ input: snapshot(body.input) }),
  recorder: () => new EmbeddingsObserver(),
};
