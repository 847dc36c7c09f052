/**
 * One record per span in a batch: a `running` record followed by the span's final one (or a span
 * ended twice through copies of its context) collapses into the last, so that a sink can upsert a
 * batch in one statement.
 */
import { spanKey } from './span/fields';
import type { SpanRecord } from './types';

/** `batch` itself when no span repeats in it (the usual case), else the last record of each span. */
export function latestPerSpan(batch: SpanRecord[]): SpanRecord[] {
  if (!hasRepeatedSpanId(batch)) return batch;
  const latest = new Map<string, SpanRecord>();
  for (const record of batch) latest.set(spanKey(record), record);
  return [...latest.values()];
}

/**
 * A cheap summary of a span id (its first and last character), compared before the ids
 * themselves: ids are substrings of one random pool, and comparing two of them costs far more
 * than comparing two numbers.
 */
function idSummary(spanId: unknown): number {
  return typeof spanId === 'string' && spanId.length > 0 ? spanId.charCodeAt(0) * 65_536 + spanId.charCodeAt(spanId.length - 1) : -1;
}

const summaries: number[] = [];

function hasRepeatedSpanId(batch: SpanRecord[]): boolean {
  if (batch.length > 32) return new Set(batch.map((record) => record.span_id)).size < batch.length;
  // Small batches (the usual case): comparing pairs is cheaper than building a set.
  for (let i = 0; i < batch.length; i++) summaries[i] = idSummary(batch[i].span_id);
  for (let i = 1; i < batch.length; i++) {
    const summary = summaries[i];
    const spanId = batch[i].span_id;
    for (let j = 0; j < i; j++) if (summaries[j] === summary && batch[j].span_id === spanId) return true;
  }
  return false;
}
