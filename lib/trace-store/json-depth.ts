/**
 * A span's JSON (input, output, metadata) is cut at {@link MAX_JSON_DEPTH} levels of nesting.
 * Serialising and parsing JSON recurse once per level, in Node and in Postgres alike: a value
 * nested thousands deep (`[[[[…]]]]` fits in a few kilobytes) would exhaust the stack on the way
 * in or on the way out. No real payload comes near the limit.
 *
 * Guarantees: the check walks without recursion and stops at the first level too deep; a value
 * within the limit is returned as it is (same reference); a deeper one is copied, each container
 * at the limit replaced by {@link DEEP_VALUE_MARKER}.
 */

/** Levels of arrays and objects kept; a scalar at the top is level 0. */
export const MAX_JSON_DEPTH = 100;

/** What stands in for a container nested deeper than {@link MAX_JSON_DEPTH}. */
export const DEEP_VALUE_MARKER = `[cut: nested deeper than ${MAX_JSON_DEPTH} levels]`;

type Json = Record<string, unknown> | unknown[];

function isContainer(value: unknown): value is Json {
  return value !== null && typeof value === 'object';
}

/** The value as JSON.stringify sees it (a Date becomes its ISO string). */
function asJson(value: unknown): unknown {
  const toJSON = isContainer(value) ? (value as { toJSON?: unknown }).toJSON : undefined;
  return typeof toJSON === 'function' ? (toJSON as () => unknown).call(value) : value;
}

/** True when `value` holds an array or object more than `max` levels down (a cycle always does). */
export function isNestedDeeperThan(value: unknown, max: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length > 0) {
    const [item, depth] = pending.pop()!;
    if (!isContainer(item)) continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) if (isContainer(child)) pending.push([child, depth + 1]);
  }
  return false;
}

function cut(value: unknown, levelsLeft: number): unknown {
  const json = asJson(value);
  if (!isContainer(json)) return json;
  if (levelsLeft === 0) return DEEP_VALUE_MARKER;
  if (Array.isArray(json)) return json.map((item) => cut(item, levelsLeft - 1));
  return Object.fromEntries(Object.entries(json).map(([key, item]) => [key, cut(item, levelsLeft - 1)]));
}

/**
 * `value` with everything nested deeper than {@link MAX_JSON_DEPTH} levels cut off.
 *
 * @example
 * limitJsonDepth({ a: [1] });        // the same object
 * limitJsonDepth(JSON.parse('['.repeat(5000) + ']'.repeat(5000)));  // 100 levels, then the marker
 */
export function limitJsonDepth<T>(value: T): T {
  return isNestedDeeperThan(value, MAX_JSON_DEPTH) ? (cut(value, MAX_JSON_DEPTH) as T) : value;
}
