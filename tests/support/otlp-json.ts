/**
 * Test helper: OTLP/JSON `ExportTraceServiceRequest` bodies → decoded `OtlpSpan`s, so mapping
 * tests can use recorded fixtures without going through the HTTP decoder.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AttributeValue, Attributes, OtlpEvent, OtlpSpan, OtlpStatusCode } from '@/lib/otlp/types';

type Json = Record<string, unknown>;

const KINDS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};

const list = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);

/** One OTLP `AnyValue` as a plain JSON value. */
export function anyValue(value: unknown): AttributeValue {
  if (typeof value !== 'object' || value === null) return null;
  const any = value as Json;
  if ('stringValue' in any) return String(any.stringValue);
  if ('boolValue' in any) return Boolean(any.boolValue);
  if ('intValue' in any) {
    const int = BigInt(any.intValue as string | number);
    return int <= BigInt(Number.MAX_SAFE_INTEGER) && int >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(int) : String(int);
  }
  if ('doubleValue' in any) return Number(any.doubleValue);
  if ('bytesValue' in any) return String(any.bytesValue);
  if ('arrayValue' in any) return list((any.arrayValue as Json | undefined)?.values).map(anyValue);
  if ('kvlistValue' in any) return attributes((any.kvlistValue as Json | undefined)?.values);
  return null;
}

export function attributes(keyValues: unknown): Attributes {
  const result: Attributes = {};
  for (const kv of list(keyValues)) result[String(kv.key)] = anyValue(kv.value);
  return result;
}

const nanos = (value: unknown): bigint => (value === undefined || value === null || value === '' ? 0n : BigInt(value as string | number));

/** Every span in an OTLP/JSON body, with its resource and scope. */
export function spansFromOtlpJson(body: unknown): OtlpSpan[] {
  const spans: OtlpSpan[] = [];
  for (const resourceSpans of list((body as Json).resourceSpans)) {
    const resource = attributes((resourceSpans.resource as Json | undefined)?.attributes);
    for (const scopeSpans of list(resourceSpans.scopeSpans)) {
      const scope = (scopeSpans.scope as Json | undefined) ?? {};
      for (const span of list(scopeSpans.spans)) {
        const end = nanos(span.endTimeUnixNano);
        const status = (span.status as Json | undefined) ?? {};
        const events: OtlpEvent[] = list(span.events).map((event) => ({
          name: String(event.name ?? ''),
          timeUnixNano: nanos(event.timeUnixNano),
          attributes: attributes(event.attributes),
        }));
        spans.push({
          traceId: String(span.traceId).toLowerCase(),
          spanId: String(span.spanId).toLowerCase(),
          parentSpanId: span.parentSpanId ? String(span.parentSpanId).toLowerCase() : null,
          name: String(span.name ?? ''),
          kind: typeof span.kind === 'string' ? (KINDS[span.kind] ?? 0) : Number(span.kind ?? 0),
          startTimeUnixNano: nanos(span.startTimeUnixNano),
          endTimeUnixNano: end === 0n ? null : end,
          attributes: attributes(span.attributes),
          events,
          status: { code: Number(status.code ?? 0) as OtlpStatusCode, message: String(status.message ?? '') },
          resource,
          scope: { name: String(scope.name ?? ''), version: String(scope.version ?? '') },
        });
      }
    }
  }
  return spans;
}

/** The spans of a fixture in `tests/fixtures/otlp/`. */
export function loadOtlpFixture(name: string): OtlpSpan[] {
  const path = fileURLToPath(new URL(`../fixtures/otlp/${name}`, import.meta.url));
  return spansFromOtlpJson(JSON.parse(readFileSync(path, 'utf8')));
}

/** A span for unit tests: a finished 1-second internal span with the given attributes. */
export function otlpSpan(overrides: Partial<OtlpSpan> = {}): OtlpSpan {
  return {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: 'eee19b7ec3c1b174',
    parentSpanId: null,
    name: 'span',
    kind: 1,
    startTimeUnixNano: 1_700_000_000_000_000_000n,
    endTimeUnixNano: 1_700_000_001_000_000_000n,
    attributes: {},
    events: [],
    status: { code: 0, message: '' },
    resource: { 'service.name': 'test-service' },
    scope: { name: 'test-scope', version: '1.0.0' },
    ...overrides,
  };
}
