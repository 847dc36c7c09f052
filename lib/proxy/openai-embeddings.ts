/**
 * OpenAI `POST /embeddings`. The span keeps the texts and the shape of the answer (how many
 * vectors, of which size), not the vectors: they are large, and unreadable in a trace.
 */
import { EmbeddingsObserver, scalarParameters, text } from '@llmtrace/sdk/providers';
import { ObservedReply } from './recorder';
import type { PreparedCall, TracedOperation } from './types';

/** Request keys stored as the span's input rather than among its parameters. */
const CONTENT_KEYS = ['input'];

export const embeddings: TracedOperation = {
  spanName: 'openai.embeddings',
  operationType: 'embedding',
  prepare(raw, json): PreparedCall {
    return {
      body: raw,
      stream: false,
      model: text(json?.model),
      input: json ? { input: json.input } : undefined,
      parameters: scalarParameters(json, CONTENT_KEYS),
      recorder: new ObservedReply(new EmbeddingsObserver()),
      rewritesEvents: false,
    };
  },
};
