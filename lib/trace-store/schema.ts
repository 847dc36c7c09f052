/**
 * The ingest schema of `POST /api/analytics/traces` (and of every mapped OTLP span), built from
 * the one span definition: one zod rule per field kind, the field's nullability and limits from
 * `SPAN_FIELDS`. Only the rules that relate two fields are written here by hand.
 */
import { MAX_COUNT, OPERATION_TYPES, SPAN_FIELDS, SPAN_STATUSES, type FieldSpec, type SpanFieldName, type SpanRecord } from '@llmtrace/sdk/span';
import { z } from 'zod';
import { isStorableInstant, STORABLE_RANGE_MESSAGE } from '@/lib/db/timestamps';
import { limitJsonDepth } from './json-depth';

const ALL_ZEROS = /^0+$/;
const hex = (length: number, what: string) => {
  const pattern = new RegExp(`^[0-9a-f]{${length}}$`);
  return z
    .string()
    .transform((s) => s.toLowerCase())
    .refine((s) => pattern.test(s) && !ALL_ZEROS.test(s), `${what} must be ${length} hex characters, not all zeros`);
};

const timestamp = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 timestamp or epoch milliseconds' });
    return z.NEVER;
  }
  if (!isStorableInstant(date)) {
    ctx.addIssue({ code: 'custom', message: STORABLE_RANGE_MESSAGE });
    return z.NEVER;
  }
  return date;
});

/** The zod rule of one field, from its kind and limits. */
function rule(name: string, spec: FieldSpec): z.ZodType {
  const text = () => (spec.max === undefined ? z.string() : z.string().max(spec.max));
  switch (spec.kind) {
    case 'uuid':
      return z.uuid();
    case 'trace_id':
      return hex(32, name);
    case 'span_id':
      return hex(16, name);
    case 'text':
      return spec.ingest === 'required' ? text().min(1) : text();
    case 'timestamp':
      return timestamp;
    case 'integer':
      return z.number().int().nonnegative().max(MAX_COUNT);
    case 'number':
      return z.number().nonnegative();
    case 'operation':
      return z.enum(OPERATION_TYPES);
    case 'status':
      return z.enum(SPAN_STATUSES);
    case 'tags':
      return z.array(text().min(1)).max(spec.maxItems ?? 50);
    case 'json':
      return z.unknown().transform(limitJsonDepth);
    case 'object':
      return z.record(z.string(), z.unknown()).transform(limitJsonDepth);
    case 'boolean':
      return z.boolean();
  }
}

/** Defaults applied when a field is absent; the rest of what the sender leaves out is computed in `toSpanRow`. */
const DEFAULTS: Partial<Record<SpanFieldName, unknown>> = { operation_type: 'other' };

const shape: Record<string, z.ZodType> = {};
for (const [name, spec] of Object.entries(SPAN_FIELDS) as Array<[SpanFieldName, FieldSpec]>) {
  if (spec.ingest === 'server') continue;
  const base = rule(name, spec);
  if (spec.ingest === 'required') shape[name] = base;
  else if (name in DEFAULTS) shape[name] = base.default(DEFAULTS[name] as never);
  else if (spec.kind === 'json') shape[name] = z.unknown().optional().transform(limitJsonDepth);
  else if (spec.kind === 'object') shape[name] = base.nullish().transform(limitJsonDepth);
  else shape[name] = base.nullish();
}

type Fields = typeof SPAN_FIELDS;
type RequiredName = { [K in SpanFieldName]: Fields[K]['ingest'] extends 'required' ? K : never }[SpanFieldName];
type OptionalName = { [K in SpanFieldName]: Fields[K]['ingest'] extends 'optional' ? K : never }[SpanFieldName];

/** The parsed form of one incoming span: required fields set, optional ones possibly null or absent. */
export type IncomingSpan = { [K in RequiredName]: SpanRecord[K] } & { [K in OptionalName]?: SpanRecord[K] | null } & {
  operation_type: SpanRecord['operation_type'];
};

/** One incoming span: the `llm_traces` column names. `user_id`, `id` and `created_at` are ignored. */
export const IncomingSpan = z
  .object(shape)
  .refine((span) => !span.end_time || (span.end_time as Date).getTime() >= (span.start_time as Date).getTime(), {
    message: 'end_time is before start_time',
    path: ['end_time'],
  })
  .refine((span) => span.parent_trace_id !== span.span_id, { message: 'a span cannot be its own parent', path: ['parent_trace_id'] })
  .refine(
    (span) => span.total_tokens != null || ((span.input_tokens as number | null) ?? 0) + ((span.output_tokens as number | null) ?? 0) <= MAX_COUNT,
    { message: `input_tokens + output_tokens is more than ${MAX_COUNT}, the largest total_tokens stored`, path: ['total_tokens'] },
  ) as unknown as z.ZodType<IncomingSpan>;

/** The fields the ingest schema accepts, for the drift test. */
export const INGEST_FIELDS: readonly string[] = Object.keys(shape);
