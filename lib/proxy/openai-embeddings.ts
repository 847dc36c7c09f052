/**
 * OpenAI `POST /embeddings`. The span keeps the texts and the shape of the answer (how many
 * vectors, of which size), not the vectors: they are large, and unreadable in a trace.
 */
import { providerErrorMessage } from './errors';
import { count, isRecord, scalarParameters, text } from './fields';
import type { CallObservation, PreparedCall, ResponseRecorder, TracedOperation } from './types';

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
      recorder: new EmbeddingsRecorder(),
      rewritesEvents: false,
    };
  },
};

class EmbeddingsRecorder implements ResponseRecorder {
  private seen: CallObservation = {};

  json(body: unknown): void {
    if (!isRecord(body)) return;
    if (isRecord(body.error)) {
      this.seen = { errorMessage: providerErrorMessage(body) };
      return;
    }
    const usage = isRecord(body.usage) ? body.usage : undefined;
    const vectors = Array.isArray(body.data) ? body.data.filter(isRecord) : [];
    const first = vectors[0]?.embedding;
    this.seen = {
      model: text(body.model),
      // Embeddings produce no tokens: 0 output tokens is the provider's own count, not a guess.
      usage: usage ? { inputTokens: count(usage.prompt_tokens), outputTokens: 0 } : undefined,
      output:
        body.truncated === true
          ? { truncated: true }
          : {
              embeddings: vectors.length,
              ...(Array.isArray(first) ? { dimensions: first.length } : typeof first === 'string' ? { encoding: 'base64' } : {}),
            },
    };
  }

  event(): 'pass' {
    return 'pass';
  }

  observation(): CallObservation {
    return this.seen;
  }
}
