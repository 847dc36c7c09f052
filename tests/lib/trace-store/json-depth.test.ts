import { describe, expect, it } from 'vitest';
import { DEEP_VALUE_MARKER, isNestedDeeperThan, limitJsonDepth, MAX_JSON_DEPTH } from '@/lib/trace-store/json-depth';

const nested = (depth: number) => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown;

/** How many levels of single-element arrays lead to `leaf`, and the leaf itself. */
function descend(value: unknown): { levels: number; leaf: unknown } {
  let levels = 0;
  while (Array.isArray(value) && value.length === 1) {
    value = value[0];
    levels++;
  }
  return { levels: Array.isArray(value) ? levels + 1 : levels, leaf: value };
}

describe('limitJsonDepth', () => {
  it('returns values within the limit as they are', () => {
    const value = { messages: [{ role: 'user', content: 'hi' }], deep: nested(MAX_JSON_DEPTH - 1) };
    expect(limitJsonDepth(value)).toBe(value);
    expect(limitJsonDepth(nested(MAX_JSON_DEPTH))).toEqual(nested(MAX_JSON_DEPTH));
    for (const scalar of [null, undefined, 'text', 1.5, true]) expect(limitJsonDepth(scalar)).toBe(scalar);
  });

  it('cuts anything deeper, hundreds of thousands of levels too, keeping the first levels and marking the cut', () => {
    for (const depth of [MAX_JSON_DEPTH + 1, 5_000, 200_000]) {
      const cut = descend(limitJsonDepth(nested(depth)));
      expect(cut).toEqual({ levels: MAX_JSON_DEPTH, leaf: DEEP_VALUE_MARKER });
      expect(() => JSON.stringify(limitJsonDepth(nested(depth)))).not.toThrow();
    }
  });

  it('keeps the shallow parts of a value whole and serialises dates and cycles safely', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const result = limitJsonDepth({ at: new Date('0001-01-01T00:00:00Z'), cyclic, deep: nested(200) }) as Record<string, unknown>;
    expect(result.at).toBe('0001-01-01T00:00:00.000Z');
    expect((result.cyclic as Record<string, unknown>).name).toBe('loop');
    expect(() => JSON.stringify(result)).not.toThrow();
  });
});

describe('isNestedDeeperThan', () => {
  it('counts the top container as level 0', () => {
    expect(isNestedDeeperThan([], 0)).toBe(true);
    expect(isNestedDeeperThan('x', 0)).toBe(false);
    expect(isNestedDeeperThan(nested(3), 3)).toBe(false);
    expect(isNestedDeeperThan(nested(4), 3)).toBe(true);
  });
});
