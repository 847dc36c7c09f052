/**
 * Masking of text and JSON with a set of rules: the built-in detectors in their fixed order, then
 * the custom patterns. Pure functions, shared by the SDK (`maskWith`, ./span-mask) and the server
 * (`lib/privacy/store.ts` applies them to rows with an account's rules).
 */
import { findAll, compilePattern, type CompiledPattern, type CustomPattern } from './custom-patterns';
import { DETECTOR_ORDER, detect, replaceRanges, type DetectorName } from './detectors';

/**
 * What to mask: the server's per-account masking settings have this shape, and so does what an
 * app gives `maskWith`. Detectors always run in one fixed order, whatever order they are given in.
 */
export interface MaskRules {
  /** The built-in detectors switched on. */
  detectors?: readonly DetectorName[];
  /** Own patterns (RE2 syntax), run after the detectors, in the order given. */
  custom?: readonly CustomPattern[];
  /** Mask span names too. Default false. */
  spanNames?: boolean;
}

/** How many replacements each rule made: detector names, and `custom` for the custom patterns. */
export type MaskCounts = Partial<Record<DetectorName | 'custom', number>>;

export interface Masker {
  /** Also mask span names. */
  readonly spanNames: boolean;
  /** `text` masked; adds what was replaced to `counts`. */
  text(text: string, counts: MaskCounts): string;
  /**
   * `value` (JSON: any depth) with every string masked, keys included. Unchanged containers are
   * returned as they are (same reference); changed ones are copied, never modified in place.
   */
  json<T>(value: T, counts: MaskCounts): T;
}

function add(counts: MaskCounts, key: DetectorName | 'custom', n: number): void {
  if (n > 0) counts[key] = (counts[key] ?? 0) + n;
}

/**
 * The masker for these rules, or null when they mask nothing. Lenient: patterns are expected to be
 * checked already (the server when settings are saved, `maskWith` up front); one that does not
 * compile (say, after an engine upgrade) is skipped.
 *
 * @example
 * const masker = createMasker({ detectors: ['email'] })!;
 * const counts = {};
 * masker.text('mail ana@example.com', counts); // 'mail [EMAIL]', counts = { email: 1 }
 */
export function createMasker(rules: MaskRules): Masker | null {
  if (!rules.detectors?.length && !rules.custom?.length) return null;
  const detectors = DETECTOR_ORDER.filter((name) => rules.detectors?.includes(name) === true);
  const custom: Array<{ regex: CompiledPattern; replacement: string }> = [];
  for (const { pattern, replacement } of rules.custom ?? []) {
    const compiled = compilePattern(pattern);
    if (compiled.ok) custom.push({ regex: compiled.regex, replacement });
  }

  const text = (input: string, counts: MaskCounts): string => {
    let out = input;
    for (const name of detectors) {
      const result = detect(name, out);
      add(counts, name, result.count);
      out = result.text;
    }
    for (const { regex, replacement } of custom) {
      const result = replaceRanges(out, findAll(regex, out), replacement);
      add(counts, 'custom', result.count);
      out = result.text;
    }
    return out;
  };

  const json = (value: unknown, counts: MaskCounts): unknown => {
    if (typeof value === 'string') return text(value, counts);
    if (value === null || typeof value !== 'object') return value;
    // What JSON.stringify would write: a Date, a URL or a Buffer by its toJSON (a URL holds text).
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      const asJson = (toJSON as () => unknown).call(value);
      const masked = json(asJson, counts);
      return masked === asJson ? value : masked;
    }
    if (Array.isArray(value)) {
      let copy: unknown[] | null = null;
      for (let i = 0; i < value.length; i++) {
        const masked = json(value[i], counts);
        if (masked !== value[i]) (copy ??= value.slice())[i] = masked;
      }
      return copy ?? value;
    }
    const record = value as Record<string, unknown>;
    let changed = false;
    const entries: Array<[string, unknown]> = [];
    for (const key of Object.keys(record)) {
      let maskedKey = text(key, counts);
      if (maskedKey !== key) {
        changed = true;
        // Two keys masked alike ("[EMAIL]") stay two keys.
        for (let n = 2; Object.hasOwn(record, maskedKey) || entries.some(([k]) => k === maskedKey); n++) maskedKey = `${text(key, {})} #${n}`;
      }
      const item = record[key];
      const masked = json(item, counts);
      if (masked !== item) changed = true;
      entries.push([maskedKey, masked]);
    }
    // fromEntries defines own properties: a key named "__proto__" stays a key.
    return changed ? Object.fromEntries(entries) : value;
  };

  return { spanNames: rules.spanNames === true, text, json: json as Masker['json'] };
}

/** The total of a counts object. */
export function countOf(counts: MaskCounts): number {
  return Object.values(counts).reduce((sum, n) => sum + (n ?? 0), 0);
}
