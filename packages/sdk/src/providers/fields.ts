/**
 * Small readers for provider objects (requests, replies, stream events): every field may be
 * missing or of another type, and a wrong type reads as absent rather than throwing.
 */

export type JsonObject = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Token counts are stored as Postgres `integer`: a larger one would get the whole span refused. */
const MAX_COUNT = 2_147_483_647;

/** A whole number from 0 to 2³¹−1 (token counts, indexes); undefined otherwise. */
export function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_COUNT ? value : undefined;
}

export function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The object at `key`, e.g. `at(usage, 'prompt_tokens_details')`; undefined when absent. */
export function at(value: unknown, key: string): JsonObject | undefined {
  const inner = isRecord(value) ? value[key] : undefined;
  return isRecord(inner) ? inner : undefined;
}

/**
 * A request's scalar settings (model, temperature, max_tokens…), without the keys that hold
 * content: those are the span's input, and nested objects (tools, schemas) would swell metadata.
 *
 * @example
 * scalarParameters({ model: 'gpt-4o', temperature: 0, messages: [] }, ['messages']); // { model: 'gpt-4o', temperature: 0 }
 */
export function scalarParameters(body: JsonObject | undefined, contentKeys: readonly string[]): JsonObject {
  const parameters: JsonObject = {};
  if (!body) return parameters;
  for (const [key, value] of Object.entries(body)) {
    if (contentKeys.includes(key)) continue;
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) parameters[key] = value;
  }
  return parameters;
}

/**
 * The human message inside a provider error body (`{"error":{"message"}}` for both OpenAI and
 * Anthropic; compatible servers sometimes send `{"error":"…"}` or `{"message":"…"}`).
 *
 * @example
 * providerErrorMessage({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }); // 'Overloaded'
 */
export function providerErrorMessage(body: unknown): string | undefined {
  if (!isRecord(body)) return undefined;
  const { error, message } = body;
  if (typeof error === 'string') return error;
  const inner = at(body, 'error')?.message;
  if (typeof inner === 'string') return inner;
  return typeof message === 'string' ? message : undefined;
}
