/**
 * Text Postgres can store. Postgres refuses two things a JavaScript string can hold: U+0000 (in
 * `text` and `jsonb`) and a lone UTF-16 surrogate (a `\udXXX` escape without its pair, in `json`
 * and `jsonb`). Both come from untrusted input (model output, tool results, a client's JSON) and
 * become U+FFFD, the replacement character, so the value is stored visibly marked instead of
 * failing the write. A proper surrogate pair (an emoji) is kept.
 *
 * Guarantees: the result of every function here is well-formed UTF-16 without U+0000; nothing
 * else changes.
 */

/** U+0000, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
const UNSTORABLE_CHARACTER = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * In JSON text: a `\u0000` escape, or an escaped surrogate pair (kept), or an escaped lone
 * surrogate. `JSON.stringify` (well-formed since Node 12) escapes only lone surrogates and writes a
 * pair as the character itself, but JSON from elsewhere may escape a pair too. An escape preceded
 * by an escaped backslash (`\\u0000`, six characters of literal text) is not an escape and is left alone.
 */
const JSON_ESCAPE = /(?<!\\)((?:\\\\)*)(\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|\\u0000|\\u[dD][89a-fA-F][0-9a-fA-F]{2})/g;
const ESCAPED_PAIR_LENGTH = 12;

/**
 * `text` with each NUL and each lone surrogate replaced by U+FFFD.
 *
 * @example
 * sanitizeText('a\u0000b\ud800'); // 'a\uFFFDb\uFFFD'
 * sanitizeText('ok 💥');           // 'ok 💥' (the same string)
 */
export function sanitizeText(text: string): string {
  return text.replace(UNSTORABLE_CHARACTER, '\uFFFD');
}

/**
 * `JSON.stringify(value)` with every NUL and lone surrogate, in keys and values at any depth,
 * written as `\ufffd`: ready for a `json` / `jsonb` parameter. One pass over the text, whatever
 * the shape of `value`.
 *
 * @example
 * toStorableJson({ 'k\udc00': ['\u0000'] }); // '{"k\\ufffd":["\\ufffd"]}'
 */
export function toStorableJson(value: unknown): string {
  return sanitizeJsonText(JSON.stringify(value));
}

/** JSON text with its NUL and lone-surrogate escapes replaced by `\ufffd`; escaped pairs are kept. */
export function sanitizeJsonText(json: string): string {
  if (!json.includes('\\u')) return json;
  return json.replace(JSON_ESCAPE, (match, backslashes: string, escape: string) =>
    escape.length === ESCAPED_PAIR_LENGTH ? match : `${backslashes}\\ufffd`,
  );
}

/**
 * A copy of a JSON value with every string (keys included) passed through {@link sanitizeText},
 * for a `jsonb` column written through Drizzle. `undefined` stays `undefined`; otherwise the
 * result is what `JSON.stringify` would keep (dates become ISO strings, functions are dropped).
 *
 * @example
 * sanitizeJson({ note: 'x\ud800' }); // { note: 'x\uFFFD' }
 */
export function sanitizeJson<T>(value: T): T {
  if (value === undefined) return value;
  return JSON.parse(toStorableJson(value)) as T;
}
