/**
 * What of a request body the span keeps. Prompts and settings are kept as sent; inline binary
 * data (base64 images, audio, PDFs) is not: a single screenshot would make a multi-megabyte span
 * row, and the dashboards need to know only that it was there.
 */

/** Strings at least this long that look like base64 (or a `data:` URL) are left out of spans. */
const INLINE_DATA_MIN_CHARS = 16 * 1024;
const BASE64_SAMPLE = /^[A-Za-z0-9+/=\r\n]+$/;
const MAX_DEPTH = 64;

/**
 * `value` with long inline-data strings replaced by a short note; the same object when it holds
 * none. Cheap for ordinary prompts: a body shorter than the threshold is returned without a walk.
 *
 * @example
 * withoutInlineData({ url: `data:image/png;base64,${'A'.repeat(50_000)}` }, 50_030)
 * // { url: '[inline data: 50022 characters, not stored]' }
 */
export function withoutInlineData<T>(value: T, bodyBytes: number): T {
  if (bodyBytes < INLINE_DATA_MIN_CHARS) return value;
  return strip(value, 0) as T;
}

function strip(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return isInlineData(value) ? `[inline data: ${value.length} characters, not stored]` : value;
  if (typeof value !== 'object' || value === null || depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, index) => {
      const stripped = strip(item, depth + 1);
      if (stripped !== item) (copy ??= [...value])[index] = stripped;
    });
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const stripped = strip(item, depth + 1);
    if (stripped !== item) (copy ??= { ...value })[key] = stripped;
  }
  return copy ?? value;
}

function isInlineData(text: string): boolean {
  if (text.length < INLINE_DATA_MIN_CHARS) return false;
  if (text.startsWith('data:')) return true;
  // A sample suffices: prose always has spaces or punctuation within its first kilobyte.
  return BASE64_SAMPLE.test(text.slice(0, 1024)) && BASE64_SAMPLE.test(text.slice(-1024));
}
