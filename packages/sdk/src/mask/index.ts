/**
 * `@llmtrace/sdk/mask`: the built-in PII and secret detectors (`[EMAIL]`, `[PHONE]`, `[CARD]`,
 * `[IBAN]`, `[IP]`, `[SECRET]`), custom patterns run in RE2, and the walker that masks every string
 * of a JSON value and counts what each rule replaced. The one masking engine: the SDK applies it
 * before spans leave the app (`init({ mask: maskWith(rules) })`) and the LLMTrace server per
 * account before anything is written. A separate entry so that only those who mask load the
 * detectors' libraries (libphonenumber-js, validator, re2js).
 *
 * @example
 * import { init } from '@llmtrace/sdk';
 * import { maskWith } from '@llmtrace/sdk/mask';
 * init({ mask: maskWith({ detectors: ['email', 'secret'] }) });
 */
export { maskWith, checkMaskRules, maskSpanFields, DEFAULT_REPLACEMENT } from './span-mask';
export type { MaskWithRules } from './span-mask';
export { createMasker, countOf } from './masker';
export type { Masker, MaskCounts, MaskRules } from './masker';
export { DETECTORS, DETECTOR_ORDER, REPLACEMENTS, detect } from './detectors';
export type { DetectorName } from './detectors';
export { compilePattern, findAll, MAX_PATTERN_LENGTH, MAX_PROGRAM_SIZE, MAX_REPLACEMENT_LENGTH, MAX_CUSTOM_PATTERNS } from './custom-patterns';
export type { CustomPattern, CompiledPattern } from './custom-patterns';
export type { RecordMask, MaskableFields } from '../config';
