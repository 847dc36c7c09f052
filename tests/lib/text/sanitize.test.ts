import { describe, expect, it } from 'vitest';
import { sanitizeJson, sanitizeJsonText, sanitizeText, toStorableJson } from '@/lib/text/sanitize';

describe('sanitizeText', () => {
  it('replaces NUL and each lone surrogate with U+FFFD', () => {
    expect(sanitizeText('a\u0000b')).toBe('a\uFFFDb');
    expect(sanitizeText('\ud800')).toBe('\uFFFD');
    expect(sanitizeText('\udc00')).toBe('\uFFFD');
    expect(sanitizeText('x\udc00\ud800y')).toBe('x\uFFFD\uFFFDy');
    expect(sanitizeText('end \ud83d')).toBe('end \uFFFD');
    expect(sanitizeText('\ud800\ud800\udc00')).toBe('\uFFFD\ud800\udc00');
  });

  it('keeps surrogate pairs and ordinary text as they are', () => {
    for (const text of ['', 'plain', '💥', 'a💥b👍🏽c', '日本語', '\ud83d\udca5']) expect(sanitizeText(text)).toBe(text);
  });
});

describe('toStorableJson', () => {
  it('writes NUL and lone surrogates anywhere (keys, values, any depth) as \\ufffd, the result being well-formed', () => {
    const json = toStorableJson({ 'k\udc00': [{ deep: ['a\u0000b', 'c\ud800'] }], emoji: '💥' });
    expect(json).toBe('{"k\\ufffd":[{"deep":["a\\ufffdb","c\\ufffd"]}],"emoji":"💥"}');
    expect(JSON.parse(json)).toEqual({ 'k\uFFFD': [{ deep: ['a\uFFFDb', 'c\uFFFD'] }], emoji: '💥' });
  });

  it('leaves text that only looks like an escape alone', () => {
    const value = { literal: 'keep \\u0000 and \\ud800 as text', odd: '\\\\ud800', mixed: '\\\ud800' };
    expect(JSON.parse(toStorableJson(value))).toEqual({ literal: 'keep \\u0000 and \\ud800 as text', odd: '\\\\ud800', mixed: '\\\uFFFD' });
  });
});

describe('sanitizeJsonText', () => {
  it('keeps an escaped surrogate pair and replaces escaped lone surrogates, in either case', () => {
    expect(sanitizeJsonText('"\\ud83d\\udca5"')).toBe('"\\ud83d\\udca5"');
    expect(sanitizeJsonText('"\\uD83D\\uDCA5"')).toBe('"\\uD83D\\uDCA5"');
    expect(sanitizeJsonText('"\\udca5\\ud83d"')).toBe('"\\ufffd\\ufffd"');
    expect(sanitizeJsonText('"\\uD800x"')).toBe('"\\ufffdx"');
    expect(sanitizeJsonText('"\\u0000\\u00e9"')).toBe('"\\ufffd\\u00e9"');
  });
});

describe('sanitizeJson', () => {
  it('returns a sanitised copy, and undefined for undefined', () => {
    const value = { note: 'x\ud800', list: ['\u0000'] };
    expect(sanitizeJson(value)).toEqual({ note: 'x\uFFFD', list: ['\uFFFD'] });
    expect(value.note).toBe('x\ud800');
    expect(sanitizeJson(undefined)).toBeUndefined();
    expect(sanitizeJson(null)).toBeNull();
  });
});
