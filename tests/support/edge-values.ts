/**
 * Values at the edges of what the database stores, by class, for the fuzz suite: each is valid
 * JSON (or query-string text) and many pass a schema, yet Postgres refuses or changes some.
 */

/** A small deterministic generator (mulberry32), so a failure can be replayed from its seed. */
export function random(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(next: () => number, values: readonly T[]): T => values[Math.floor(next() * values.length)]!;

/** Lone surrogates (high, low, reversed pair, cut pair) next to well-formed pairs and NUL. */
export const SURROGATE_STRINGS = ['\ud800', '\udc00', 'a\ud800b', '\udfff\ud800', 'cut pair \ud83d', '\udca5 low first', 'pair 💥 ok', 'nul \u0000 and \ud800', 'k\udbff\udbff'];

/** Instants Postgres cannot take (or that JavaScript writes in a form it cannot read), and the first and last storable ones. */
export const EDGE_INSTANTS: ReadonlyArray<string | number> = [
  8640000000000000,
  -8640000000000000,
  '-000001-01-01T00:00:00Z',
  '-004713-11-24T00:00:00Z',
  '+275760-09-13T00:00:00.000Z',
  '+010000-01-01T00:00:00Z',
  '0000-12-31T23:59:59.999Z',
  253402300800000,
  -62135596800001,
  '0001-01-01T00:00:00Z',
  '0099-06-15T12:00:00.123Z',
  '0999-12-31T23:59:59.999Z',
  '9999-12-31T23:59:59.999Z',
  -62135596800000,
  0,
];

/** Numbers around integer and double limits. */
export const EDGE_NUMBERS: readonly number[] = [2147483647, 2147483648, -2147483648, -2147483649, 2 ** 53, 2 ** 63, 1e308, Number.MAX_VALUE, 5e-324, -5e-324, -1, 0.5, 1e-7];

const UUID = '00000000-0000-4000-8000-000000000000';
const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Syntactically valid cursors (base64url JSON pairs) holding impossible or out-of-range values, for both cursor codecs. */
export const EDGE_CURSORS: readonly string[] = [
  cursor(['+275760-09-13T00:00:00.000Z', UUID]),
  cursor(['-000001-01-01T00:00:00.000Z', UUID]),
  cursor(['0000-01-01T00:00:00.000Z', UUID]),
  cursor(['2026-02-30T00:00:00.000Z', UUID]),
  cursor(['1', UUID]),
  cursor(['2026-11-20T10:00:00.000Z', '-'.repeat(36)]),
  cursor(['2026-11-20T10:00:00.000Z', 'z'.repeat(36)]),
  cursor(['999999999999999999', UUID]),
  cursor(['253402300800000000', UUID]),
  cursor(['1', '-'.repeat(36)]),
  cursor([8640000000000000, UUID]),
  cursor(['0001-01-01T00:00:00.000Z', UUID]),
  cursor({ startTime: '2026-11-20T10:00:00.000Z', id: UUID }),
  cursor([]),
  cursor(null),
];

/**
 * Percent-encoded bytes that are not UTF-8 (a surrogate's three-byte form, a stray byte, an
 * overlong NUL) and a NUL: a URL cannot carry a lone surrogate itself, these are what come instead.
 */
export const RAW_QUERY_TEXT: readonly string[] = ['%ED%A0%80', '%ED%B0%80x', '%FF', '%C0%80', '%00', '%F0%9F%92%A5', 'a%ED%A0%80%ED%B0%80'];

/** One edge value of any class, ready for a query string (already percent-encoded). */
export function edgeQueryValue(next: () => number): string {
  switch (Math.floor(next() * 4)) {
    case 0: return pick(next, RAW_QUERY_TEXT);
    case 1: return encodeURIComponent(String(pick(next, EDGE_INSTANTS)));
    case 2: return encodeURIComponent(String(pick(next, EDGE_NUMBERS)));
    default: return pick(next, EDGE_CURSORS);
  }
}

/** A JSON value of bounded depth whose strings, keys and numbers come from the edge classes. */
export function edgeJson(next: () => number, depth = 0): unknown {
  switch (Math.floor(next() * (depth > 2 ? 4 : 6))) {
    case 0: return pick(next, SURROGATE_STRINGS);
    case 1: return pick(next, EDGE_NUMBERS);
    case 2: return String(pick(next, EDGE_INSTANTS));
    case 3: return next() < 0.5 ? null : next() < 0.5;
    case 4: return Array.from({ length: 1 + Math.floor(next() * 3) }, () => edgeJson(next, depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: 1 + Math.floor(next() * 3) }, (_, i) => [`${pick(next, SURROGATE_STRINGS)}${i}`, edgeJson(next, depth + 1)]));
  }
}

/** Arrays nested `depth` levels deep: `[[[…]]]`. Deeper than a few thousand, recursive JSON code runs out of stack. */
export function deeplyNested(depth: number): unknown {
  return JSON.parse('['.repeat(depth) + ']'.repeat(depth));
}
