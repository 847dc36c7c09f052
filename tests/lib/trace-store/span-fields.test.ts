/**
 * The one definition of a span (`SPAN_FIELDS` in `@llmtrace/sdk/span`) against everything derived
 * from it and against the migrated database. Adding a column to the migration without adding it
 * to `SPAN_FIELDS` (or the reverse) fails here, as does a derived list that falls out of step.
 */
import { describe, expect, it } from 'vitest';
import { InMemorySpanSink, TraceService } from '@llmtrace/sdk';
import { SPAN_FIELDS, SPAN_FIELD_NAMES, SQL_TYPES, STORED_FIELDS, type FieldSpec } from '@llmtrace/sdk/span';
import { COLUMN_TYPES, INTERNAL_COLUMNS, SELECT_COLUMN_LIST, toApiSpan } from '@/lib/trace-store/columns';
import { spanRecordToRow } from '@/lib/trace-store/database-sink';
import { toSpanRow } from '@/lib/trace-store/ingest';
import { INGEST_FIELDS, IncomingSpan } from '@/lib/trace-store/schema';
import { describeEachDatabase } from '../../support/databases';

const ALL_FIELDS: Record<string, FieldSpec> = { ...SPAN_FIELDS, ...STORED_FIELDS };

/** information_schema's spelling of each Postgres type used. */
const INFORMATION_SCHEMA_TYPE: Record<string, string> = {
  uuid: 'uuid',
  text: 'text',
  timestamptz: 'timestamp with time zone',
  integer: 'integer',
  numeric: 'numeric',
  'text[]': 'ARRAY',
  jsonb: 'jsonb',
  boolean: 'boolean',
};

describeEachDatabase('the span definition and the llm_traces table', (getDatabase) => {
  it('declares exactly the columns of llm_traces, with their types and nullability', async () => {
    const columns = await getDatabase().query<{ column_name: string; data_type: string; is_nullable: string }>(
      "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'llm_traces'",
    );
    const inDatabase = Object.fromEntries(columns.map((c) => [c.column_name, { type: c.data_type, nullable: c.is_nullable === 'YES' }]));
    const declared = Object.fromEntries(
      Object.entries(ALL_FIELDS).map(([name, spec]) => [name, { type: INFORMATION_SCHEMA_TYPE[SQL_TYPES[spec.kind]], nullable: spec.nullable }]),
    );
    // The store's own derived columns (search_text), never returned by the API.
    const internal = Object.fromEntries(Object.entries(INTERNAL_COLUMNS).map(([name, type]) => [name, { type: INFORMATION_SCHEMA_TYPE[type], nullable: true }]));
    expect(inDatabase).toEqual({ ...declared, ...internal });
  });
});

describe('what is derived from the span definition', () => {
  it('gives the store every span field as a typed column, and the API every column', () => {
    expect(COLUMN_TYPES.map(([name]) => name)).toEqual(SPAN_FIELD_NAMES);
    expect(COLUMN_TYPES.map(([, type]) => type)).toEqual(SPAN_FIELD_NAMES.map((name) => SQL_TYPES[SPAN_FIELDS[name].kind]));
    expect([...SELECT_COLUMN_LIST].sort()).toEqual(Object.keys(ALL_FIELDS).sort());
    for (const internal of Object.keys(INTERNAL_COLUMNS)) expect(SELECT_COLUMN_LIST).not.toContain(internal);
  });

  it('accepts every field a sender may set on ingest, and no server-owned one', () => {
    const sendable = Object.entries(SPAN_FIELDS)
      .filter(([, spec]) => spec.ingest !== 'server')
      .map(([name]) => name);
    expect([...INGEST_FIELDS].sort()).toEqual(sendable.sort());
    const parsed = IncomingSpan.safeParse({ trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16), span_name: 'x', start_time: 0, user_id: 'ignored' });
    expect(parsed.success).toBe(true);
    expect(parsed.data).not.toHaveProperty('user_id');
  });

  it('turns an ingested span, a tracer record and a database row into objects with every span field', async () => {
    const parsed = IncomingSpan.parse({ trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16), span_name: 'x', start_time: 0 });
    expect(Object.keys(toSpanRow('6f1c2a4e-0d6b-4e4b-9a55-1f3c1b7c9a01', parsed)).sort()).toEqual([...SPAN_FIELD_NAMES].sort());

    const sink = new InMemorySpanSink();
    const tracer = new TraceService({ sink, config: { serviceName: 'svc' } });
    const span = await tracer.startTrace({ spanName: 'llm.call', operationType: 'llm_call', userId: 'u', sessionId: 's', endUserId: 'e', tags: ['a', 'a', 'b'] });
    await tracer.endTrace(span);
    await tracer.flush();
    const [record] = sink.spans();
    expect(Object.keys(record!).sort()).toEqual([...SPAN_FIELD_NAMES].sort());
    expect(record).toMatchObject({ service_name: 'svc', session_id: 's', end_user_id: 'e', tags: ['a', 'b'] });
    expect(Object.keys(spanRecordToRow(record!)).sort()).toEqual([...SPAN_FIELD_NAMES].sort());
  });

  it('serves numeric and timestamp columns as JSON numbers and ISO strings', () => {
    const api = toApiSpan({ duration_ms: '12.5', cost_usd: null, start_time: new Date(0), created_at: '2026-01-01 00:00:00+00', end_time: null });
    expect(api).toMatchObject({ duration_ms: 12.5, cost_usd: null, start_time: '1970-01-01T00:00:00.000Z', created_at: '2026-01-01T00:00:00.000Z', end_time: null });
  });
});
