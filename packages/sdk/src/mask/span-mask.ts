/**
 * Masking in the app, before spans leave it: `maskWith(rules)` checks the rules once and returns
 * the mask `init({ mask })` applies to every record, with the same detectors, patterns and
 * `metadata.masked` counts as the server's per-account masking.
 */
import type { MaskableFields, RecordMask } from '../config';
import { compilePattern, MAX_CUSTOM_PATTERNS, MAX_REPLACEMENT_LENGTH } from './custom-patterns';
import { DETECTORS, type DetectorName } from './detectors';
import { countOf, createMasker, type Masker, type MaskCounts, type MaskRules } from './masker';

/** The rules `maskWith` takes: {@link MaskRules}, with a custom pattern's replacement optional. */
export interface MaskWithRules {
  /** Built-in detectors: `email`, `phone`, `card`, `iban`, `ip`, `secret`. */
  detectors?: readonly DetectorName[];
  /** Own patterns (RE2 syntax: no backreferences or look-arounds), run after the detectors. Replacement default `[REDACTED]`. */
  custom?: ReadonlyArray<{ pattern: string; replacement?: string }>;
  /** Mask span names too. Default false. */
  spanNames?: boolean;
}

/** What a custom pattern is replaced with when the rule names nothing (as on the server). */
export const DEFAULT_REPLACEMENT = '[REDACTED]';

const RULE_KEYS = new Set(['detectors', 'custom', 'spanNames']);
const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Why `rules` cannot be used, one reason per problem; empty when they can. The limits are the
 * server's (Settings → Privacy).
 *
 * @example
 * checkMaskRules({ detectors: ['emails'] }); // ['detectors[0]: unknown detector "emails" (known: email, phone, card, iban, ip, secret)']
 */
export function checkMaskRules(rules: unknown): string[] {
  if (!isObject(rules)) return ['the rules must be an object: { detectors, custom }'];
  const problems: string[] = [];
  for (const key of Object.keys(rules)) if (!RULE_KEYS.has(key)) problems.push(`unknown option "${key}" (known: ${[...RULE_KEYS].join(', ')})`);
  const { detectors, custom, spanNames } = rules;
  if (detectors !== undefined) {
    if (!Array.isArray(detectors)) problems.push('detectors must be an array of detector names');
    else {
      detectors.forEach((name, i) => {
        if (!(DETECTORS as readonly unknown[]).includes(name)) problems.push(`detectors[${i}]: unknown detector ${JSON.stringify(name)} (known: ${DETECTORS.join(', ')})`);
      });
    }
  }
  if (custom !== undefined) {
    if (!Array.isArray(custom)) problems.push('custom must be an array of { pattern, replacement }');
    else {
      if (custom.length > MAX_CUSTOM_PATTERNS) problems.push(`custom: at most ${MAX_CUSTOM_PATTERNS} patterns`);
      custom.forEach((rule, i) => {
        if (!isObject(rule) || typeof rule.pattern !== 'string') {
          problems.push(`custom[${i}]: must be { pattern: string, replacement?: string }`);
          return;
        }
        const compiled = compilePattern(rule.pattern);
        if (!compiled.ok) problems.push(`custom[${i}].pattern ${JSON.stringify(rule.pattern.slice(0, 100))}: ${compiled.reason}`);
        if (rule.replacement !== undefined && (typeof rule.replacement !== 'string' || rule.replacement.length > MAX_REPLACEMENT_LENGTH)) {
          problems.push(`custom[${i}].replacement: a string of at most ${MAX_REPLACEMENT_LENGTH} characters`);
        }
      });
    }
  }
  if (spanNames !== undefined && typeof spanNames !== 'boolean') problems.push('spanNames must be true or false');
  return problems;
}

/** Adds this masking's counts to any the record already carries (as the server adds its own to an SDK's). */
function mergedCounts(reported: unknown, counts: MaskCounts): Record<string, number> {
  const merged: Record<string, number> = {};
  if (isObject(reported)) for (const [key, n] of Object.entries(reported)) if (typeof n === 'number' && Number.isFinite(n)) merged[key] = n;
  for (const [key, n] of Object.entries(counts)) merged[key] = (merged[key] ?? 0) + (n ?? 0);
  return merged;
}

/**
 * A span's content masked: `input_data`, `output_data`, `error_message` and `metadata` (every
 * string at any depth), and `span_name` when the rules say so. When anything was replaced,
 * `metadata.masked` says how many times by which rule (`{"email": 2, "secret": 1}`), never what;
 * counts already there are added to. The server masks every stored span with it too.
 *
 * @example
 * maskSpanFields({ span_name: 'llm', input_data: 'ana@example.com', output_data: null, error_message: null, metadata: null }, createMasker({ detectors: ['email'] })!);
 * // { …, input_data: '[EMAIL]', metadata: { masked: { email: 1 } } }
 */
export function maskSpanFields<T extends MaskableFields>(fields: T, masker: Masker): T {
  const counts: MaskCounts = {};
  const masked: MaskableFields = { ...fields };
  if (masker.spanNames) masked.span_name = masker.text(fields.span_name, counts);
  masked.input_data = masker.json(fields.input_data, counts);
  masked.output_data = masker.json(fields.output_data, counts);
  masked.error_message = fields.error_message == null ? fields.error_message : masker.text(fields.error_message, counts);
  const metadata = fields.metadata == null ? fields.metadata : masker.json(fields.metadata, counts);
  masked.metadata = countOf(counts) > 0 ? { ...(metadata ?? {}), masked: mergedCounts(metadata?.masked, counts) } : metadata;
  return masked as T;
}

/**
 * The mask for `init({ mask })` that applies the built-in detectors and custom patterns to every
 * span before it leaves the app. Never throws: rules that cannot be used are listed in `problems`,
 * and `init()` reports them and sends nothing (rather than sending unmasked).
 *
 * @example
 * import { init } from '@llmtrace/sdk';
 * import { maskWith } from '@llmtrace/sdk/mask';
 * init({ mask: maskWith({ detectors: ['email', 'phone', 'secret'], custom: [{ pattern: 'ORD-\\d{6}', replacement: '[ORDER]' }] }) });
 */
export function maskWith(rules: MaskWithRules): RecordMask {
  const problems = checkMaskRules(rules);
  let masker: Masker | null = null;
  if (problems.length === 0) {
    const checked: MaskRules = {
      detectors: rules.detectors ?? [],
      custom: (rules.custom ?? []).map(({ pattern, replacement }) => ({ pattern, replacement: replacement ?? DEFAULT_REPLACEMENT })),
      spanNames: rules.spanNames === true,
    };
    masker = createMasker(checked);
  }
  return Object.freeze({
    problems: Object.freeze(problems),
    maskRecord(fields: MaskableFields): MaskableFields {
      if (problems.length > 0) throw new Error(`the mask rules cannot be used: ${problems.join('; ')}`);
      return masker === null ? fields : maskSpanFields(fields, masker);
    },
  });
}
