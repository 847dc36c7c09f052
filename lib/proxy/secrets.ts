/**
 * Keeps keys out of what the proxy stores and of what it returns for the server. Providers quote
 * a refused key back, masked but with its prefix and last characters ("Incorrect API key provided:
 * sk-proj-****wxyz"); the proxy never stores such text, and never hands the server's to a client.
 */

/** Key-shaped tokens: OpenAI (`sk-`, `sk-proj-`), Anthropic (`sk-ant-`), LLMTrace (`lt_`), masked or not. */
const KEY_LIKE = /\b(?:sk-|rk-|lt_)[A-Za-z0-9_\-*]{4,}/g;

/** Shortest known key worth searching for: anything shorter would match ordinary words. */
const MIN_KEY_LENGTH = 8;

/**
 * `text` with every known key, and every key-shaped token, replaced by `[redacted]`.
 *
 * @example
 * redactKeys('Incorrect API key provided: sk-proj-****wxyz.', []); // 'Incorrect API key provided: [redacted].'
 */
export function redactKeys(text: string, knownKeys: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const key of knownKeys) {
    if (key && key.length >= MIN_KEY_LENGTH && out.includes(key)) out = out.split(key).join('[redacted]');
  }
  return out.replace(KEY_LIKE, '[redacted]');
}
