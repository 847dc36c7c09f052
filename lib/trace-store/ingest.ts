import 'server-only';
import { z } from 'zod';
import type { Database } from '@/lib/db/client';
import { RowsNotSerializableError, summarizeDatabaseError } from '@/lib/db/errors';
import type { SpanRow } from './columns';
import { ownedIds } from './write';
import { upsertSpansSampled } from './tail-sampling';
import { parseJsonText, readBodyText, validate } from '@/lib/http/body';
import { asUnavailable, withIngestReservation } from './admission';
import { IncomingSpan } from './schema';
import { SPAN_FIELD_NAMES, SPAN_FIELDS } from '@llmtrace/sdk/span';
import { calculateCost } from '@/lib/pricing';
import { maskSpanRows } from '@/lib/privacy/store';

export { IncomingSpan } from './schema';

/** Largest ingest body (5 MB) and batch (1000 spans), per the HTTP contract. */
export const INGEST_BODY_LIMIT = 5 * 1024 * 1024;
export const INGEST_MAX_SPANS = 1000;

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

/** A row with every span field empty: null, or no tags. */
const EMPTY_ROW: Readonly<Record<string, unknown>> = Object.fromEntries(
  SPAN_FIELD_NAMES.map((name) => [name, SPAN_FIELDS[name].kind === 'tags' ? [] : null]),
);

/** Fills what the sender may leave out: status, duration, total tokens, cost and session. */
export function toSpanRow(userId: string, span: IncomingSpan): SpanRow {
  const row: Record<string, unknown> = { ...EMPTY_ROW };
  for (const [name, value] of Object.entries(span)) if (value !== undefined && value !== null) row[name] = value;
  const end = span.end_time ?? null;
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
  row.user_id = userId;
  row.status = span.status ?? (end ? (span.error_message ? 'failed' : 'completed') : 'running');
  row.duration_ms = span.duration_ms ?? (end ? end.getTime() - span.start_time.getTime() : null);
  row.total_tokens =
    span.total_tokens ?? (span.input_tokens != null && span.output_tokens != null ? span.input_tokens + span.output_tokens : null);
  row.cost_usd = cost ?? null;
  row.session_id = span.session_id ?? span.conversation_id ?? null;
  row.tags = span.tags ? [...new Set(span.tags)] : [];
  return row as SpanRow;
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
 * reasons, and stores the rest, owned by `userId` (see {@link storeSpans}). The body is read
 * within the request's ingest reservation (`admitIngest` on the route).
 */
export async function ingestSpans(database: Database, { userId, request }: { userId: string; request: Request }): Promise<IngestResult> {
  return withIngestReservation(request, async (reservation) => {
    const text = await readBodyText(request, INGEST_BODY_LIMIT, (bytes) => reservation.ensure(bytes));
    const { traces } = validate(IngestBody, parseJsonText(request, text));
    return storeSpans(database, { userId, spans: traces }).catch(asUnavailable);
  });
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
  // Masked with the account's rules just before the write, then sampled by its rule (issue 13): nothing reaches the table unmasked.
  const refused = await upsertSpansSampled(database, await maskSpanRows(database, accepted.map(({ row }) => row)));
  if (refused.length > 0) {
    // Validation should have caught it: say so once, briefly (the error holds the whole batch).
    console.warn(`[llmtrace] ingest: the database refused ${refused.length} of ${accepted.length} spans (${summarizeDatabaseError(refused[0]!.error)})`);
    for (const { index, error } of refused) rejected.push({ index: accepted[index]!.index, message: refusalReason(error) });
  }
  rejected.sort((a, b) => a.index - b.index);
  return { accepted: accepted.length - refused.length, rejected };
}
