/**
 * What a convention mapper is: a pure function from one decoded span to the columns it can fill,
 * plus the attribute keys it used. `map.ts` merges the conventions' fields by its precedence table
 * and keeps every attribute no convention used in `metadata`, so nothing a sender sent is lost
 * and nothing mapped onto a column is stored twice.
 */
import type { AttributeValue, Attributes, MappedSpan, OtlpSpan } from '../types';

/** The columns a convention may fill; `map.ts` validates and truncates them afterwards. */
export type ConventionFields = Partial<
  Pick<
    MappedSpan,
    | 'operation_type'
    | 'model_name'
    | 'model_provider'
    | 'error_message'
    | 'input_tokens'
    | 'output_tokens'
    | 'total_tokens'
    | 'cached_input_tokens'
    | 'reasoning_tokens'
    | 'time_to_first_token_ms'
    | 'service_name'
    | 'session_id'
    | 'end_user_id'
    | 'tags'
    | 'input_data'
    | 'output_data'
  >
> & {
  /** Extra metadata the convention derived (e.g. user metadata unpacked from a JSON string). */
  metadata?: Record<string, unknown>;
};

export interface ConventionResult {
  fields: ConventionFields;
  /** Attribute keys whose values now live in `fields`: left out of `metadata`. */
  consumed: ReadonlySet<string>;
  /** Names of span events whose content now lives in `fields`. */
  consumedEvents?: ReadonlySet<string>;
}

export type Convention = (span: OtlpSpan) => ConventionResult;

/** Path segments never used as object keys, so attribute names cannot reach a prototype. */
const UNSAFE_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);
const INDEX = /^\d{1,6}$/;

/** A nested object rebuilt from dotted attribute keys (`message.role` → `{message: {role}}`). */
export type Tree = { [key: string]: unknown };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Sets `target[key]` as an own property even for `__proto__`: keys here come from the wire, and a
 * plain assignment of that one would replace the object's prototype instead of storing a value.
 */
export function setEntry(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/**
 * Attribute keys grouped by their first segment (`llm`, `gen_ai`, `ai`, …), built once per span
 * and shared by every reader of it, so a prefix look-up scans one group instead of every key.
 */
const keyGroups = new WeakMap<Attributes, Map<string, string[]>>();

function keysStartingWith(attributes: Attributes, start: string): readonly string[] {
  let groups = keyGroups.get(attributes);
  if (!groups) {
    groups = new Map();
    for (const key of Object.keys(attributes)) {
      const dot = key.indexOf('.');
      const head = dot < 0 ? key : key.slice(0, dot);
      const group = groups.get(head);
      if (group) group.push(key);
      else groups.set(head, [key]);
    }
    keyGroups.set(attributes, groups);
  }
  const dot = start.indexOf('.');
  const group = groups.get(dot < 0 ? start : start.slice(0, dot));
  return group ? group.filter((key) => key.startsWith(start)) : NO_KEYS;
}

const NO_KEYS: readonly string[] = [];

/** Follows `path` through nested objects; undefined where it leads nowhere. */
export function pick(node: unknown, ...path: string[]): unknown {
  let current = node;
  for (const segment of path) {
    if (!isRecord(current)) return undefined;
    current = current[segment];
  }
  return current;
}

/** A non-empty string, or a number or boolean as text; undefined otherwise. */
export function asText(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** A finite number, also from a numeric string (OTLP int64 beyond 2^53 decodes to a string). */
export function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}

/**
 * A JSON object or array inside a string is parsed; anything else comes back as it was. Instrumentations
 * serialise structured values into string attributes because OTel SDKs accept only primitives.
 */
export function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const first = value.trimStart()[0];
  if (first !== '{' && first !== '[') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Any JSON text parsed (strings and numbers included), for attributes that always hold JSON; other text as it is. */
export function parseJsonText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/** The values of an object keyed by indexes (`{"0": a, "1": b}`), in index order. */
export function indexedValues(node: unknown): unknown[] {
  if (Array.isArray(node)) return node;
  if (!isRecord(node)) return [];
  return Object.keys(node)
    .filter((key) => INDEX.test(key))
    .sort((a, b) => Number(a) - Number(b))
    .map((key) => node[key]);
}

/**
 * Reads a span's attributes and remembers which keys a convention used. A key counts as used only
 * when its value was usable, so a malformed value stays visible in `metadata`.
 *
 * @example
 * const reader = new AttributeReader({ 'llm.model_name': 'gpt-4o', 'x': 1 });
 * reader.text('llm.model_name'); // 'gpt-4o'
 * [...reader.consumed]; // ['llm.model_name']
 */
export class AttributeReader {
  private readonly used = new Set<string>();

  constructor(private readonly attributes: Attributes) {}

  get consumed(): ReadonlySet<string> {
    return this.used;
  }

  has(key: string): boolean {
    return Object.hasOwn(this.attributes, key) && this.attributes[key] !== null;
  }

  /** Marks keys as used without reading them: duplicates of what another attribute gave. */
  consume(...keys: string[]): void {
    for (const key of keys) if (Object.hasOwn(this.attributes, key)) this.used.add(key);
  }

  /** The raw value, marked used; undefined when absent or null. */
  take(key: string): AttributeValue | undefined {
    if (!this.has(key)) return undefined;
    this.used.add(key);
    return this.attributes[key];
  }

  text(key: string): string | undefined {
    return this.keepIf(key, asText(this.peek(key)));
  }

  number(key: string): number | undefined {
    return this.keepIf(key, asNumber(this.peek(key)));
  }

  /** The first of `keys` that holds a usable text; every one of them is marked used. */
  firstText(...keys: string[]): string | undefined {
    let found: string | undefined;
    for (const key of keys) {
      const value = this.text(key);
      found ??= value;
    }
    return found;
  }

  /** The first of `keys` that holds a number; every one of them is marked used. */
  firstNumber(...keys: string[]): number | undefined {
    let found: number | undefined;
    for (const key of keys) {
      const value = this.number(key);
      found ??= value;
    }
    return found;
  }

  /** `convert` applied to the value; the key counts as used only when that gives a result. */
  convert<T>(key: string, convert: (value: AttributeValue) => T | undefined): T | undefined {
    if (!this.has(key)) return undefined;
    return this.keepIf(key, convert(this.attributes[key]));
  }

  /** The value with JSON strings parsed (see {@link parseJson}); undefined when absent. */
  json(key: string): unknown {
    const value = this.take(key);
    return value === undefined ? undefined : parseJson(value);
  }

  /** Every `prefix.*` key as `[rest, value]`, marked used. */
  entries(prefix: string): Array<[string, AttributeValue]> {
    const start = `${prefix}.`;
    const found: Array<[string, AttributeValue]> = [];
    for (const key of keysStartingWith(this.attributes, start)) {
      this.used.add(key);
      found.push([key.slice(start.length), this.attributes[key]]);
    }
    return found;
  }

  /**
   * Indexed, flattened attributes (`prefix.0.message.role`, `prefix.0.message.content`, …) rebuilt
   * as a list of nested objects in index order. Only keys with an index right after `prefix` are
   * read, so `gen_ai.prompt.name` is not taken for a message of `gen_ai.prompt`.
   */
  list(prefix: string): Tree[] {
    const start = `${prefix}.`;
    const keys = keysStartingWith(this.attributes, start);
    if (keys.length === 0) return [];
    const root: Tree = {};
    for (const key of keys) {
      const path = key.slice(start.length).split('.');
      if (!INDEX.test(path[0]) || path.some((segment) => UNSAFE_SEGMENTS.has(segment))) continue;
      this.used.add(key);
      let node = root;
      for (const segment of path.slice(0, -1)) {
        const next = node[segment];
        node = isRecord(next) ? next : (node[segment] = {});
      }
      node[path[path.length - 1]] = this.attributes[key];
    }
    return indexedValues(root).filter(isRecord);
  }

  private peek(key: string): AttributeValue | undefined {
    return Object.hasOwn(this.attributes, key) ? this.attributes[key] : undefined;
  }

  private keepIf<T>(key: string, value: T | undefined): T | undefined {
    if (value !== undefined) this.used.add(key);
    return value;
  }
}
