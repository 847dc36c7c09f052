import 'server-only';
import { z } from 'zod';
import type { Database } from '@/lib/db/client';
import { RowsNotSerializableError, summarizeDatabaseError } from '@/lib/db/errors';
import { ownedIds, upsertSpansIsolating, type SpanRow } from '@/lib/db/queries/traces';
import { isStorableInstant, STORABLE_RANGE_MESSAGE } from '@/lib/db/timestamps';
import { parseJsonText, readBodyText, validate } from '@/lib/http/body';
import { asUnavailable, ingestGate } from './admission';
import { limitJsonDepth } from './json-depth';
import { calculateCost } from '@/lib/pricing';

/** Largest ingest body (5 MB) and batch (1000 spans), per the HTTP contract. */
export const INGEST_BODY_LIMIT = 5 * 1024 * 1024;
export const INGEST_MAX_SPANS = 1000;

const OPERATION_TYPES = ['llm_call', 'tool_call', 'retrieval', 'embedding', 'chain', 'agent', 'other'] as const;
const STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;

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
/** Token counts are stored as Postgres `integer`. */
const MAX_COUNT = 2_147_483_647;
const count = z.number().int().nonnegative().max(MAX_COUNT);
const text = (max: number) => z.string().max(max);

/** One incoming span: the `llm_traces` column names. `user_id`, `id` and `created_at` are ignored. */
export const IncomingSpan = z
  .object({
    trace_id: hex(32, 'trace_id'),
    span_id: hex(16, 'span_id'),
    parent_trace_id: hex(16, 'parent_trace_id').nullish(),
    span_name: text(200).min(1),
    operation_type: z.enum(OPERATION_TYPES).default('other'),
    status: z.enum(STATUSES).optional(),
    start_time: timestamp,
    end_time: timestamp.nullish(),
    duration_ms: z.number().nonnegative().nullish(),
    conversation_id: z.uuid().nullish(),
    message_id: z.uuid().nullish(),
    model_name: text(200).nullish(),
    model_provider: text(100).nullish(),
    error_message: text(10_000).nullish(),
    input_tokens: count.nullish(),
    output_tokens: count.nullish(),
    total_tokens: count.nullish(),
    cached_input_tokens: count.nullish(),
    reasoning_tokens: count.nullish(),
    cost_usd: z.number().nonnegative().nullish(),
    time_to_first_token_ms: z.number().nonnegative().nullish(),
    service_name: text(200).nullish(),
    session_id: text(200).nullish(),
    end_user_id: text(200).nullish(),
    tags: z.array(text(100).min(1)).max(50).nullish(),
    input_data: z.unknown().optional().transform(limitJsonDepth),
    output_data: z.unknown().optional().transform(limitJsonDepth),
    metadata: z.record(z.string(), z.unknown()).nullish().transform(limitJsonDepth),
  })
  .refine((span) => !span.end_time || span.end_time.getTime() >= span.start_time.getTime(), {
    message: 'end_time is before start_time',
    path: ['end_time'],
  })
  .refine((span) => span.parent_trace_id !== span.span_id, { message: 'a span cannot be its own parent', path: ['parent_trace_id'] })
  .refine((span) => span.total_tokens != null || (span.input_tokens ?? 0) + (span.output_tokens ?? 0) <= MAX_COUNT, {
    message: `input_tokens + output_tokens is more than ${MAX_COUNT}, the largest total_tokens stored`,
    path: ['total_tokens'],
  });

export type IncomingSpan = z.infer<typeof IncomingSpan>;

const IngestBody = z.object({
  traces: z
    .array(z.unknown())
    .min(1, 'send at least one span')
    .max(INGEST_MAX_SPANS, `send at most ${INGEST_MAX_SPANS} spans per request`),
});

export interface IngestResult {
  accepted: number;
  rejected: Array<{ index: number; message: string }>;
}

/** Fills what the sender may leave out: status, duration, total tokens and cost. */
export function toSpanRow(userId: string, span: IncomingSpan): SpanRow {
  const end = span.end_time ?? null;
  const status = span.status ?? (end ? (span.error_message ? 'failed' : 'completed') : 'running');
  const totalTokens =
    span.total_tokens ?? (span.input_tokens != null && span.output_tokens != null ? span.input_tokens + span.output_tokens : null);
  let cost = span.cost_usd;
  if (cost === undefined) {
    cost =
      span.model_name && (span.input_tokens != null || span.output_tokens != null)
        ? calculateCost({
            model: span.model_name,
            inputTokens: span.input_tokens ?? 0,
            outputTokens: span.output_tokens ?? 0,
            cachedInputTokens: span.cached_input_tokens ?? undefined,
          })
        : null;
  }
  return {
    user_id: userId,
    conversation_id: span.conversation_id ?? null,
    message_id: span.message_id ?? null,
    trace_id: span.trace_id,
    parent_trace_id: span.parent_trace_id ?? null,
    span_id: span.span_id,
    span_name: span.span_name,
    start_time: span.start_time,
    end_time: end,
    duration_ms: span.duration_ms ?? (end ? end.getTime() - span.start_time.getTime() : null),
    operation_type: span.operation_type,
    model_name: span.model_name ?? null,
    model_provider: span.model_provider ?? null,
    status,
    error_message: span.error_message ?? null,
    input_tokens: span.input_tokens ?? null,
    output_tokens: span.output_tokens ?? null,
    total_tokens: totalTokens,
    cached_input_tokens: span.cached_input_tokens ?? null,
    reasoning_tokens: span.reasoning_tokens ?? null,
    cost_usd: cost ?? null,
    time_to_first_token_ms: span.time_to_first_token_ms ?? null,
    service_name: span.service_name ?? null,
    session_id: span.session_id ?? span.conversation_id ?? null,
    end_user_id: span.end_user_id ?? null,
    tags: span.tags ? [...new Set(span.tags)] : [],
    input_data: span.input_data ?? null,
    output_data: span.output_data ?? null,
    metadata: span.metadata ?? null,
  };
}

/** Why a span that passed validation was not stored, without the database's details (they stay in the log). */
function refusalReason(error: unknown): string {
  if (!(error instanceof RowsNotSerializableError)) return 'the database refused this span';
  return `the span cannot be written as JSON (${error.cause instanceof RangeError ? 'nested too deeply' : 'unsupported value'})`;
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || 'span'}: ${issue.message}`).join('; ');
}

/**
 * `POST /api/analytics/traces`: validates each span on its own, rejects the bad ones with their
 * reasons, and stores the rest, owned by `userId` (see {@link storeSpans}).
 */
export async function ingestSpans(database: Database, { userId, request }: { userId: string; request: Request }): Promise<IngestResult> {
  const text = await readBodyText(request, INGEST_BODY_LIMIT);
  const release = ingestGate.admit(text.length);
  try {
    const { traces } = validate(IngestBody, parseJsonText(request, text));
    return await storeSpans(database, { userId, spans: traces }).catch(asUnavailable);
  } finally {
    release();
  }
}

/**
 * The span store's one way in for spans from outside (HTTP JSON and OTLP): each span is
 * validated by {@link IncomingSpan} alone, priced, checked for ownership of its message and
 * conversation, and the accepted ones are written together. Should the database still refuse one,
 * it alone is rejected and the others are written. `rejected` holds the indexes into `spans`, in order.
 */
export async function storeSpans(database: Database, { userId, spans }: { userId: string; spans: readonly unknown[] }): Promise<IngestResult> {
  const rejected: IngestResult['rejected'] = [];
  const candidates: Array<{ index: number; row: SpanRow }> = [];
  spans.forEach((raw, index) => {
    const parsed = IncomingSpan.safeParse(raw);
    if (parsed.success) candidates.push({ index, row: toSpanRow(userId, parsed.data) });
    else rejected.push({ index, message: describeIssues(parsed.error) });
  });

  const messageIds = [...new Set(candidates.map((c) => c.row.message_id).filter((id): id is string => !!id))];
  const conversationIds = [...new Set(candidates.map((c) => c.row.conversation_id).filter((id): id is string => !!id))];
  const [ownedMessages, ownedConversations] = await Promise.all([
    ownedIds(database, { userId, table: 'messages', ids: messageIds }),
    ownedIds(database, { userId, table: 'conversations', ids: conversationIds }),
  ]);
  const accepted: typeof candidates = [];
  for (const candidate of candidates) {
    const { index, row } = candidate;
    if (row.message_id && !ownedMessages.has(row.message_id)) rejected.push({ index, message: 'message_id: no such message of yours' });
    else if (row.conversation_id && !ownedConversations.has(row.conversation_id)) rejected.push({ index, message: 'conversation_id: no such conversation of yours' });
    else accepted.push(candidate);
  }
  const refused = await upsertSpansIsolating(database, accepted.map(({ row }) => row));
  if (refused.length > 0) {
    // Validation should have caught it: say so once, briefly (the error holds the whole batch).
    console.warn(`[llmtrace] ingest: the database refused ${refused.length} of ${accepted.length} spans (${summarizeDatabaseError(refused[0]!.error)})`);
    for (const { index, error } of refused) rejected.push({ index: accepted[index]!.index, message: refusalReason(error) });
  }
  rejected.sort((a, b) => a.index - b.index);
  return { accepted: accepted.length - refused.length, rejected };
}
