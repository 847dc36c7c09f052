/**
 * An account's privacy settings (issue 13): which detectors mask what it stores, its own patterns,
 * the sampling rule and how many days its spans are kept. `GET /api/settings/privacy` returns
 * them and `PUT` replaces them, in the shape of {@link PrivacySettings}; an account that never
 * saved any has {@link DEFAULT_PRIVACY_SETTINGS} (nothing masked, everything kept, the server's
 * `TRACE_RETENTION_DAYS`).
 */
import { z } from 'zod';
import { compilePattern, MAX_CUSTOM_PATTERNS, MAX_REPLACEMENT_LENGTH } from './custom-patterns';
import { DETECTORS, type DetectorName } from './detectors';

/** Longest retention an account may set: a hundred years. */
export const MAX_RETENTION_DAYS = 36_500;

const CustomPatternBody = z
  .object({
    pattern: z.string().max(10_000),
    replacement: z.string().max(MAX_REPLACEMENT_LENGTH).default('[REDACTED]'),
  })
  .superRefine((value, ctx) => {
    const compiled = compilePattern(value.pattern);
    if (!compiled.ok) ctx.addIssue({ code: 'custom', path: ['pattern'], message: compiled.reason });
  });

const MaskingBody = z.object({
  /** The built-in detectors switched on (order does not matter; they always run in one order). */
  detectors: z
    .array(z.enum(DETECTORS))
    .default([])
    .transform((names) => DETECTORS.filter((name) => names.includes(name))),
  /** The account's own patterns, run in RE2 after the detectors, in the order given. */
  custom: z.array(CustomPatternBody).max(MAX_CUSTOM_PATTERNS).default([]),
  /** Mask span names too (off by default: names are usually code, and the UI groups by them). */
  spanNames: z.boolean().default(false),
});

/**
 * Server-side sampling is not applied yet, so a rate below 1 is refused rather than saved and
 * silently ignored. Why: spans of one trace arrive in separate batches, and a successful span
 * cannot be dropped before the trace's last span has shown it did not fail; keeping "a kept trace
 * is always complete" needs spans held back until a trace is known to be done (see
 * docs/TRACE_USER_GUIDE.md, "Privacy: masking and deletion").
 */
export const SERVER_SAMPLING_AVAILABLE = false;

const SamplingBody = z.object({
  /** Share of successful traces kept, 0 to 1 (1 keeps all). */
  successRate: z
    .number()
    .min(0)
    .max(1)
    .default(1)
    .refine((rate) => SERVER_SAMPLING_AVAILABLE || rate === 1, 'server-side sampling is not available yet: every trace is kept, so successRate must be 1'),
  /** Keep every trace with a failed span, whatever the rate. */
  keepFailed: z.boolean().default(true),
  /** Keep every trace with a span at least this slow (milliseconds); null for no threshold. */
  slowMs: z.number().int().positive().max(86_400_000).nullable().default(null),
});

/**
 * The body of `PUT /api/settings/privacy`: the whole settings object. A missing part takes its
 * default, so `{}` resets everything; unknown fields (such as what GET adds) are ignored.
 */
export const PrivacySettingsBody = z.object({
  masking: MaskingBody.default({ detectors: [], custom: [], spanNames: false }),
  sampling: SamplingBody.default({ successRate: 1, keepFailed: true, slowMs: null }),
  /** Days spans are kept; null follows the server's `TRACE_RETENTION_DAYS`. */
  retentionDays: z.number().int().min(1).max(MAX_RETENTION_DAYS).nullable().default(null),
});

export type PrivacySettings = z.infer<typeof PrivacySettingsBody>;
export type MaskingSettings = PrivacySettings['masking'];
export type SamplingSettings = PrivacySettings['sampling'];

export const DEFAULT_PRIVACY_SETTINGS: PrivacySettings = Object.freeze({
  masking: { detectors: [] as DetectorName[], custom: [], spanNames: false },
  sampling: { successRate: 1, keepFailed: true, slowMs: null },
  retentionDays: null,
});

/** True when any masking rule is on. */
export function masksAnything(masking: MaskingSettings): boolean {
  return masking.detectors.length > 0 || masking.custom.length > 0;
}
