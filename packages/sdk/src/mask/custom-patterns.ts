/**
 * Custom masking patterns: an account's own (server, Settings → Privacy) or an app's
 * (`maskWith({ custom })` in the SDK). They run in RE2 (re2js, a port of Google's RE2 to
 * JavaScript), which matches in time linear in the text for every pattern: no pattern can
 * backtrack catastrophically, so `(a+)+$` is as cheap as `a+`. What cannot run in linear time is
 * refused, with the reason, when the pattern is saved (server) or given to `maskWith` (SDK):
 * backreferences and look-arounds (RE2 has neither), a pattern whose compiled program is too large
 * (nested counted repetition such as `(a{100}){100}`), and one that matches the empty text (it
 * would insert its replacement between every two characters).
 */
import { RE2JS } from 're2js';

/** Longest pattern accepted, in characters. */
export const MAX_PATTERN_LENGTH = 1000;
/** Largest compiled RE2 program accepted (RE2's own measure of a pattern's cost). */
export const MAX_PROGRAM_SIZE = 5000;
export const MAX_REPLACEMENT_LENGTH = 200;
export const MAX_CUSTOM_PATTERNS = 50;

export interface CustomPattern {
  pattern: string;
  replacement: string;
}

export type CompiledPattern = RE2JS;

/** Why RE2 refused a pattern, in words for the API's 422. */
function syntaxReason(message: string): string {
  const detail = message.replace(/^error parsing regexp:\s*/i, '');
  if (/invalid escape sequence: `\\[1-9]/.test(message)) return `backreferences are not supported (${detail}): patterns run in RE2, which matches in linear time`;
  if (/invalid named capture: `\(\?<?[=!]/.test(message) || /invalid or unsupported Perl syntax: `\(\?[=!<]/.test(message)) {
    return `look-ahead and look-behind are not supported (${detail}): patterns run in RE2, which matches in linear time`;
  }
  if (/invalid repeat count/.test(message)) return `invalid repetition count (${detail}): counts go up to 1000, the lower first`;
  return `invalid regular expression: ${detail}`;
}

/**
 * Compiles a pattern, or says why it cannot be used.
 *
 * @example
 * compilePattern('ORD-\\d{6}');   // { ok: true, regex }
 * compilePattern('(a)\\1');        // { ok: false, reason: 'backreferences are not supported …' }
 */
export function compilePattern(pattern: string): { ok: true; regex: CompiledPattern } | { ok: false; reason: string } {
  if (pattern.length === 0) return { ok: false, reason: 'the pattern is empty' };
  if (pattern.length > MAX_PATTERN_LENGTH) return { ok: false, reason: `the pattern is longer than ${MAX_PATTERN_LENGTH} characters` };
  let regex: RE2JS;
  try {
    regex = RE2JS.compile(pattern);
  } catch (error) {
    return { ok: false, reason: syntaxReason((error as Error).message ?? String(error)) };
  }
  const size = regex.programSize();
  if (size > MAX_PROGRAM_SIZE) {
    return { ok: false, reason: `the pattern is too large once compiled (${size} instructions, at most ${MAX_PROGRAM_SIZE}): simplify nested or counted repetition` };
  }
  if (regex.matcher('').find()) return { ok: false, reason: 'the pattern matches the empty text, so it would insert its replacement everywhere: require at least one character' };
  return { ok: true, regex };
}

/** Every non-empty match of `regex` in `text`, as [start, end) ranges. */
export function findAll(regex: CompiledPattern, text: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  const matcher = regex.matcher(text);
  let from = 0;
  while (from <= text.length && matcher.find(from)) {
    const start = matcher.start();
    const end = matcher.end();
    if (end > start) ranges.push([start, end]);
    from = end > start ? end : end + 1;
  }
  return ranges;
}
