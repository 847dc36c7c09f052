/**
 * An account's privacy settings (issue 13): which detectors mask what it stores, its own patterns,
 * the sampling rule and how many days its spans are kept. `GET /api/settings/privacy` returns
 * them and `PUT` replaces them, in the shape of {@link PrivacySettings}; an account that never
 * saved any has {@link DEFAULT_PRIVACY_SETTINGS} (nothing masked, everything kept, the server's
 * `TRACE_RETENTION_DAYS`).
 */
import { z } from 'zod';
import { compilePattern, DETECTORS, MAX_CUSTOM_PATTERNS, MAX_REPLACEMENT_LENGTH, type DetectorName } from '@llmtrace/sdk/mask';

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
 * The account's tail-sampling rule, applied at ingest (`lib/trace-store/tail-sampling.ts`): a rate
 * below 1 drops the rest of its successful traces, whole, once their root has ended.
 */
const SamplingBody = z.object({
  /** Share of successful traces kept, 0 to 1 (1 keeps all: sampling off). */
  successRate: z.number().min(0).max(1).default(1),
  /** Keep every trace with a failed span (or whose root did not complete), whatever the rate; false samples them at the rate too. */
  keepFailed: z.boolean().default(true),
  /** Keep every trace with a span at least this slow (milliseconds), whatever the rate; null for no threshold. */
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

